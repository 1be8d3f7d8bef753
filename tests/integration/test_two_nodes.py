"""A two-node cluster of the main OpenSearch line (``babelshop engine start --nodes 2``) with one
replica: the compatibility path works on it, and a node killed while searches and writes run
loses neither a search nor a write (issue: clusters)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.errors import ClusterUnavailable
from common.opensearch_client import make_client
from common.settings import Settings
from engine.paths import default_root
from indexer.reindex import reindex
from indexer.service import IndexingService
from mappings.install import alias_target, reload_synonyms, setup
from query_rewriter.search import Searcher

pytestmark = pytest.mark.integration

PORTS = (9240, 9241)
URLS = ",".join(f"http://127.0.0.1:{p}" for p in PORTS)
PRODUCTS = [{"id": f"n-{i}", "title": title, "lang": lang, "price": 10 + i, "brand": "Acme"}
            for i, (title, lang) in enumerate([("Trail running shoes", "en"), ("Kaffeemaschine mit Mahlwerk", "de"),
                                               ("Sac à dos de randonnée", "fr"), ("无线蓝牙耳机", "zh"),
                                               ("Mochila de senderismo", "es"), ("Cast iron pan", "en")])]


def _green(client: OpenSearch, index: str | None = None, *, nodes: int = 2, within_s: float = 120.0) -> None:
    deadline = time.monotonic() + within_s
    while True:
        health = client.cluster.health(index=index, wait_for_status="green", wait_for_nodes=nodes)
        if health["status"] == "green" and not health["timed_out"]:
            return
        assert time.monotonic() < deadline, health


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "babelshop.cli", *args], env=env, capture_output=True, text=True,
                          timeout=400, check=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict]:
    """Two nodes in one cluster under their own engine root, sharing the assembled jars."""
    root = default_root().parent / f"test-cluster-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "BABELSHOP_ENGINE_DIR": str(root), "BABELSHOP_ENGINE_HOMES": str(default_root()),
           "BABELSHOP_ENGINE_HEAP": "512m"}
    try:
        started = _cli("engine", "start", "--nodes", "2", "--port", str(PORTS[0]), env=env)
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip().splitlines()[-1] == URLS
        yield {"env": env, "root": root}
    finally:
        _cli("engine", "stop", env=env)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def local(cluster: dict, settings: Settings) -> Iterator[tuple[OpenSearch, Settings]]:
    from encoders import load_encoder

    alias = f"two-{uuid.uuid4().hex[:8]}"
    # A fresh two-node cluster of small heaps on a busy machine answers its first hybrid search
    # slowly, and a node leaving takes the survivor a moment: the deadline and retries of a
    # cluster in failover, not of a quiet single node.
    local = settings.model_copy(update={"opensearch_url": URLS, "index": alias, "index_replicas": 1,
                                        "query_log": False, "reindex_grace_s": 0.5, "search_timeout_s": 15.0,
                                        "search_retries": 5})
    client = make_client(local)
    setup(client, alias, local.catalog_languages, load_encoder(local).dimension, replicas=1)
    _green(client, alias)
    assert IndexingService(local, client=client).index_products(PRODUCTS).indexed == len(PRODUCTS)
    client.indices.refresh(index=alias)
    yield client, local
    client.indices.delete(index=f"{alias}_v*,{alias}-deadletter,{alias}-rebuild", ignore_unavailable=True,
                          allow_no_indices=True, ignore=404)


def test_both_nodes_joined_and_every_shard_has_a_copy_on_each(local) -> None:
    client, settings = local
    assert {n["name"] for n in client.cat.nodes(format="json")} == {f"babelshop-{p}" for p in PORTS}
    shards = client.cat.shards(index=alias_target(client, settings.index), format="json")
    by_shard: dict[str, set[str]] = {}
    for row in shards:
        assert row["state"] == "STARTED"
        by_shard.setdefault(row["shard"], set()).add(row["node"])
    assert by_shard and all(len(nodes) == 2 for nodes in by_shard.values())


@pytest.mark.parametrize("mode", ["hybrid", "rrf", "bm25", "vector"])
def test_every_mode_answers_and_explains_on_two_nodes(local, mode: str) -> None:
    client, settings = local
    response = Searcher(settings, client=client).search("running shoes", lang="en", mode=mode, explain=True)
    assert response.hits and response.hits[0].id == "n-0"
    for hit in response.hits:
        assert hit.explanation is not None
        assert hit.explanation.combined == pytest.approx(hit.score, abs=1e-4)


def test_reindex_and_a_synonym_reload_allocate_and_swap_across_nodes(local, tmp_path: Path) -> None:
    client, settings = local
    report = reindex(IndexingService(settings, client=client), alias=settings.index)
    _green(client, report["new_index"])
    assert client.count(index=settings.index)["count"] == len(PRODUCTS)
    synonyms = tmp_path / "synonyms"
    synonyms.mkdir()
    word = f"zorb{uuid.uuid4().hex[:4]}"
    (synonyms / "en.txt").write_text(f"{word}, running shoes\n", encoding="utf-8")
    new = reload_synonyms(client, settings.index, settings.catalog_languages, synonyms, grace_s=0.5)
    _green(client, new)
    hits = Searcher(settings, client=client).search(word, lang="en", mode="bm25").hits
    assert "n-0" in [h.id for h in hits]


def _manager_and_other(client: OpenSearch) -> tuple[int, int]:
    manager = client.cat.cluster_manager(format="json")[0]["node"]
    port = int(manager.rsplit("-", 1)[1])
    return port, next(p for p in PORTS if p != port)


def test_a_node_killed_during_searches_and_writes_loses_neither(local, cluster: dict) -> None:
    client, settings = local
    _, victim = _manager_and_other(client)  # with two nodes the elected manager must stay
    searcher = Searcher(settings, client=client)
    searcher.search("running shoes", lang="en")  # models loaded before the loop
    service = IndexingService(settings, client=client)
    stop = threading.Event()
    failures: list[BaseException] = []
    answered: list[str] = []
    written: set[str] = set()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                hits = searcher.search("running shoes", lang="en", mode="bm25").hits
                answered.append(hits[0].id if hits else "")
            except Exception as exc:
                failures.append(exc)

    def write_loop() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            product = {"id": f"during-{n}", "title": f"Camping lantern {n}", "lang": "en"}
            for _ in range(30):  # what a task's retries do for a transient failure
                try:
                    if service.index_products([product]).indexed == 1:
                        written.add(product["id"])
                    break
                except ClusterUnavailable:
                    time.sleep(1)
            time.sleep(0.1)

    threads = [threading.Thread(target=search_loop, daemon=True), threading.Thread(target=write_loop, daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    state = json.loads((cluster["root"] / "nodes" / str(victim) / "engine.json").read_text())
    os.killpg(state["pid"], signal.SIGKILL)
    time.sleep(8)  # searches and writes go on against the surviving node
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not failures, failures[:3]
        assert len(answered) > 10 and set(answered) == {"n-0"}
        client.indices.refresh(index=settings.index)
        found = {h["_id"] for h in client.search(index=settings.index, body={
            "size": 1000, "_source": False, "query": {"prefix": {"id": "during-"}}})["hits"]["hits"]}
        assert len(written) >= 3 and written <= found, sorted(written - found)
    finally:
        restarted = _cli("engine", "start", "--nodes", "2", "--port", str(PORTS[0]), env=cluster["env"])
        assert restarted.returncode == 0, restarted.stderr
        _green(client)
