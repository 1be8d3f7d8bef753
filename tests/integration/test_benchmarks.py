"""The benchmarks run end to end on a tiny catalog and end with their JSON line (their figures
are measured by hand on an idle machine, never asserted here)."""

from __future__ import annotations

import json
import re
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


def _bench_catalog_parts(client) -> set[str]:
    """Templates, search pipelines and indices of ``bench indexing``'s throwaway catalogs."""
    throwaway = re.compile(r"bench-[0-9a-f]{8}\b")
    templates = [t["name"] for t in client.indices.get_index_template(name="bench-*", ignore=404).get("index_templates", [])]
    pipelines = list(client.transport.perform_request("GET", "/_search/pipeline/bench-*", params={"ignore": 404}))
    indices = list(client.indices.get(index="bench-*", ignore_unavailable=True, allow_no_indices=True))
    return {name for name in [*templates, *pipelines, *indices] if throwaway.match(name)}


def test_bench_indexing_reports_speed_and_bytes_per_product(client) -> None:
    before = _bench_catalog_parts(client)
    figures = _bench("indexing", "--products", "30")
    assert _bench_catalog_parts(client) <= before  # its index, template and pipelines are gone
    assert figures["indexed"] == 30 and figures["unchanged_reingest"] == 30 and figures["embedded_reingest"] == 0
    assert figures["products_per_s"] > 0 and figures["encoder_only_per_s"] > 0
    # The vector (896 float32) is stored once, outside _source: far below its JSON size.
    assert 1000 < figures["bytes_per_product"] < 12000


def test_bench_indexing_queued_goes_through_the_workers_and_embeds_every_title(client) -> None:
    # Twice: the second run's titles carry another number, so the workers' embedding cache
    # (which outlives a run) cannot answer for them.
    before = _bench_catalog_parts(client)
    for _ in range(2):
        figures = _bench("indexing", "--products", "30", "--queued")
        assert figures["pipeline"] == "queued" and figures["worker_processes"] >= 1
        assert figures["indexed"] == 30 and figures["embedded_first"] == 30
        assert figures["unchanged_reingest"] == 30 and figures["embedded_reingest"] == 0
    assert _bench_catalog_parts(client) <= before


def test_bench_query_reports_first_sight_and_repeated_latencies(client) -> None:
    try:
        figures = _bench("query", "--products", "40", "--queries", "5")
        for key in ("hybrid_first_sight_p50_ms", "hybrid_first_sight_p99_ms", "rewrite_p50_ms"):
            assert figures[key] > 0, key
    finally:
        remove_alias(client, "bench-40")


def test_bench_serve_loads_the_service_and_the_engine_with_both_mixes(client) -> None:
    try:
        figures = _bench("serve", "--products", "40", "--clients", "2", "--duration", "1", "--queries", "4",
                         "--first-sight", "6")
        mixes = figures["mixes"]
        for mix in ("repeated", "first_sight"):
            for side in ("service", "engine"):
                run = mixes[mix][side]
                assert run["requests"] > 0 and run["errors"] == 0 and run["qps"] > 0, (mix, side, run)
        assert mixes["first_sight"]["service"]["requests"] == 6  # each first-sight query sent once
        for key in ("service_over_engine_qps", "service_over_engine_p99", "first_sight_over_engine_qps"):
            assert figures[key] > 0, key
        # CPU per request, read from the service process and the cluster's node stats.
        assert figures["service_cpu_ms_first_sight"] > 0 and figures["engine_cpu_ms_repeated"] > 0
        assert mixes["repeated"]["engine"]["service_cpu_ms"] < mixes["repeated"]["service"]["service_cpu_ms"]
        # Every repeated query was rewritten once while warming, then answered from the cache.
        assert figures["rewrite_cache_hit_ratio"] > 0.5
    finally:
        remove_alias(client, "bench-40")
