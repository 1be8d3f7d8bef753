"""The development benchmark of ``../shared/eval/README.md``: cross-lingual retrieval over
Google's product taxonomy.

The English categories are indexed as products (``id`` = taxonomy id, ``title`` = the leaf,
``category`` = the whole path, ``lang`` = "en"); a query is a dev category's leaf in one of
the dev file's eleven languages, and every category whose leaf in that language is the same text is relevant::

    data = load_taxonomy(default_data_dir())
    alias, build = ensure_index(settings, corpus_products(data.corpus))
    queries, qrels = dev_queries(data.dev, ("zh-CN", "de-DE"), limit=50)

The data is read at run time from the shared folder and never copied into the project
(README rules): nothing here depends on its contents.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from common.jsonl import json_lines
from common.settings import Settings
from common.text import category_leaf
from evaluation.runner import EvalInputError, Query
from languages.unseen import Unseen, as_unseen

CORPUS_FILE = "taxonomy_corpus_en.jsonl"
DEV_FILE = "taxonomy_dev_queries.jsonl"
DEFAULT_ALIAS = "taxonomy-dev"
#: The dev file's locales and the project's language codes.
LOCALES: dict[str, str] = {
    "zh-CN": "zh", "de-DE": "de", "es-ES": "es", "fr-FR": "fr", "ja-JP": "ja", "ru-RU": "ru", "it-IT": "it",
    "pt-BR": "pt", "nl-NL": "nl", "pl-PL": "pl", "tr-TR": "tr",
}


def default_data_dir() -> Path:
    """``<repo>/../shared/eval``: the evaluation data sits beside the repository, not in it."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "eval"


@dataclass
class TaxonomyData:
    corpus: list[dict]  # {"id", "path"} in English
    dev: list[dict]  # {"id", "<locale>": path, ...}


@dataclass
class IndexBuild:
    alias: str
    documents: int
    built: bool  # False: an index with the same documents and pipeline was reused
    seconds: float


def load_taxonomy(data_dir: Path) -> TaxonomyData:
    """Both files of ``data_dir``; a missing one raises EvalInputError saying where to point."""
    files = [data_dir / CORPUS_FILE, data_dir / DEV_FILE]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        msg = (f"Evaluation data not found: {', '.join(missing)}. Pass --data-dir with the folder holding "
               f"{CORPUS_FILE} and {DEV_FILE} (by default {default_data_dir()}).")
        raise EvalInputError(msg)
    corpus, dev = ([row for _, row in json_lines(p, EvalInputError)] for p in files)
    return TaxonomyData(corpus=corpus, dev=dev)


def corpus_products(corpus: Sequence[dict]) -> list[dict]:
    """The English categories as catalog products."""
    return [{"id": str(row["id"]), "title": category_leaf(row["path"]) or row["path"], "category": row["path"], "lang": "en"}
            for row in corpus]


def parse_locales(text: str) -> list[str]:
    """"zh-CN,de" -> ["zh-CN", "de-DE"]: dev-file locales or project codes, comma-separated."""
    by_code = {code: loc for loc, code in LOCALES.items()}
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        loc = part if part in LOCALES else by_code.get(part.lower())
        if loc is None:
            msg = f"Unknown language '{part}': use some of {', '.join(LOCALES)} (or {', '.join(by_code)})."
            raise EvalInputError(msg)
        out.append(loc)
    return out


def dev_queries(dev: Sequence[dict], locales: Sequence[str], limit: int | None = None, *, detect: bool = False,
                every: int = 1) -> tuple[list[Query], dict[str, dict[str, float]]]:
    """Queries (qid ``<code>:<id>``) and their judgments; ``limit`` keeps the first N per language,
    ``every`` one category in N (a sample spread over the whole taxonomy; judgments still see all).
    ``detect``: the queries carry no language, so the search detects it as it would a shopper's
    (results are still grouped by the dev file's language).

    Relevant = every dev category whose leaf, in the query's language, is the same text as the
    query (the query's own category among them).
    """
    queries: list[Query] = []
    qrels: dict[str, dict[str, float]] = {}
    for loc in locales:
        code = LOCALES[loc]
        rows = [(str(row["id"]), category_leaf(row[loc])) for row in dev if category_leaf(row.get(loc))]
        same_leaf: dict[str, set[str]] = defaultdict(set)
        for doc_id, text in rows:
            same_leaf[text].add(doc_id)
        picked = rows[::every]
        for doc_id, text in picked[:limit] if limit else picked:
            qid = f"{code}:{doc_id}"
            queries.append(Query(qid, text, None if detect else code, group=code))
            qrels[qid] = {d: 1.0 for d in same_leaf[text] | {doc_id}}
    return queries, qrels


def ensure_index(settings: Settings, products: list[dict], *, alias: str = DEFAULT_ALIAS, rebuild: bool = False,
                 echo: Callable[[str], None] = lambda _: None) -> IndexBuild:
    """Create ``alias`` and index ``products`` into it with the normal pipeline, unless it already
    holds them all, enriched by the same encoder and translator (then it is reused as is)."""
    from common.opensearch_client import make_client
    from indexer.enrich import Enricher
    from indexer.ingest import ingest_inline
    from indexer.service import IndexingService
    from mappings.install import setup

    started = time.perf_counter()
    settings = settings.model_copy(update={"index": alias})
    client = make_client(settings)
    if rebuild:
        client.indices.delete(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
    enricher = Enricher(settings)
    setup(client, alias, settings.catalog_languages, enricher.encoder.dimension, weights=settings.hybrid_weights,
          synonym_dir=settings.synonyms_dir, shards=settings.index_shards, replace_incompatible=True)
    if client.count(index=alias)["count"] == len(products) and _same_pipeline(client, alias, products, enricher):
        return IndexBuild(alias, len(products), False, round(time.perf_counter() - started, 2))
    echo(f"indexing {len(products)} taxonomy categories into {alias} (once; later runs reuse it)")
    with tempfile.TemporaryDirectory(prefix="babelshop-eval-") as tmp:
        path = Path(tmp) / "taxonomy.jsonl"
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
        # Unchanged documents are skipped by the service itself, so a half-built index resumes.
        result = ingest_inline(path, settings, index=alias, batch_size=256,
                               service=IndexingService(settings, client=client, enricher=enricher))
    if result.rejected:
        echo(f"warning: {len(result.rejected)} categories were rejected, e.g. {result.rejected[0]}")
    return IndexBuild(alias, client.count(index=alias)["count"], True, round(time.perf_counter() - started, 2))


def _same_pipeline(client, alias: str, products: list[dict], enricher) -> bool:
    # A count match alone would reuse an index built with another encoder or translator.
    from common.product import Product
    from indexer.enrich import content_hash

    sample = products[:: max(1, len(products) // 20)]
    found = client.mget(index=alias, body={"ids": [p["id"] for p in sample]}, _source_includes=["content_hash"])
    stored = {d["_id"]: d.get("_source", {}).get("content_hash") for d in found["docs"] if d.get("found")}
    pipeline = enricher.pipeline_id
    return all(stored.get(p["id"]) == content_hash(Product.model_validate(p), pipeline) for p in sample)


#: The reference mode: lexical search of the query text as typed, no translation, no synonyms.
UNTRANSLATED = "bm25_untranslated"


def untranslated_searcher(searcher):
    """A Searcher like ``searcher`` (same client and encoder) whose rewrites keep the shopper's
    text only: the query is neither translated nor expanded. Search it in mode ``bm25``.

    Documents keep their index-time translations, so this measures the query side's share.
    """
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher

    rewriter = Rewriter(searcher.settings, encoder=searcher.rewriter.encoder, translator=_identity_translator(),
                        expand_synonyms=False)
    return Searcher(searcher.settings, client=searcher.client, rewriter=rewriter)


def _identity_translator():
    from translation.base import Translation, Translator

    class Identity(Translator):
        id = "identity"

        def _translate_batch(self, texts, source, target, max_candidates):
            # The rewriter drops "translations" equal to the original, so none are searched.
            return [[Translation(t, 1.0)] for t in texts]

    return Identity()


#: The baseline every language must beat: the query text as typed, embedded by the primary
#: encoder alone (multilingual-e5), searched by vector; no translation, no companion encoder.
E5_VECTOR = "vector_e5"
REFERENCE_MODES = (UNTRANSLATED, E5_VECTOR)


def e5_vector_searcher(searcher):
    """A Searcher like ``searcher`` whose query vector is the primary encoder's vector of the
    text as typed (the companion's share zero, nothing translated). Search it in mode ``vector``."""
    from encoders import primary_only
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher

    rewriter = Rewriter(searcher.settings, encoder=primary_only(searcher.rewriter.encoder),
                        translator=_identity_translator(), expand_synonyms=False)
    return Searcher(searcher.settings, client=searcher.client, rewriter=rewriter)


def run_benchmark(settings: Settings, data: TaxonomyData, locales: Sequence[str], modes: Sequence[str], *,
                  limit: int | None = None, alias: str = DEFAULT_ALIAS, rebuild: bool = False, workers: int = 2,
                  detect: bool = False, every: int = 1, unseen: Unseen | None = None,
                  echo: Callable[[str], None] = lambda _: None,
                  progress: Callable[[int], None] | None = None) -> tuple[dict, list]:
    """Build (or reuse) the index, run every query in every mode; returns (figures, per-query results).

    ``data`` comes from ``load_taxonomy``; ``modes`` are search modes plus, optionally, the
    reference modes ``bm25_untranslated`` and ``vector_e5``; ``detect`` searches without the
    queries' language; ``unseen`` searches some languages as a language babelshop was not
    built for (``languages.unseen``; the index is built as usual); ``progress`` is called with
    1 after each search.
    """
    from evaluation.runner import run_queries, summarize
    from query_rewriter.rewriter import Rewriter
    from query_rewriter.search import Searcher
    from translation import new_translator

    settings = settings.model_copy(update={"query_log": False})  # benchmark queries are not shopper traffic
    build = ensure_index(settings, corpus_products(data.corpus), alias=alias, rebuild=rebuild, echo=echo)
    queries, qrels = dev_queries(data.dev, locales, limit, detect=detect, every=every)
    started = time.perf_counter()
    with as_unseen(unseen) if unseen else contextlib.nullcontext():
        # Under ``unseen``, a translator of its own: the process-wide one may have read every dictionary.
        searcher = Searcher(settings, rewriter=Rewriter(settings, translator=new_translator(settings))) \
            if unseen else Searcher(settings)
        search_modes = [m for m in modes if m not in REFERENCE_MODES]
        results = run_queries(searcher, queries, qrels, search_modes, index=alias, workers=workers,
                              progress=progress)
        for reference, make, mode in ((UNTRANSLATED, untranslated_searcher, "bm25"),
                                      (E5_VECTOR, e5_vector_searcher, "vector")):
            if reference in modes:
                raw = run_queries(make(searcher), queries, qrels, [mode], index=alias, workers=workers,
                                  progress=progress)
                for r in raw:
                    r.mode = reference
                results += raw
    run_s = time.perf_counter() - started
    summary = summarize(results, metrics=("mrr@10", "recall@10", "ndcg@10", "recall@100"))
    figures = {
        "benchmark": "taxonomy-dev", "index": alias, "documents": build.documents, "index_built": build.built,
        "index_s": build.seconds, "run_s": round(run_s, 2),
        "queries": {LOCALES[loc]: sum(1 for q in queries if q.group == LOCALES[loc]) for loc in locales},
        "detected": detect, "every": every,
        "searches_per_s": round(len(results) / run_s, 1) if run_s else None,
        "encoder": searcher.rewriter.encoder.id, "translator": searcher.rewriter.translator.id,
        "modes": {m: summary[m] for m in modes if m in summary},
    }
    if unseen:
        figures["unseen"] = unseen.as_dict()
    return figures, results
