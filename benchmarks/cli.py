"""``babelshop bench ...``: speed goals, measured side by side in one run.

Each benchmark prints a JSON object on its last line (``--json``) with the figures and the
ratios between them, since the shared 2-core machine is too noisy for absolute times.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path

import click

from benchmarks.catalog import bench_queries, ensure_bench_index
from benchmarks.figures import bytes_per_product, percentile, print_figures
from benchmarks.scale import bench_scale
from benchmarks.serve import bench_serve
from common.settings import get_settings


@click.group()
def bench() -> None:
    """Benchmarks (not tests): speed and memory goals."""


bench.add_command(bench_scale)  # in its own module: it builds and reuses its own index
bench.add_command(bench_serve)  # in its own module with its load generator


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
    from indexer.ingest import ingest_inline, inline_settings
    from indexer.service import IndexingService
    from indexer.validate import validate_products
    from mappings.install import remove, setup

    base = get_settings()
    with tempfile.TemporaryDirectory(prefix="babelshop-bench-") as tmp:
        # A fresh cache and index: the first pass embeds everything, as a new catalog would.
        settings = base.model_copy(update={"cache_dir": Path(tmp), "index": f"bench-{uuid.uuid4().hex[:8]}"})
        path = write_jsonl(synthetic_catalog(n), Path(tmp) / "catalog.jsonl")
        client = make_client(settings)
        # The encoder from the real settings: an exported model (onnx) stays in the user's cache.
        # The pipeline's encoder is the one an inline ingest uses (one thread a call when its
        # batches overlap); the encoder alone is timed as it runs fastest, on every core.
        pipeline_settings = inline_settings(base, n > batch_size)
        enricher = Enricher(settings, encoder=load_encoder(pipeline_settings))
        alone = load_encoder(base)
        setup(client, settings.index, settings.catalog_languages, enricher.encoder.dimension)
        products, _ = validate_products([row for _, row in json_lines(path, ValueError)])
        # The model, every dictionary pair and lingua's n-gram models load outside the timings,
        # as a worker loads them before its first batch.
        enricher.warm_up()
        service = IndexingService(settings, client=client, enricher=enricher)

        start = time.perf_counter()
        first = ingest_inline(path, settings, batch_size=batch_size, service=service)
        pipeline_s = time.perf_counter() - start

        # The very texts the pipeline embedded (its translations are cached by now: untimed).
        texts = enricher.prepare(products).texts
        alone.encode_documents(["warm up"])
        encoder_s = _time_documents(alone, texts, batch_size)
        # The composite's first part (e5) alone: the backend BABELSHOP_EMBEDDER picks.
        parts = getattr(alone, "parts", None)
        primary_s = _time_documents(parts[0][0], texts, batch_size) if parts else encoder_s

        start = time.perf_counter()
        second = ingest_inline(path, settings, batch_size=batch_size, service=service)
        reingest_s = time.perf_counter() - start

        per_product = bytes_per_product(client, settings.index)[0]
        remove(client, settings.index)  # its indices, template and pipelines: a run leaves nothing behind
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
        "inline_batches": base.inline_batches, "pipeline_encoder_threads": pipeline_settings.encoder_threads,
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
