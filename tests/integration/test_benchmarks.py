"""The benchmarks run end to end on a tiny catalog and end with their JSON line (their figures
are measured by hand on an idle machine, never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import remove_alias

pytestmark = pytest.mark.integration


def _bench(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "babelshop.cli", "bench", *args, "--json"],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bench_indexing_reports_speed_and_bytes_per_product() -> None:
    figures = _bench("indexing", "--products", "30")
    assert figures["indexed"] == 30 and figures["unchanged_reingest"] == 30 and figures["embedded_reingest"] == 0
    assert figures["products_per_s"] > 0 and figures["encoder_only_per_s"] > 0
    # The vector (896 float32) is stored once, outside _source: far below its JSON size.
    assert 1000 < figures["bytes_per_product"] < 12000


def test_bench_query_reports_first_sight_and_repeated_latencies(client) -> None:
    try:
        figures = _bench("query", "--products", "40", "--queries", "5")
        for key in ("hybrid_first_sight_p50_ms", "hybrid_first_sight_p99_ms", "rewrite_p50_ms"):
            assert figures[key] > 0, key
    finally:
        remove_alias(client, "bench-40")
