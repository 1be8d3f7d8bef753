"""``babelshop bench scale --products N --synthetic``: the engine's cost at catalog scale.

An index of N products shaped exactly as the indexer writes them (the real mapping, analyzers,
pipelines and derived-source vectors, through :func:`mappings.install.setup` and the project's
bulk :class:`~indexer.bulk.Writer`), with realistic text and random unit vectors instead of
embeddings, so neither building nor querying pays for the encoder: what is measured is the
engine's build time, its bytes per product after a force-merge, and hybrid, BM25 and vector
latency through the real :class:`~query_rewriter.search.Searcher`.

The text comes from the bundled sample catalog, run once through the real enrichment (language
detection and translation, no embedding; cached): each synthetic product takes a sample
product's category, translations and attributes, and a title recombined from real words of
its language, a brand of its language, a price near the sample's and a variant (size, colour,
pack). Everything is drawn from ``--seed``, so the same N and seed give the same catalog, and
an index that already holds it is reused (``--rebuild`` forces a new one).

Random vectors are the hard case for HNSW: they have no clusters, so the vector figures are an
upper bound of what real embeddings cost at the same N.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np

from benchmarks.figures import bytes_per_product, percentile, print_figures
from common.settings import Settings, get_settings
from encoders.base import Encoder, TextKind

#: Bump when the generated documents change, so an index built by an older generator is rebuilt.
GENERATOR_VERSION = 1
#: Width of the vectors when the configured encoder cannot say without loading its model.
DEFAULT_DIMENSION = 896
#: Variants a seller lists next to a title: sizes, colours, packs, model years.
VARIANTS = ("S", "M", "L", "XL", "XXL", "2024", "2025", "Pro", "Lite", "Plus", "Mini", "Max", "V2", "V3",
            "Black", "White", "Blue", "Red", "Grey", "Green", "2-Pack", "3-Pack", "10-Pack", "500ml", "1L")
#: Bulk requests in flight at once: the next batch is generated while the engine indexes one.
IN_FLIGHT = 2
#: Modes timed side by side, interleaved so that noise hits each alike.
MODES = ("hybrid", "bm25", "vector")
#: One search's deadline here: a query slower than the service's deadline is a figure to
#: report at this scale, not an error.
SEARCH_TIMEOUT_S = 60.0
#: Searches per mode sent untimed first, so the graph and term dictionaries are in memory.
WARM_UP = 10


class RandomUnitEncoder(Encoder):
    """Random unit vectors of a given width, the same one for the same text: stands in for the
    encoder wherever only the engine's cost is measured."""

    batch_size = 1024

    def __init__(self, dimension: int, seed: int = 0) -> None:
        self._width = dimension
        self.seed = seed
        self.id = f"random-unit-{dimension}@{seed}"

    @property
    def dimension(self) -> int:
        return self._width

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        rows = []
        for text in texts:
            digest = hashlib.sha256(f"{self.seed}\x00{kind}\x00{text}".encode()).digest()
            rows.append(np.random.default_rng(int.from_bytes(digest[:8], "big")).standard_normal(self._width))
        return np.asarray(rows, dtype=np.float32)


def random_unit_vectors(rng: np.random.Generator, n: int, dimension: int) -> np.ndarray:
    """``n`` unit vectors, uniform on the sphere (normalized Gaussian draws)."""
    vectors = rng.standard_normal((n, dimension), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def resolve_dimension(settings: Settings, given: int | None) -> int:
    """``given``, else the configured encoder's width (read from its files, no model loaded),
    else :data:`DEFAULT_DIMENSION`."""
    if given:
        return given
    from encoders import EncoderLoadError, load_encoder

    try:
        return load_encoder(settings).dimension
    except (EncoderLoadError, OSError, ValueError):
        return DEFAULT_DIMENSION


# ------------------------------------------------------------------------------------ the catalog
def seed_documents(settings: Settings, encoder: Encoder) -> list[dict]:
    """The sample catalog enriched as the indexer enriches it (languages, translations of title
    and category), without vectors; cached under the cache directory, keyed by the enrichment
    pipeline and the sample file, since the translators take a while to load."""
    from babelshop.sample import SAMPLE_CATALOG, load_sample
    from common.text import category_leaf, category_top
    from indexer.enrich import Enricher
    from indexer.validate import validate_products

    enricher = Enricher(settings, encoder=encoder)
    key = hashlib.sha256(f"{enricher.pipeline_id}\x00".encode() + SAMPLE_CATALOG.read_bytes()).hexdigest()[:16]
    cached = Path(settings.cache_dir) / "bench-scale" / f"seeds-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    products, _ = validate_products(load_sample())
    langs, titles, categories, _ = enricher.prepare(products)
    seeds = [{"lang": lang, "lang_confidence": round(conf, 4), "title": p.title, "description": p.description,
              "brand": p.brand, "category": p.category, "category_leaf": category_leaf(p.category),
              "category_top": category_top(p.category), "title_i18n": t_i18n, "category_i18n": c_i18n,
              "attributes": {k: str(v) for k, v in p.attributes.items()} or None, "price": p.price,
              "currency": p.currency}
             for p, (lang, conf), t_i18n, c_i18n in zip(products, langs, titles, categories, strict=True)]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(seeds, ensure_ascii=False), encoding="utf-8")
    return seeds


class Catalog:
    """Synthetic products drawn from the seed documents, reproducibly from ``seed``."""

    def __init__(self, seeds: list[dict], *, seed: int, encoder_id: str) -> None:
        self.seeds = seeds
        self.seed = seed
        self.encoder_id = encoder_id
        self.words: dict[str, list[str]] = defaultdict(list)
        self.brands: dict[str, list[str]] = defaultdict(list)
        for s in seeds:
            self.words[s["lang"]].extend(w for w in s["title"].split() if any(ch.isalnum() for ch in w))
            if s["brand"]:
                self.brands[s["lang"]].append(s["brand"])

    def documents(self, n: int, batch_size: int, dimension: int) -> Iterator[list[dict]]:
        """The ``n`` documents in batches, each shaped as :meth:`indexer.enrich.Enricher.enrich`
        shapes it, with a random unit ``title_vector``."""
        rng = random.Random(self.seed)
        vectors_rng = np.random.default_rng(self.seed)
        now = datetime.now(UTC).isoformat()
        for start in range(0, n, batch_size):
            count = min(batch_size, n - start)
            vectors = np.round(random_unit_vectors(vectors_rng, count, dimension), 6)
            yield [self._document(rng, start + i, vectors[i], now) for i in range(count)]

    def _document(self, rng: random.Random, i: int, vector: np.ndarray, now: str) -> dict:
        s = rng.choice(self.seeds)
        lang = s["lang"]
        words = s["title"].split()
        borrowed = rng.sample(self.words[lang], k=min(rng.choice((0, 1, 1, 2)), len(self.words[lang])))
        for word in borrowed:
            words.insert(rng.randrange(len(words) + 1), word)
        variant = rng.choice(VARIANTS)
        title = " ".join([*words, variant])
        # The translations keep the sample's, with the same variant: language-neutral tokens.
        title_i18n = {code: title if code == lang else f"{text} {variant}" for code, text in s["title_i18n"].items()}
        price = round(s["price"] * rng.uniform(0.6, 1.6), 2) if s["price"] is not None else None
        doc = {**s, "id": f"scale-{self.seed}-{i:08d}", "title": title, "title_i18n": title_i18n,
               "brand": rng.choice(self.brands[lang]) if self.brands[lang] else s["brand"], "price": price,
               "version": 1, "encoder": self.encoder_id, "indexed_at": now}
        doc["content_hash"] = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        doc["title_vector"] = vector.tolist()
        return doc

    def queries(self, n: int) -> list[str]:
        """``n`` distinct shopper-like queries in every catalog language: a word or two of a
        title, or a category leaf as the catalog names it in one of its languages."""
        rng = random.Random(self.seed + 1)
        found: dict[str, None] = {}
        for _ in range(n * 50):
            if len(found) >= n:
                break
            s = rng.choice(self.seeds)
            if rng.random() < 0.25 and s["category_i18n"]:
                query = rng.choice(list(s["category_i18n"].values()))
            else:
                words = [w for w in rng.choice(list(s["title_i18n"].values()) or [s["title"]]).split()
                         if any(ch.isalnum() for ch in w)]
                width = min(rng.choice((1, 2, 2, 3)), len(words))
                at = rng.randrange(len(words) - width + 1) if words else 0
                query = " ".join(words[at:at + width])
            if query.strip():
                found.setdefault(query.strip())
        return list(found)


# ------------------------------------------------------------------------------------ the index
def build_marker(n: int, seed: int, dimension: int) -> dict:
    """What the index's ``_meta.bench_scale`` says of the catalog it holds."""
    return {"products": n, "seed": seed, "dimension": dimension, "generator": GENERATOR_VERSION}


def ensure_scale_index(client, settings: Settings, alias: str, catalog: Catalog, *, n: int, dimension: int,
                       batch_size: int, rebuild: bool) -> dict:
    """The index behind ``alias`` holding the N products of ``catalog``: reused when its marker
    says so and it holds them all, else built anew. Returns its build figures and ``reused``."""
    from mappings.install import setup

    def install():
        return setup(client, alias, settings.catalog_languages, dimension, weights=settings.hybrid_weights,
                     shards=settings.index_shards, replace_incompatible=True)  # the benchmark's own index

    if rebuild:
        drop(client, alias)
    index = install().index
    wanted = build_marker(n, catalog.seed, dimension)
    marker = _meta(client, index).get("bench_scale") or {}
    if {k: marker.get(k) for k in wanted} == wanted and client.count(index=alias)["count"] == n:
        return {"build_s": marker.get("build_s"), "build_docs_per_s": marker.get("build_docs_per_s"),
                "reused": True}
    if client.count(index=index)["count"] or marker:
        drop(client, alias)  # another catalog, or a build that did not finish
        index = install().index
    click.echo(f"building {alias}: {n} products of {dimension}-dimensional random vectors", err=True)
    build_s = load(client, settings, index, catalog.documents(n, batch_size, dimension), n)
    figures = {"build_s": round(build_s, 3), "build_docs_per_s": round(n / build_s, 1)}
    # Written last: an interrupted build is never taken for a finished one.
    client.indices.put_mapping(index=index, body={"_meta": {**_meta(client, index),
                                                            "bench_scale": {**wanted, **figures}}})
    return {**figures, "reused": False}


def drop(client, alias: str) -> None:
    """Delete the versioned indices behind ``alias`` (its template and pipelines stay: setup
    rewrites them)."""
    client.indices.delete(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)


def _meta(client, index: str) -> dict:
    return client.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})


def load(client, settings: Settings, index: str, batches: Iterator[list[dict]], n: int) -> float:
    """Write every batch through the project's bulk writer with refreshes off, and return the
    seconds until the last document is searchable."""
    from indexer.bulk import Writer, index_actions

    writer = Writer(client, max_bytes=settings.bulk_max_bytes, max_retries=settings.bulk_max_retries,
                    initial_backoff_s=settings.bulk_initial_backoff_s, max_backoff_s=settings.bulk_max_backoff_s,
                    url=settings.opensearch_url)
    current = client.indices.get_settings(index=index)[index]["settings"]["index"].get("refresh_interval")
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
    started = time.perf_counter()
    written, next_report = 0, max(n // 10, 1)
    try:
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            pending: list[Future] = []
            for docs in batches:
                if len(pending) >= IN_FLIGHT:
                    written += _landed(pending.pop(0).result())
                pending.append(pool.submit(writer.write, index_actions(index, docs)))
                if written >= next_report:
                    click.echo(f"  {written}/{n} products in {time.perf_counter() - started:.0f} s", err=True)
                    next_report += max(n // 10, 1)
            for future in pending:
                written += _landed(future.result())
    finally:
        # None restores the index's own default.
        client.indices.put_settings(index=index, body={"index": {"refresh_interval": current}})
    client.indices.refresh(index=index, request_timeout=3600)
    return time.perf_counter() - started


def _landed(outcome) -> int:
    if outcome.failed or outcome.conflicts:
        ident, reason = (outcome.failed or [(outcome.conflicts[0], "conflict")])[0]
        msg = f"{len(outcome.failed) + len(outcome.conflicts)} synthetic products were refused, e.g. {ident}: {reason}"
        raise click.ClickException(msg)
    return len(outcome.landed)


# ------------------------------------------------------------------------------------ the queries
def time_queries(searcher, alias: str, queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds of ``Searcher.search`` per mode over ``queries``, each query's rewrite made
    (and cached) beforehand, untimed: the engine's cost, not the rewriter's."""
    searcher.search(queries[0], index=alias)  # reads the clause limit and checks the vector width
    for q in queries:
        for mode in MODES:
            searcher.rewrite(q, mode=mode, index=alias)
    for q in queries[:WARM_UP]:
        for mode in MODES:
            searcher.search(q, index=alias, mode=mode)
    timings: dict[str, list[float]] = {mode: [] for mode in MODES}
    for q in queries:
        for mode in MODES:
            start = time.perf_counter()
            searcher.search(q, index=alias, mode=mode)
            timings[mode].append((time.perf_counter() - start) * 1000)
    return timings


def engine_version(client) -> str:
    return client.info()["version"]["number"]


def engine_heap_mb(client) -> int:
    """The largest JVM heap among the cluster's nodes, in MiB: a scale figure depends on it."""
    nodes = client.nodes.stats(metric="jvm")["nodes"].values()
    return max(node["jvm"]["mem"]["heap_max_in_bytes"] for node in nodes) // (1024 * 1024)


# ------------------------------------------------------------------------------------ the command
@click.command("scale")
@click.option("--products", "n", required=True, type=click.IntRange(min=1), help="Products in the index.")
@click.option("--synthetic", is_flag=True, required=True,
              help="Generated products with random unit vectors (required: only synthetic catalogs are supported).")
@click.option("--queries", "n_queries", default=200, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1),
              help="Products per bulk batch.")
@click.option("--seed", default=15, show_default=True, help="Seed of the catalog, its vectors and the queries.")
@click.option("--dimension", default=None, type=click.IntRange(min=1),
              help=f"Vector width (default: the configured encoder's, read without loading it; {DEFAULT_DIMENSION} "
                   "if it cannot say).")
@click.option("--index", "alias", default=None, help="Alias of the bench index (default bench-scale-<N>).")
@click.option("--rebuild", is_flag=True, help="Build the index anew even if it holds this catalog already.")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON line.")
def bench_scale(n: int, synthetic: bool, n_queries: int, batch_size: int, seed: int, dimension: int | None,
                alias: str | None, rebuild: bool, as_json: bool) -> None:
    """An index of N synthetic products (realistic text, random unit vectors: no encoder cost),
    built once and reused: build time, bytes per product after a force-merge, and hybrid p50/p99
    beside BM25 and vector p50 through the real Searcher, with random query vectors.

    Only ``--synthetic`` catalogs are supported for now."""
    from common.opensearch_client import make_client
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher

    if not synthetic:
        raise click.UsageError("only --synthetic catalogs are supported")
    settings = get_settings().model_copy(update={"query_log": False, "search_timeout_s": SEARCH_TIMEOUT_S})
    alias = alias or f"bench-scale-{n}"
    dimension = resolve_dimension(settings, dimension)
    encoder = RandomUnitEncoder(dimension, seed)
    client = make_client(settings, timeout=600)
    catalog = Catalog(seed_documents(settings, encoder), seed=seed, encoder_id=encoder.id)
    built = ensure_scale_index(client, settings, alias, catalog, n=n, dimension=dimension, batch_size=batch_size,
                               rebuild=rebuild)
    per_product, merge_s = bytes_per_product(client, alias)
    searcher = Searcher(settings, rewriter=Rewriter(settings, encoder=encoder))
    queries = catalog.queries(n_queries)
    timings = time_queries(searcher, alias, queries)
    figures = {
        "products": client.count(index=alias)["count"], "dimension": dimension,
        "build_s": built["build_s"], "build_docs_per_s": built["build_docs_per_s"], "reused": built["reused"],
        "merge_s": round(merge_s, 3), "bytes_per_product": per_product,
        "hybrid_p50_ms": round(percentile(timings["hybrid"], 50), 2),
        "hybrid_p99_ms": round(percentile(timings["hybrid"], 99), 2),
        "bm25_p50_ms": round(percentile(timings["bm25"], 50), 2),
        "vector_p50_ms": round(percentile(timings["vector"], 50), 2),
        "queries": len(queries), "engine_version": engine_version(client), "engine_heap_mb": engine_heap_mb(client),
        "index": alias, "seed": seed,
    }
    print_figures(figures, as_json)
