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

from babelcore.settings import get_settings


@click.group()
def bench() -> None:
    """Benchmarks (not tests): speed and memory goals."""


@bench.command("indexing")
@click.option("--products", "n", default=1000, show_default=True, help="Catalog size (sample catalog and variants).")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_indexing(n: int, batch_size: int, as_json: bool) -> None:
    """Full pipeline vs the encoder alone on the same texts; re-ingest of the unchanged catalog."""
    from babelcore.opensearch_client import make_client
    from babelshop.ingest import ingest_inline
    from babelshop.sample import synthetic_catalog, write_jsonl
    from indexer.embedding_cache import EmbeddingCache
    from indexer.enrich import Enricher
    from indexer.service import IndexingService
    from indexer.validate import validate_products
    from mappings.install import setup

    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="babelshop-bench-") as tmp:
        # A fresh cache and index: the first pass embeds everything, as a new catalog would.
        settings = base.model_copy(update={"cache_dir": Path(tmp), "index": f"bench-{uuid.uuid4().hex[:8]}"})
        path = write_jsonl(synthetic_catalog(n), Path(tmp) / "catalog.jsonl")
        client = make_client(settings)
        enricher = Enricher(settings)
        setup(client, settings.index, settings.catalog_languages, enricher.encoder.dimension)
        products, _ = validate_products([json.loads(line) for line in path.open(encoding="utf-8")])
        enricher.encoder.encode_documents(["warm up"])  # load the model outside every timing
        for src in settings.catalog_languages:  # dictionaries load per language pair, outside the timings
            for tgt in settings.catalog_languages:
                enricher.translator.translate_many(["warm up"], src, tgt)
        enricher._cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite", enricher.encoder.id)
        service = IndexingService(settings, client=client, enricher=enricher)

        start = time.perf_counter()
        first = ingest_inline(path, settings, batch_size=batch_size, service=service)
        pipeline_s = time.perf_counter() - start

        # The very texts the pipeline embedded (its translations are cached by now: untimed).
        texts = enricher.prepare(products).texts
        start = time.perf_counter()
        for i in range(0, len(texts), batch_size):
            enricher.encoder.encode_documents(texts[i:i + batch_size])
        encoder_s = time.perf_counter() - start

        start = time.perf_counter()
        second = ingest_inline(path, settings, batch_size=batch_size, service=service)
        reingest_s = time.perf_counter() - start

        client.indices.delete(index=f"{settings.index}_v*,{settings.index}-deadletter")
    figures = {
        "products": len(products), "indexed": first.indexed, "embedded_first": first.embedded,
        "embedded_reingest": second.embedded, "unchanged_reingest": second.unchanged,
        "pipeline_s": round(pipeline_s, 3), "encoder_s": round(encoder_s, 3), "reingest_s": round(reingest_s, 3),
        "products_per_s": round(len(products) / pipeline_s, 1),
        "encoder_only_per_s": round(len(texts) / encoder_s, 1),
        "ratio": round(encoder_s / pipeline_s, 3),
        "reingest_speedup": round(pipeline_s / reingest_s, 1),
        "encoder": enricher.encoder.id, "translator": enricher.translator.id,
        "languages": list(settings.catalog_languages),
    }
    _print(figures, as_json)


def _print(figures: dict, as_json: bool) -> None:
    if not as_json:
        for key, value in figures.items():
            click.echo(f"{key:>22}: {value}")
    click.echo(json.dumps(figures))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    idx = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[idx]


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
    from babelcore.opensearch_client import make_client
    from babelshop.ingest import ingest_inline
    from babelshop.sample import synthetic_catalog, write_jsonl
    from indexer.enrich import Enricher
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
    nothing cached (detection, translation, synonyms, embedding) and ``hybrid_cold_p50_ms``
    that rewrite plus the request. The per-mode figures then repeat it, as popular shop
    queries repeat, with the rewrite served by the rewriter's cache.
    """
    from babelshop.sample import load_sample
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher

    settings = get_settings().model_copy(update={"query_log": False})
    alias = ensure_bench_index(settings, n)
    searcher = Searcher(settings)
    queries = bench_queries(load_sample(), n_queries)
    searcher.search("warm up", index=alias)
    searcher.rewriter = Rewriter(settings, encoder=searcher.rewriter.encoder, translator=searcher.rewriter.translator)
    rewrite_ms, cold_ms = [], []
    for q in queries:
        start = time.perf_counter()
        searcher.rewriter.rewrite(q, mode="hybrid")  # everything cold: detect, translate, expand, embed
        rewritten = time.perf_counter()
        searcher.search(q, index=alias, mode="hybrid")  # the same rewrite, now cached, and the request
        rewrite_ms.append((rewritten - start) * 1000)
        cold_ms.append((time.perf_counter() - start) * 1000)
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
        "rewrite_p50_ms": round(_percentile(rewrite_ms, 50), 2),
        "hybrid_cold_p50_ms": round(_percentile(cold_ms, 50), 2),
        **{f"{m}_p50_ms": round(_percentile(timings[m], 50), 2) for m in modes},
        "hybrid_p99_ms": round(_percentile(timings["hybrid"], 99), 2),
        "hybrid_over_bm25_p50": round(_percentile(timings["hybrid"], 50) / _percentile(timings["bm25"], 50), 3),
    }
    _print(figures, as_json)
