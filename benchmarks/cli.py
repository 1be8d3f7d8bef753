"""``babelshop bench ...``: speed goals, measured side by side in one run.

Each benchmark prints a JSON object on its last line (``--json``) with the figures and the
ratios between them, since the shared 2-core machine is too noisy for absolute times.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path

import click

from benchmarks.figures import bytes_per_product, percentile, print_figures
from benchmarks.scale import bench_scale
from common.settings import get_settings


@click.group()
def bench() -> None:
    """Benchmarks (not tests): speed and memory goals."""


bench.add_command(bench_scale)  # in its own module: it builds and reuses its own index


@bench.command("indexing")
@click.option("--products", "n", default=1000, show_default=True, help="Catalog size (sample catalog and variants).")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_indexing(n: int, batch_size: int, as_json: bool) -> None:
    """Full pipeline vs the encoder alone on the same texts; re-ingest of the unchanged catalog."""
    from babelshop.sample import synthetic_catalog, write_jsonl
    from common.jsonl import json_lines
    from common.opensearch_client import make_client
    from encoders import load_encoder
    from indexer.enrich import Enricher
    from indexer.ingest import ingest_inline
    from indexer.service import IndexingService
    from indexer.validate import validate_products
    from mappings.install import setup

    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="babelshop-bench-") as tmp:
        # A fresh cache and index: the first pass embeds everything, as a new catalog would.
        settings = base.model_copy(update={"cache_dir": Path(tmp), "index": f"bench-{uuid.uuid4().hex[:8]}"})
        path = write_jsonl(synthetic_catalog(n), Path(tmp) / "catalog.jsonl")
        client = make_client(settings)
        # The encoder from the real settings: an exported model (onnx) stays in the user's cache.
        enricher = Enricher(settings, encoder=load_encoder(base))
        setup(client, settings.index, settings.catalog_languages, enricher.encoder.dimension)
        products, _ = validate_products([row for _, row in json_lines(path, ValueError)])
        enricher.encoder.encode_documents(["warm up"])  # load the model outside every timing
        for src in settings.catalog_languages:  # dictionaries load per language pair, outside the timings
            for tgt in settings.catalog_languages:
                enricher.translator.translate_many(["warm up"], src, tgt)
        service = IndexingService(settings, client=client, enricher=enricher)

        start = time.perf_counter()
        first = ingest_inline(path, settings, batch_size=batch_size, service=service)
        pipeline_s = time.perf_counter() - start

        # The very texts the pipeline embedded (its translations are cached by now: untimed).
        texts = enricher.prepare(products).texts
        encoder_s = _time_documents(enricher.encoder, texts, batch_size)
        # The composite's first part (e5) alone: the backend BABELSHOP_EMBEDDER picks.
        parts = getattr(enricher.encoder, "parts", None)
        primary_s = _time_documents(parts[0][0], texts, batch_size) if parts else encoder_s

        start = time.perf_counter()
        second = ingest_inline(path, settings, batch_size=batch_size, service=service)
        reingest_s = time.perf_counter() - start

        per_product = bytes_per_product(client, settings.index)[0]
        client.indices.delete(index=f"{settings.index}_v*,{settings.index}-deadletter")
    figures = {
        "products": len(products), "indexed": first.indexed, "embedded_first": first.embedded,
        "embedded_reingest": second.embedded, "unchanged_reingest": second.unchanged,
        "pipeline_s": round(pipeline_s, 3), "encoder_s": round(encoder_s, 3), "reingest_s": round(reingest_s, 3),
        "products_per_s": round(len(products) / pipeline_s, 1),
        "encoder_only_per_s": round(len(texts) / encoder_s, 1),
        "primary_encoder_only_per_s": round(len(texts) / primary_s, 1),
        "bytes_per_product": per_product,
        "ratio": round(encoder_s / pipeline_s, 3),
        "reingest_speedup": round(pipeline_s / reingest_s, 1),
        "encoder": enricher.encoder.id, "translator": enricher.translator.id,
        "languages": list(settings.catalog_languages),
    }
    print_figures(figures, as_json)


def _time_documents(encoder, texts: list[str], batch_size: int) -> float:
    """Seconds ``encoder`` takes to embed ``texts`` as documents, ``batch_size`` at a time."""
    start = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        encoder.encode_documents(texts[i:i + batch_size])
    return time.perf_counter() - start


def bench_queries(products: list[dict], limit: int) -> list[str]:
    """Short shopper-like queries from the catalog itself: category leaves and title heads."""
    seen: list[str] = []
    for p in products:
        leaf = (p.get("category") or "").split(">")[-1].strip()
        words = p["title"].split()
        head = " ".join(words[:2]) if len(words) > 1 else p["title"][:6]
        for q in (head, leaf):
            if q and q not in seen:
                seen.append(q)
    return seen[:limit]


def ensure_bench_index(settings, n: int) -> str:
    """A products index of ``n`` catalog items (sample + variants), built once and reused."""
    from babelshop.sample import synthetic_catalog, write_jsonl
    from common.opensearch_client import make_client
    from indexer.enrich import Enricher
    from indexer.ingest import ingest_inline
    from indexer.service import IndexingService
    from mappings.install import setup

    alias = f"bench-{n}"
    client = make_client(settings)
    bench_settings = settings.model_copy(update={"index": alias})
    enricher = Enricher(bench_settings)
    setup(client, alias, settings.catalog_languages, enricher.encoder.dimension, shards=settings.index_shards,
          replace_incompatible=True)  # built by another encoder: rebuilt, it is the benchmark's own
    if client.count(index=alias)["count"] >= n:
        return alias
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(synthetic_catalog(n), Path(tmp) / "catalog.jsonl")
        click.echo(f"building {alias}: {n} products (once; reused by later runs)", err=True)
        ingest_inline(path, bench_settings, batch_size=256,
                      service=IndexingService(bench_settings, client=client, enricher=enricher))
    client.indices.forcemerge(index=alias, max_num_segments=1, request_timeout=3600)
    return alias


@bench.command("query")
@click.option("--products", "n", default=50000, show_default=True)
@click.option("--queries", "n_queries", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_query(n: int, n_queries: int, as_json: bool) -> None:
    """Latency of every mode over the same queries, interleaved, end to end (rewrite included).

    Each query is first seen once, in hybrid mode: ``rewrite_p50_ms`` is its rewrite with
    nothing cached (detection, translation, synonyms, embedding) and
    ``hybrid_first_sight_p50_ms``/``_p99_ms`` that rewrite plus the request, as a shop's
    long-tail queries cost. ``query_encode_p50_ms`` is the embedding of one short query alone.
    The per-mode figures then repeat each query, as popular shop queries repeat, with the
    rewrite served by the rewriter's cache.
    """
    from babelshop.sample import load_sample
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher

    settings = get_settings().model_copy(update={"query_log": False})
    alias = ensure_bench_index(settings, n)
    searcher = Searcher(settings)
    queries = bench_queries(load_sample(), n_queries)
    searcher.search("warm up", index=alias)
    # As `babelshop serve` starts: the models warmed, the cached dictionaries of every query
    # language read first.
    searcher.rewriter.warm_up()
    searcher.rewriter.translator.preload(searcher.rewriter.query_languages, build=False)
    searcher.rewriter = Rewriter(settings, encoder=searcher.rewriter.encoder, translator=searcher.rewriter.translator)
    rewrite_ms, cold_ms = [], []
    for q in queries:
        start = time.perf_counter()
        searcher.rewrite(q, mode="hybrid", index=alias)  # everything cold: detect, translate, expand, embed
        rewritten = time.perf_counter()
        searcher.search(q, index=alias, mode="hybrid")  # the same rewrite, now cached, and the request
        rewrite_ms.append((rewritten - start) * 1000)
        cold_ms.append((time.perf_counter() - start) * 1000)
    encoder = searcher.rewriter.encoder
    encode_ms = []
    for q in queries:
        start = time.perf_counter()
        encoder.encode_queries([q])
        encode_ms.append((time.perf_counter() - start) * 1000)
    modes = ("hybrid", "rrf", "bm25", "vector")
    timings: dict[str, list[float]] = {m: [] for m in modes}
    for m in modes:
        searcher.search(queries[0], index=alias, mode=m)
    for _ in range(2):
        for q in queries:
            for m in modes:  # interleaved, so noise hits every mode alike
                start = time.perf_counter()
                searcher.search(q, index=alias, mode=m)
                timings[m].append((time.perf_counter() - start) * 1000)
    figures = {
        "products": searcher.client.count(index=alias)["count"], "queries": len(queries),
        "rewrite_p50_ms": round(percentile(rewrite_ms, 50), 2),
        "hybrid_first_sight_p50_ms": round(percentile(cold_ms, 50), 2),
        "hybrid_first_sight_p99_ms": round(percentile(cold_ms, 99), 2),
        "query_encode_p50_ms": round(percentile(encode_ms, 50), 2),
        **{f"{m}_p50_ms": round(percentile(timings[m], 50), 2) for m in modes},
        "hybrid_p99_ms": round(percentile(timings["hybrid"], 99), 2),
        "hybrid_over_bm25_p50": round(percentile(timings["hybrid"], 50) / percentile(timings["bm25"], 50), 3),
        "encoder": encoder.id,
    }
    print_figures(figures, as_json)


def first_sight_queries(products: list[dict], n: int, *, seed: int = 15, exclude: set[str] = frozenset()) -> list[str]:
    """``n`` distinct shopper-like queries no other mix sends: two or three consecutive title
    words of a catalog product, or a word beside a category leaf, in a seeded order."""
    import random

    rng = random.Random(seed)
    pool: set[str] = set()
    for p in products:
        words = [w for w in p["title"].split() if any(ch.isalnum() for ch in w)]
        for width in (2, 3):
            for i in range(len(words) - width + 1):
                pool.add(" ".join(words[i:i + width]))
        leaf = (p.get("category") or "").split(">")[-1].strip()
        if leaf and words:
            pool.add(f"{words[0]} {leaf}")
    ordered = sorted(pool - set(exclude))
    rng.shuffle(ordered)
    return ordered[:n]


def closed_loop(clients: int, request, *, items: int | None = None, duration_s: float | None = None) -> dict:
    """``clients`` threads, each sending its next request as soon as the last returned, until
    ``items`` requests were sent in all (``request(http, i)`` sends the i-th) or ``duration_s``
    passed. Returns QPS, p50/p99 and errors."""
    import itertools
    import threading

    import httpx

    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop_at = started + duration_s if duration_s else None

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while True:
                with lock:
                    i = next(counter)
                if (items is not None and i >= items) or (stop_at and time.perf_counter() >= stop_at):
                    return
                t0 = time.perf_counter()
                response = request(http, i)
                took = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(took)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds": round(elapsed, 3), "qps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2)}


def _start_service(alias: str, port: int) -> tuple:
    """``babelshop serve`` in its own process (as deployed: the load generator's threads do not
    share its interpreter), returning once it reports healthy and has read its dictionaries
    (reading them takes cycles the engine's side of the comparison would otherwise lose)."""
    import os
    import subprocess
    import sys

    import httpx

    env = {**os.environ, "BABELSHOP_INDEX": alias, "BABELSHOP_QUERY_LOG": "false"}
    process = subprocess.Popen([sys.executable, "-m", "babelshop.cli", "serve", "--port", str(port),
                                "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"babelshop serve exited with {process.returncode} before answering on {url}"
            raise click.ClickException(msg)
        try:
            health = httpx.get(url + "/healthz", timeout=5)
            if health.status_code == 200 and health.json().get("dictionaries") == "loaded":
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise click.ClickException(f"babelshop serve did not become healthy on {url} in 300 s")


@bench.command("serve")
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--products", "n", default=50000, show_default=True)
@click.option("--duration", "duration_s", default=20.0, show_default=True,
              help="Seconds of each repeated-mix run (service, then engine).")
@click.option("--queries", "n_queries", default=100, show_default=True, help="Distinct queries of the repeated mix.")
@click.option("--first-sight", "n_first", default=400, show_default=True,
              help="Queries of the first-sight mix, each sent once.")
@click.option("--port", default=0, show_default=True, help="The service's port (0: a free one).")
@click.option("--json", "as_json", is_flag=True)
def bench_serve(clients: int, n: int, duration_s: float, n_queries: int, n_first: int, port: int,
                as_json: bool) -> None:
    """Closed-loop load on loopback against ``babelshop serve`` and, in the same run, the same
    hybrid request bodies sent straight to OpenSearch (``_search`` with the search pipeline).

    Two query mixes: repeated (the service's rewrites cached, as popular queries are) and
    first sight (every query new: the service detects, translates and embeds each; the engine
    gets the bodies rewritten beforehand, here, untimed)."""
    import httpx

    from babelshop.sample import load_sample
    from mappings.pipelines import pipeline_name
    from query_rewriter.search import Searcher
    from service.server import bind

    settings = get_settings().model_copy(update={"query_log": False})
    alias = ensure_bench_index(settings, n)
    sample = load_sample()
    repeated = bench_queries(sample, n_queries)
    first = first_sight_queries(sample, n_first, exclude=set(repeated) | {"warm up"})
    searcher = Searcher(settings)
    searcher.search("warm up", index=alias)  # reads the clause limit the service will read too

    def body(q: str) -> bytes:
        rewritten = searcher.rewrite(q, mode="hybrid", index=alias)
        return json.dumps(rewritten.body).encode()

    click.echo(f"rewriting {len(repeated) + len(first)} queries for the engine side (untimed)", err=True)
    bodies = {q: body(q) for q in [*repeated, *first]}
    auth = None
    if settings.opensearch_user and settings.opensearch_password:
        auth = (settings.opensearch_user, settings.opensearch_password.get_secret_value())
    engine_url = f"{settings.opensearch_url.rstrip('/')}/{alias}/_search?search_pipeline={pipeline_name(alias, 'hybrid')}"
    headers = {"content-type": "application/json"}

    def engine(queries: list[str]):
        def send(http: httpx.Client, i: int):
            return http.post(engine_url, content=bodies[queries[i % len(queries)]], headers=headers, auth=auth)
        return send

    def service(url: str, queries: list[str]):
        def send(http: httpx.Client, i: int):
            return http.post(url + "/search", json={"query": queries[i % len(queries)], "mode": "hybrid"})
        return send

    if port == 0:
        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        sock.close()
    process, url = _start_service(alias, port)
    try:
        click.echo(f"service at {url}; warming its rewrite cache with the repeated mix", err=True)
        closed_loop(clients, service(url, repeated), items=len(repeated))
        closed_loop(clients, engine(repeated), items=len(repeated))
        rep_engine = closed_loop(clients, engine(repeated), duration_s=duration_s)
        rep_service = closed_loop(clients, service(url, repeated), duration_s=duration_s)
        first_engine = closed_loop(clients, engine(first), items=len(first))
        first_service = closed_loop(clients, service(url, first), items=len(first))
        metrics = httpx.get(url + "/metrics", timeout=30).text
    finally:
        process.terminate()
        process.wait(30)
    hit_ratio = next((float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                      if line.startswith("babelshop_rewrite_cache_hit_ratio ")), None)
    figures = {
        "products": n, "clients": clients, "duration_s": duration_s,
        "qps": rep_service["qps"], "p50_ms": rep_service["p50_ms"], "p99_ms": rep_service["p99_ms"],
        "service_over_engine_qps": round(rep_service["qps"] / max(rep_engine["qps"], 1e-9), 3),
        "service_over_engine_p99": round(rep_service["p99_ms"] / max(rep_engine["p99_ms"], 1e-9), 3),
        "first_sight_over_engine_qps": round(first_service["qps"] / max(first_engine["qps"], 1e-9), 3),
        "rewrite_cache_hit_ratio": hit_ratio,
        "mixes": {"repeated": {"queries": len(repeated), "service": rep_service, "engine": rep_engine},
                  "first_sight": {"queries": len(first), "service": first_service, "engine": first_engine}},
    }
    print_figures(figures, as_json)
