"""The embedded node is real OpenSearch (the configured line) with k-NN and neural-search (issue: engine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from opensearchpy import OpenSearch

from engine.paths import default_root
from mappings.analysis import analysis_settings
from tests.helpers import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch(client: OpenSearch):
    name = f"engine-{uuid.uuid4().hex[:8]}"
    yield name
    client.indices.delete(index=name, ignore=404)
    for pipeline in (f"{name}-norm", f"{name}-rrf"):
        client.transport.perform_request("DELETE", f"/_search/pipeline/{pipeline}", params={"ignore": 404})


def _vector_index(client: OpenSearch, name: str) -> None:
    client.indices.create(index=name, body={
        "settings": {"index": {"knn": True, "number_of_replicas": 0}},
        "mappings": {"properties": {
            "title": {"type": "text"},
            "v": {"type": "knn_vector", "dimension": 3,
                  "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
        }},
    })
    docs = [("a", "red running shoes", [1.0, 0.0, 0.0]), ("b", "blue running jacket", [0.0, 1.0, 0.0]),
            ("c", "green coffee maker", [0.0, 0.0, 1.0]), ("d", "trail shoes", [0.9, 0.1, 0.0])]
    for ident, title, vec in docs:
        client.index(index=name, id=ident, body={"title": title, "v": vec})
    client.indices.refresh(index=name)


@pytest.mark.compat
def test_version_is_the_configured_line(client: OpenSearch) -> None:
    from engine.paths import default_version

    assert client.info()["version"]["number"] == default_version()


@pytest.mark.compat
def test_knn_and_neural_search_plugins_are_installed(client: OpenSearch) -> None:
    plugins = {row["component"] for row in client.cat.plugins(format="json")}
    assert {"opensearch-knn", "opensearch-neural-search"} <= plugins


@pytest.mark.compat
def test_lucene_knn_vector_accepts_and_finds_vectors(client: OpenSearch, scratch: str) -> None:
    _vector_index(client, scratch)
    hits = client.search(index=scratch, body={"query": {"knn": {"v": {"vector": [1.0, 0.05, 0.0], "k": 2}}}, "size": 2})
    assert [h["_id"] for h in hits["hits"]["hits"]] == ["a", "d"]


@pytest.mark.compat
def test_hybrid_query_fuses_through_normalization_pipeline(client: OpenSearch, scratch: str) -> None:
    _vector_index(client, scratch)
    pipeline = {"phase_results_processors": [{"normalization-processor": {
        "normalization": {"technique": "min_max"},
        "combination": {"technique": "arithmetic_mean", "parameters": {"weights": [0.3, 0.7]}}}}]}
    client.transport.perform_request("PUT", f"/_search/pipeline/{scratch}-norm", body=pipeline)
    body = {"query": {"hybrid": {"queries": [
        {"match": {"title": "coffee"}},                       # lexical evidence: only c
        {"knn": {"v": {"vector": [1.0, 0.0, 0.0], "k": 4}}},  # vector evidence: a, d first
    ]}}}
    hits = client.search(index=scratch, body=body, params={"search_pipeline": f"{scratch}-norm"})["hits"]["hits"]
    ids = [h["_id"] for h in hits]
    # Both sub-queries contribute: the vector favourite leads (weight 0.7), the lexical-only hit is present.
    assert ids[0] == "a" and "c" in ids
    assert all(0.0 <= h["_score"] <= 1.0 for h in hits)


@pytest.mark.compat
def test_rrf_score_ranker_processor(client: OpenSearch, scratch: str) -> None:
    _vector_index(client, scratch)
    pipeline = {"phase_results_processors": [{"score-ranker-processor": {"combination": {"technique": "rrf"}}}]}
    client.transport.perform_request("PUT", f"/_search/pipeline/{scratch}-rrf", body=pipeline)
    body = {"query": {"hybrid": {"queries": [{"match": {"title": "shoes"}},
                                             {"knn": {"v": {"vector": [0.9, 0.1, 0.0], "k": 4}}}]}}}
    hits = client.search(index=scratch, body=body, params={"search_pipeline": f"{scratch}-rrf"})["hits"]["hits"]
    # Ranked first by both sub-queries: d ("trail shoes", nearest vector), then a.
    assert [h["_id"] for h in hits[:2]] == ["d", "a"]
    assert hits[0]["_score"] < 0.1  # an RRF score (1/(60+rank) sums), not a BM25 one


@pytest.mark.compat
def test_rank_eval_where_the_line_carries_it(client: OpenSearch, scratch: str) -> None:
    """rank-eval is not served on Maven Central at 3.6.0 (babelshop's evaluation computes its
    metrics itself): the 2.19 node answers it, the 3.6 node says it has no such API."""
    from opensearchpy.exceptions import TransportError

    from engine.versions import LINES

    _vector_index(client, scratch)
    body = {"requests": [{"id": "shoes", "request": {"query": {"match": {"title": "shoes"}}},
                          "ratings": [{"_index": scratch, "_id": "a", "rating": 1},
                                      {"_index": scratch, "_id": "d", "rating": 1}]}],
            "metric": {"mean_reciprocal_rank": {"k": 10, "relevant_rating_threshold": 1}}}
    line = LINES[client.info()["version"]["number"]]
    if "rank-eval-client" in line.modules:
        assert client.rank_eval(index=scratch, body=body)["metric_score"] == pytest.approx(1.0)
    else:
        with pytest.raises(TransportError):
            client.rank_eval(index=scratch, body=body)


@pytest.mark.compat
def test_synonym_graph_search_analyzer(client: OpenSearch, scratch: str) -> None:
    client.indices.create(index=scratch, body={
        "settings": {"number_of_replicas": 0, "analysis": {
            "filter": {"syn": {"type": "synonym_graph", "synonyms": ["sneakers, running shoes"]}},
            "analyzer": {"search_syn": {"tokenizer": "standard", "filter": ["lowercase", "syn"]}}}},
        "mappings": {"properties": {"title": {"type": "text", "analyzer": "standard", "search_analyzer": "search_syn"}}},
    })
    client.index(index=scratch, id="1", body={"title": "Trail running shoes"}, refresh=True)
    hits = client.search(index=scratch, body={"query": {"match": {"title": "sneakers"}}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["1"]


@pytest.mark.compat
def test_english_analyzer_folds_the_plurals_kstem_keeps(client: OpenSearch, scratch: str, tmp_path) -> None:
    # KStem alone leaves "bags", "parts", "supplies" as they are, so a shopper's "bag" missed
    # a product titled "Leather Bags"; the analyzer babelshop installs folds them.
    analysis = analysis_settings(("en",), tmp_path)
    client.indices.create(index=scratch, body={
        "settings": {"number_of_replicas": 0, "analysis": analysis},
        "mappings": {"properties": {"title": {"type": "text", "analyzer": "bs_en", "search_analyzer": "bs_en_search"}}},
    })

    def tokens(text: str) -> list[str]:
        found = client.indices.analyze(index=scratch, body={"analyzer": "bs_en", "text": text})
        return [t["token"] for t in found["tokens"]]

    assert tokens("bags parts supplies boots accessories") == tokens("bag part supply boot accessory")
    assert tokens("glass business") == ["glass", "business"]  # no plural to fold
    client.index(index=scratch, id="1", body={"title": "Leather Bags"}, refresh=True)
    hits = client.search(index=scratch, body={"query": {"match": {"title": "bag"}}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["1"]


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "babelshop.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_data_survives_stop_and_start() -> None:
    """A second node (own port and data dir, same assembled jars), of the other line, keeps its
    index across a restart, and its status names its own version and home."""
    from engine.paths import default_version
    from engine.versions import other_version

    line = ("--version", other_version(default_version()))
    instance = default_root().parent / f"test-instance-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "BABELSHOP_ENGINE_DIR": str(instance),
           "BABELSHOP_ENGINE_HOMES": str(default_root()), "BABELSHOP_ENGINE_HEAP": "512m"}
    port = free_port()  # the system's pick: a fixed number may be held by another run or service
    try:
        started = _cli("engine", "start", "--port", str(port), *line, env=env)
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip().splitlines()[-1]
        assert url == f"http://127.0.0.1:{port}"
        node = OpenSearch(hosts=[url])
        node.index(index="survivor", id="1", body={"title": "kept"}, refresh=True,
                   params={"wait_for_active_shards": "1"})
        again = _cli("engine", "start", "--port", str(port), *line, env=env)  # idempotent
        assert again.returncode == 0 and again.stdout.strip() == url
        running = json.loads(_cli("engine", "status", "--port", str(port), "--json", env=env).stdout)
        assert running["version"] == line[1] and running["home"].endswith(f"opensearch-{line[1]}"), running
        assert _cli("engine", "stop", env=env).returncode == 0
        status = json.loads(_cli("engine", "status", "--json", env=env).stdout)
        assert status["running"] is False
        assert _cli("engine", "start", "--port", str(port), *line, env=env).returncode == 0
        assert OpenSearch(hosts=[url]).get(index="survivor", id="1")["_source"] == {"title": "kept"}
    finally:
        _cli("engine", "stop", env=env)
        shutil.rmtree(instance, ignore_errors=True)


def test_port_held_by_a_stranger_is_a_clear_error() -> None:
    import socket

    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        instance = default_root().parent / f"test-instance-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "BABELSHOP_ENGINE_DIR": str(instance),
               "BABELSHOP_ENGINE_HOMES": str(default_root())}
        try:
            result = _cli("engine", "start", "--port", str(port), env=env)
        finally:
            shutil.rmtree(instance, ignore_errors=True)
    assert result.returncode != 0
    assert f"Port {port} is held by something that is not babelshop's engine" in result.stderr
