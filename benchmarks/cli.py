"""``babelshop bench ...``: speed goals, measured side by side in one run.

Each benchmark prints a JSON object on its last line (``--json``) with the figures and the
ratios between them, since the shared 2-core machine is too noisy for absolute times.
"""

from __future__ import annotations

import time

import click

from benchmarks.catalog import bench_queries, ensure_bench_index
from benchmarks.figures import percentile, print_figures
from benchmarks.indexing import bench_indexing
from benchmarks.scale import bench_scale
from benchmarks.serve import bench_serve
from common.settings import get_settings


@click.group()
def bench() -> None:
    """Benchmarks (not tests): speed and memory goals."""


bench.add_command(bench_scale)  # in its own module: it builds and reuses its own index
bench.add_command(bench_serve)  # in its own module with its load generator
bench.add_command(bench_indexing)  # in its own module with its queued mode


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
