"""The benchmarks' catalog and queries: a products index of N synthetic items, built once and
reused by later runs; short shopper-like queries taken from the catalog (the repeated mix);
and first-sight queries that no other mix sends."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from common.text import category_leaf


def bench_queries(products: list[dict], limit: int) -> list[str]:
    """Short shopper-like queries from the catalog itself: category leaves and title heads."""
    seen: list[str] = []
    for p in products:
        leaf = category_leaf(p.get("category"))
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
        leaf = category_leaf(p.get("category"))
        if leaf and words:
            pool.add(f"{words[0]} {leaf}")
    ordered = sorted(pool - set(exclude))
    rng.shuffle(ordered)
    return ordered[:n]
