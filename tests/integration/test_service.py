"""``babelshop serve`` (issue 15) over real HTTP against the real engine: uvicorn on a free
loopback port, httpx as the client. Every endpoint, JSON errors with the CLI's messages, the
deadline against a stalled cluster (a loopback proxy), size limits, facets, OpenAPI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from query_rewriter.contracts import QueryError
from query_rewriter.search import Searcher
from service.app import create_app
from service.server import ServerThread
from tests.fault_proxy import FaultProxy
from tests.helpers import remove_alias

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 1.0
PRODUCTS = [
    {"id": "s-1", "title": "Trail running shoes", "brand": "Acme", "price": 59.9,
     "category": "Apparel & Accessories > Shoes > Athletic Shoes", "lang": "en"},
    {"id": "s-2", "title": "Laufschuhe für Damen", "brand": "Bivouac", "price": 89.0,
     "category": "Apparel & Accessories > Shoes > Athletic Shoes", "lang": "de"},
    {"id": "s-3", "title": "Wireless headphones", "brand": "Acme", "price": 129.0,
     "category": "Electronics > Audio > Headphones", "lang": "en"},
    {"id": "s-4", "title": "Cafetera espresso", "brand": "Cimes", "price": 249.0,
     "category": "Home & Garden > Kitchen > Coffee Makers", "lang": "es"},
    {"id": "s-5", "title": "Sac à dos de randonnée", "brand": "Bivouac", "price": 45.0,
     "category": "Luggage & Bags > Backpacks", "lang": "fr"},
    {"id": "s-6", "title": "Leather laptop bag", "brand": "Cimes", "price": 99.0,
     "category": "Luggage & Bags > Laptop Bags", "lang": "en"},
]


@pytest.fixture(scope="module")
def alias(client: OpenSearch, settings: Settings, tmp_path_factory):
    from encoders import load_encoder
    from indexer.ingest import ingest_inline
    from mappings.install import setup

    name = f"test-{uuid.uuid4().hex[:10]}"
    setup(client, name, settings.catalog_languages, load_encoder(settings).dimension, weights=settings.hybrid_weights)
    path = tmp_path_factory.mktemp("service") / "catalog.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PRODUCTS), encoding="utf-8")
    assert ingest_inline(path, settings, index=name).indexed == len(PRODUCTS)
    client.indices.refresh(index=name)
    yield name
    remove_alias(client, name)


@pytest.fixture(scope="module")
def served_settings(settings: Settings, alias: str) -> Settings:
    return settings.model_copy(update={"index": alias, "query_log": False, "search_timeout_s": 5.0,
                                       "service_max_query_chars": 300, "service_max_body_bytes": 4096})


@pytest.fixture(scope="module")
def searcher(served_settings: Settings) -> Searcher:
    return Searcher(served_settings)


@pytest.fixture(scope="module")
def url(served_settings: Settings, searcher: Searcher):
    server = ServerThread(create_app(served_settings, searcher=searcher)).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def http(url: str):
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _served_with(settings: Settings, searcher: Searcher, **changes) -> tuple[ServerThread, Settings]:
    """A second app on other settings that shares the loaded models."""
    changed = settings.model_copy(update=changes)
    other = Searcher(changed, rewriter=searcher.rewriter)
    return ServerThread(create_app(changed, searcher=other)).start(), changed


def test_openapi_describes_every_endpoint(http: httpx.Client) -> None:
    schema = http.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/search"]) == {"get", "post"} and set(paths["/rewrite"]) == {"get", "post"}
    assert "get" in paths["/healthz"] and "get" in paths["/metrics"]
    assert "SearchRequest" in schema["components"]["schemas"] and "ErrorResponse" in schema["components"]["schemas"]
    assert http.get("/docs").status_code == 200


def test_get_and_post_search_answer_what_the_python_api_answers(http: httpx.Client, searcher: Searcher) -> None:
    expected = [h.id for h in searcher.search("跑鞋", size=3).hits]
    got = http.get("/search", params={"query": "跑鞋", "size": 3})
    posted = http.post("/search", json={"query": "跑鞋", "size": 3})
    assert got.status_code == posted.status_code == 200
    assert [h["id"] for h in got.json()["hits"]] == expected == [h["id"] for h in posted.json()["hits"]]
    body = got.json()
    assert body["query"]["lang"] == "zh" and "embedding" not in body["query"] and "body" not in body["query"]
    assert {"s-1", "s-2"} & set(expected)  # running shoes, found across languages


@pytest.mark.parametrize("mode", ["hybrid", "rrf", "bm25", "vector"])
def test_every_mode_with_filters_paging_and_explain(http: httpx.Client, mode: str) -> None:
    response = http.post("/search", json={"query": "bag", "mode": mode, "size": 2, "from": 0, "explain": True,
                                          "filters": {"price_max": 100, "category": "Luggage & Bags"}})
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits and all(h["price"] <= 100 and h["category"].startswith("Luggage & Bags") for h in hits)
    assert all(h["explanation"] is not None for h in hits) and response.json()["mode"] == mode
    flat = http.get("/search", params={"query": "bag", "mode": mode, "size": 2, "price_max": 100,
                                       "category": "Luggage & Bags"})
    assert [h["id"] for h in flat.json()["hits"]] == [h["id"] for h in hits]


def test_facets_over_http_equal_the_python_api(http: httpx.Client, searcher: Searcher) -> None:
    expected = searcher.search("shoes", size=2, facets=True).facets.model_dump()
    got = http.get("/search", params={"query": "shoes", "size": 2, "facets": "true"}).json()
    assert got["facets"] == expected
    assert {v["value"] for v in got["facets"]["category"]} <= {p["category"].split(" > ")[0] for p in PRODUCTS}
    assert sum(b["count"] for b in got["facets"]["price"]) == got["total"]
    assert http.get("/search", params={"query": "shoes"}).json()["facets"] is None


def test_rewrite_get_and_post(http: httpx.Client) -> None:
    got = http.get("/rewrite", params={"query": "sac à dos"})
    posted = http.post("/rewrite", json={"query": "sac à dos", "lang": "fr"})
    assert got.status_code == posted.status_code == 200
    assert got.json()["lang"] == "fr" and "backpack" in [t["text"] for t in got.json()["translations"]["en"]]
    assert posted.json()["translations"] == got.json()["translations"] and "embedding" not in posted.json()


def test_bad_input_is_400_with_the_clis_message(http: httpx.Client, searcher: Searcher) -> None:
    cases = [({"query": "shoes", "mode": "fuzzy"}, {}), ({"query": "shoes", "size": 0}, {"size": 0}),
             ({"query": "!!! ???"}, {})]
    for body, kwargs in cases:
        with pytest.raises(QueryError) as cli:
            searcher.search(body["query"], mode=body.get("mode", "hybrid"), **kwargs)
        response = http.post("/search", json=body)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error == {"kind": "bad_input", "message": str(cli.value), "exit_code": 2}


def test_malformed_requests_are_422_json(http: httpx.Client) -> None:
    for response in (http.post("/search", json={"query": "shoes", "size": "ten"}),
                     http.post("/search", json={"size": 3}),
                     http.post("/search", content=b"{not json", headers={"content-type": "application/json"}),
                     http.post("/search", json={"query": "shoes", "filters": {"price_min": 9, "price_max": 1}}),
                     http.get("/search")):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["kind"] == "invalid_request" and error["exit_code"] == 2 and error["message"]
    said = http.post("/search", json={"query": "shoes", "filters": {"price_min": 9, "price_max": 1}}).json()
    assert "price_min 9.0 is above price_max 1.0" in said["error"]["message"]


def test_size_limits(http: httpx.Client) -> None:
    long = http.get("/search", params={"query": "shoe " * 100})
    assert long.status_code == 422 and long.json()["error"]["kind"] == "too_large"
    assert "at most 300" in long.json()["error"]["message"]
    big = http.post("/search", json={"query": "shoes", "lang": "x" * 5000})
    assert big.status_code == 413 and "BABELSHOP_SERVICE_MAX_BODY_BYTES" in big.json()["error"]["message"]

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        yield b'{"query": "'
        for _ in range(10):
            yield b"a" * 1000
        yield b'"}'

    chunked = http.post("/search", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert http.post("/search", json={"query": "shoes"}).status_code == 200  # the service still serves


def test_healthz_ok_then_503_with_the_reason(http: httpx.Client, served_settings: Settings,
                                             searcher: Searcher) -> None:
    ok = http.get("/healthz")
    assert ok.status_code == 200 and ok.json()["status"] == "ok" and ok.json()["models"] == "loaded"
    deadline = time.monotonic() + 120  # the background read of the dictionaries ends, and says so
    while ok.json()["dictionaries"] == "loading" and time.monotonic() < deadline:
        time.sleep(0.2)
        ok = http.get("/healthz")
    assert ok.status_code == 200 and ok.json()["dictionaries"] == "loaded"
    assert ok.json()["cluster"]["status"] in ("green", "yellow")
    with FaultProxy(mode="refuse") as proxy:
        server, _ = _served_with(served_settings, searcher, opensearch_url=proxy.url)
        try:
            down = httpx.get(server.url + "/healthz", timeout=30)
        finally:
            server.stop()
    assert down.status_code == 503 and down.json()["cluster"]["reason"] == "unreachable"
    assert "Cannot reach OpenSearch" in down.json()["reason"]
    server, _ = _served_with(served_settings, searcher, index=f"missing-{uuid.uuid4().hex[:6]}")
    try:
        missing = httpx.get(server.url + "/healthz", timeout=30)
    finally:
        server.stop()
    assert missing.status_code == 503 and "babelshop setup --index missing-" in missing.json()["reason"]


def test_a_stalled_cluster_is_503_slow_within_the_deadline(served_settings: Settings, searcher: Searcher) -> None:
    with FaultProxy(mode="stall") as proxy:
        server, _ = _served_with(served_settings, searcher, opensearch_url=proxy.url, search_timeout_s=DEADLINE_S)
        try:
            started = time.monotonic()
            response = httpx.get(server.url + "/search", params={"query": "running shoes"}, timeout=30)
            elapsed = time.monotonic() - started
            metrics = httpx.get(server.url + "/metrics", timeout=30).text
        finally:
            server.stop()
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["kind"] == "unavailable" and error["reason"] == "slow" and error["exit_code"] == 3
    assert "BABELSHOP_SEARCH_TIMEOUT_S" in error["message"]
    assert elapsed < DEADLINE_S + 1.5, elapsed
    assert 'babelshop_errors_total{endpoint="/search",kind="unavailable",reason="slow"} 1.0' in metrics


def test_unreachable_cluster_is_503_unreachable(served_settings: Settings, searcher: Searcher) -> None:
    with FaultProxy(mode="refuse") as proxy:
        server, _ = _served_with(served_settings, searcher, opensearch_url=proxy.url, search_timeout_s=DEADLINE_S)
        try:
            response = httpx.post(server.url + "/search", json={"query": "shoes"}, timeout=30)
        finally:
            server.stop()
    assert response.status_code == 503 and response.json()["error"]["reason"] == "unreachable"
    assert "Cannot reach OpenSearch" in response.json()["error"]["message"]


def test_metrics_latency_by_mode_cache_hit_rate_and_errors(http: httpx.Client) -> None:
    def sample(text: str, name: str) -> float:
        for line in text.splitlines():
            if line.rsplit(" ", 1)[0] == name:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = http.get("/metrics").text
    query = f"wireless headphones {uuid.uuid4().hex[:4]}"
    for _ in range(3):
        assert http.get("/search", params={"query": query, "mode": "bm25"}).status_code == 200
    http.post("/search", json={"query": "shoes", "mode": "nope"})
    after = http.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    count = 'babelshop_search_latency_seconds_count{mode="bm25"}'
    assert sample(text, count) - sample(before, count) == 3
    hits = "babelshop_rewrite_cache_hits_total"
    assert sample(text, hits) - sample(before, hits) >= 2  # the 2nd and 3rd were served from the cache
    assert 0 < sample(text, "babelshop_rewrite_cache_hit_ratio") <= 1
    assert sample(text, 'babelshop_errors_total{endpoint="/search",kind="bad_input",reason=""}') >= 1


def test_concurrent_searches_all_answer(url: str) -> None:
    errors: list[str] = []
    queries = ["跑鞋", "Laufschuhe", "headphones", "cafetera", "sac à dos", "laptop bag", "shoes", "mochila"]

    def client(i: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for j in range(4):
                r = http.post("/search", json={"query": queries[(i + j) % len(queries)], "facets": j % 2 == 0})
                if r.status_code != 200 or not r.json()["hits"]:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_babelshop_serve_command_serves_and_refuses_a_busy_port(alias: str) -> None:
    env = {**os.environ, "BABELSHOP_INDEX": alias, "BABELSHOP_QUERY_LOG": "false"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        refused = subprocess.run([sys.executable, "-m", "babelshop.cli", "serve", "--port", str(port)], cwd=ROOT,
                                 env=env, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in refused.stderr
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "babelshop.cli", "serve", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200, process.stderr.read() if process.poll() else health
        found = httpx.get(f"http://127.0.0.1:{port}/search", params={"query": "Kaffeemaschine"}, timeout=30).json()
        assert "s-4" in [h["id"] for h in found["hits"]]
    finally:
        process.terminate()
        process.wait(30)
