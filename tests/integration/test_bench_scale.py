"""``babelshop bench scale --synthetic`` (issue 15) through the real ``babelshop`` process against
the real engine: the JSON line's figures, the index it builds (documents shaped by the real
mapping, random unit vectors), its reuse by a second run; the index is removed afterwards."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from tests.helpers import count, remove_alias, unique_name

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = 300
QUERIES = 20
KEYS = {"products", "dimension", "build_s", "build_docs_per_s", "bytes_per_product", "hybrid_p50_ms",
        "hybrid_p99_ms", "bm25_p50_ms", "vector_p50_ms", "queries", "engine_version", "engine_heap_mb"}


def bench_scale(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "babelshop.cli", "bench", "scale", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=900, check=False)


def last_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_scale_builds_measures_and_reuses(client: OpenSearch, settings: Settings) -> None:
    index_name = unique_name("bench-scale")
    try:
        check_build_and_reuse(client, settings, index_name)
    finally:
        remove_alias(client, index_name)
    assert not client.indices.get(index=f"{index_name}*", ignore_unavailable=True, allow_no_indices=True)


def check_build_and_reuse(client: OpenSearch, settings: Settings, index_name: str) -> None:
    from encoders import load_encoder

    args = ("--products", str(PRODUCTS), "--synthetic", "--queries", str(QUERIES), "--json", "--index", index_name)
    first = last_json(bench_scale(*args))
    assert set(first) >= KEYS
    assert first["products"] == PRODUCTS == count(client, index_name)
    assert first["dimension"] == load_encoder(settings).dimension
    assert 1_000 <= first["bytes_per_product"] <= 20_000
    assert 0 < first["hybrid_p50_ms"] <= first["hybrid_p99_ms"]
    assert first["bm25_p50_ms"] > 0 and first["vector_p50_ms"] > 0
    assert first["queries"] == QUERIES
    assert first["build_s"] > 0 and first["build_docs_per_s"] > 0 and first["reused"] is False
    assert first["engine_version"] == client.info()["version"]["number"]
    assert 64 <= first["engine_heap_mb"] <= 64 * 1024

    # Every field the real mapping declares, as the indexer fills them; the vector a unit one.
    index = next(iter(client.indices.get_alias(name=index_name)))
    declared = set(client.indices.get_mapping(index=index)[index]["mappings"]["properties"])
    hits = client.search(index=index_name, body={"size": 5, "query": {"match_all": {}}})["hits"]["hits"]
    for hit in hits:
        source = hit["_source"]
        assert set(source) == declared, set(source) ^ declared
        assert len(source["title_vector"]) == first["dimension"]
        assert math.isclose(math.sqrt(sum(x * x for x in source["title_vector"])), 1.0, abs_tol=1e-3)
        # The original title under its own language, as the indexer keeps it.
        assert source["lang"] not in settings.catalog_languages or source["title_i18n"][source["lang"]] == source["title"]
    assert len({hit["_source"]["title"] for hit in hits}) > 1

    # The same catalog again: the index is reused, not rebuilt.
    second = last_json(bench_scale(*args))
    assert second["reused"] is True
    assert second["build_s"] == first["build_s"]
    assert second["products"] == PRODUCTS == count(client, index_name)
    assert next(iter(client.indices.get_alias(name=index_name))) == index


def test_scale_without_synthetic_is_a_usage_error() -> None:
    proc = bench_scale("--products", "10")
    assert proc.returncode == 2
    assert "--synthetic" in proc.stderr and "Traceback" not in proc.stderr

