"""``Searcher``: one search = one rewrite + one OpenSearch request (+ explanations on demand).

Before its first search a ``Searcher`` reads the cluster's boolean clause limit (the rewriter
fits the lexical query under it) and, per alias, checks that the index's vector width is the
encoder's, before anything is embedded. All cluster requests of one search share its deadline
(:mod:`query_rewriter.deadline`).
"""

from __future__ import annotations

import functools
import re
import threading
import time

from opensearchpy.exceptions import NotFoundError, TransportError

from common.errors import from_cluster, root_cause
from common.opensearch_client import make_client
from common.settings import Settings, get_settings
from mappings.pipelines import pipeline_name
from query_rewriter.catalog_phrases import CatalogPhrases
from query_rewriter.catalog_terms import CatalogLookup, CatalogTerms
from query_rewriter.clause_budget import read_clause_limit
from query_rewriter.contracts import Filters, Hit, QueryError, RewrittenQuery, SearchResponse
from query_rewriter.deadline import Deadline, SearchUnavailable
from query_rewriter.rewriter import Rewriter
from translation.base import TranslationError

__all__ = ["SearchUnavailable", "Searcher"]

_EMPTY = {"hits": {"hits": [], "total": {"value": 0, "relation": "eq"}}}
_TOO_MANY_CLAUSES = ("maxclausecount", "too many nested clauses", "too_many_nested_clauses", "too_many_clauses")


class _ShardsFailed(TransportError):
    """A search some shards did not answer (a node died under it, a copy was moving): OpenSearch
    still says 200, with fewer hits or none. Raised as a 503 so that the deadline retries it
    like any transient refusal; ``raw`` keeps the partial answer."""

    def __init__(self, raw: dict) -> None:
        shards = raw.get("_shards") or {}
        reasons = "; ".join(sorted({_failure_reason(f) for f in shards.get("failures") or []})) or "no reason given"
        super().__init__(503, f"{shards.get('failed')} of {shards.get('total')} shards failed ({reasons})", raw)
        self.raw = raw


def _failure_reason(failure: dict) -> str:
    reason = failure.get("reason") or {}
    return str(reason.get("type") or reason.get("reason") or "unknown") if isinstance(reason, dict) else str(reason)


def _whole(raw: dict) -> dict:
    if (raw.get("_shards") or {}).get("failed"):
        raise _ShardsFailed(raw)
    return raw


class _TooManyClauses(Exception):
    """The cluster counted more clauses than the estimate: the query is fitted again, tighter."""

    def __init__(self, limit: int | None) -> None:
        super().__init__(limit)
        self.limit = limit


def _too_many_clauses(exc: TransportError) -> bool:
    # Lucene's limit comes back as a 400 or, for nested clauses, a 500 that no retry changes.
    said = f"{exc.info} {exc.error}".lower()
    return any(marker in said for marker in _TOO_MANY_CLAUSES)


class Searcher:
    """Loads models once; ``search`` may be called from many threads.

    A client passed in keeps its own retry policy; the one built here does not retry on its
    own (the search retries within its deadline) and never waits longer than the deadline.
    ``clause_limit`` overrides the cluster's max_clause_count (read from the cluster when None);
    should the cluster refuse a query as too large anyway, the limit it names is used from then on."""

    def __init__(self, settings: Settings | None = None, *, client=None, rewriter: Rewriter | None = None,
                 clause_limit: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client or make_client(self.settings, max_retries=0, retry_on_timeout=False,
                                            timeout=self.settings.search_timeout_s)
        self.rewriter = rewriter or Rewriter(self.settings)
        self._log = None
        self._clause_limit = clause_limit
        self._width_checked: set[str] = set()
        self._catalog_terms = CatalogTerms()
        self._catalog_phrases = CatalogPhrases()
        self._lock = threading.Lock()

    @property
    def clause_limit(self) -> int | None:
        """The clause limit searches are fitted to (None until the first search read it)."""
        return self._clause_limit

    @property
    def query_log(self):
        if self._log is None and self.settings.query_log:
            from query_rewriter.query_log import QueryLog

            self._log = QueryLog(self.client, self.settings.index)
        return self._log

    def flush_log(self) -> None:
        """Write the query log's pending entries (short-lived processes call this before exiting)."""
        if self._log is not None:
            self._log.flush()

    def search(self, text: str, *, lang: str | None = None, mode: str = "hybrid", size: int = 10, from_: int = 0,
               filters: Filters | None = None, explain: bool = False, index: str | None = None,
               facets: bool = False) -> SearchResponse:
        """Search ``index`` (the settings' alias by default) and return hits with their texts
        in the shopper's language; ``explain`` adds each hit's lexical and vector share;
        ``facets`` adds counts by brand, category and price range over every match
        (aggregations in the same request, :mod:`query_rewriter.facets`).

        Raises QueryError (bad input, exit 2), VectorWidthError (the index was built with
        another encoder, exit 2) or SearchUnavailable (slow, unreachable or overloaded, exit 3)."""
        started = time.perf_counter()
        alias = index or self.settings.index
        deadline = self._deadline()
        q = self._rewrite(deadline, alias, text, lang, mode=mode, size=size, from_=from_, filters=filters)
        limit = self._read_clause_limit(deadline)  # read by the rewrite: no request
        catalog = self._catalog(deadline, alias)
        pipeline = pipeline_name(alias, mode) if mode in ("hybrid", "rrf") else None
        aggs = self._facet_aggregations() if facets else None
        try:
            raw = self._send(deadline, alias, q.body, pipeline, aggs)
        except _TooManyClauses as refused:
            # The limit was not what we read, or the cluster's analyzers (other synonym rules)
            # make more clauses than the estimate: fit again, once, to the limit the cluster
            # names in its refusal if below ours, else to half.
            named = refused.limit if refused.limit and refused.limit < limit else limit // 2
            with self._lock:
                self._clause_limit = max(min(named, self._clause_limit or named), 1)
            q = self.rewriter.rewrite(text, lang, mode=mode, size=size, from_=from_, filters=filters,
                                      clause_limit=max(named, 1), catalog=catalog)
            note = f"the cluster refused the query as over its clause limit: fitted again to {max(named, 1)}"
            q = q.model_copy(update={"degraded": [*q.degraded, note]})
            try:
                raw = self._send(deadline, alias, q.body, pipeline, aggs)
            except _TooManyClauses as exc:
                msg = (f"OpenSearch refused the search on '{alias}' as too large even after it was narrowed: raise "
                       "indices.query.bool.max_clause_count on the cluster, or shorten the query.")
                raise QueryError(msg) from exc
        shards = raw.get("_shards") or {}
        if shards.get("failed"):
            note = (f"{shards['failed']} of {shards.get('total')} shards did not answer, even when asked again: "
                    "matches on them are missing")
            q = q.model_copy(update={"degraded": [*q.degraded, note]})
        hits = [self._hit(h, q) for h in raw["hits"]["hits"]]
        if explain and hits:
            from query_rewriter.explain import explain_hits

            explain_hits(deadline.client_for(f"explaining the hits of '{alias}'"), self.settings, alias, q, hits,
                         filters)
        took_ms = (time.perf_counter() - started) * 1000
        total, relation = _total(raw["hits"]["total"])
        found = None
        if facets:
            from query_rewriter.facets import facets_from

            found = facets_from(raw.get("aggregations"), price_bounds=self.settings.facet_price_ranges)
        response = SearchResponse(query=q.model_copy(update={"pipeline": pipeline}), hits=hits, total=total,
                                  total_relation=relation, took_ms=round(took_ms, 2), mode=mode, facets=found)
        if self.query_log is not None:
            self.query_log.record(q, mode=mode, hits=len(hits), total=total, took_ms=took_ms, alias=alias)
        return response

    def rewrite(self, text: str, lang: str | None = None, *, mode: str = "hybrid", size: int = 10, from_: int = 0,
                filters: Filters | None = None, index: str | None = None) -> RewrittenQuery:
        """The rewrite ``search`` would send to ``index`` (fitted to the cluster's clause limit,
        its English alternatives weighed by that catalog), without searching."""
        return self._rewrite(self._deadline(), index or self.settings.index, text, lang, mode=mode, size=size,
                             from_=from_, filters=filters)

    def _deadline(self) -> Deadline:
        return Deadline(self.client, timeout_s=self.settings.search_timeout_s, retries=self.settings.search_retries,
                        url=self.settings.opensearch_url)

    def _rewrite(self, deadline: Deadline, alias: str, text: str, lang: str | None, *, mode: str, size: int,
                 from_: int, filters: Filters | None) -> RewrittenQuery:
        self.rewriter.validate(text, mode=mode, size=size, from_=from_)
        limit = self._read_clause_limit(deadline)
        if mode != "bm25":
            self._check_width(deadline, alias)
        return self.rewriter.rewrite(text, lang, mode=mode, size=size, from_=from_, filters=filters,
                                     clause_limit=limit, catalog=self._catalog(deadline, alias))

    def _catalog(self, deadline: Deadline, alias: str) -> CatalogLookup:
        """The counts of ``alias``'s catalog, read within this search's deadline."""
        cover = functools.partial(self._cover, deadline, alias) if self.settings.catalog_phrases else None
        return CatalogLookup(alias, functools.partial(self._doc_freq, deadline, alias), cover=cover)

    def _read_clause_limit(self, deadline: Deadline) -> int:
        """The cluster's max_clause_count, read by the first search of this Searcher."""
        if self._clause_limit is None:
            limit = read_clause_limit(deadline.client_for("reading the cluster's clause limit"))
            with self._lock:
                self._clause_limit = limit
        return self._clause_limit

    def _check_width(self, deadline: Deadline, alias: str) -> None:
        """Once per alias, before the first search embeds anything: an index built with another
        encoder would answer every vector search with an error or nonsense."""
        if alias in self._width_checked:
            return
        from mappings.width import check_vector_width

        check_vector_width(deadline.client_for(f"reading the mapping of '{alias}'"), alias,
                           self.rewriter.encoder.dimension)
        with self._lock:
            self._width_checked.add(alias)

    def _doc_freq(self, deadline: Deadline, alias: str, lang: str, words: list[str]) -> dict[str, int]:
        """How many products of ``alias`` use each word; nothing when the index cannot say (the
        rewrite then keeps the dictionary's order: a missing index fails the search itself)."""
        def request(body: dict) -> dict:
            return deadline.call(self.client.termvectors, index=alias, body=body,
                                 doing=f"counting the catalog's words in '{alias}'")

        try:
            return self._catalog_terms.doc_freq(alias, lang, words, request)
        except TransportError:
            return {}

    def _cover(self, deadline: Deadline, alias: str, lang: str, readings: list[str]) -> dict[str, float]:
        """How much of each reading one product title of ``alias`` has; nothing when the index
        cannot say (the rewrite then keeps the prior's order)."""
        def request(lines: list[dict]) -> dict:
            return deadline.call(self.client.msearch, index=alias, body=lines,
                                 doing=f"finding the readings the catalog's titles have in '{alias}'")

        try:
            return self._catalog_phrases.cover(alias, lang, readings, request)
        except TransportError:
            return {}

    def _facet_aggregations(self) -> dict:
        from query_rewriter.facets import facet_aggregations

        return facet_aggregations(size=self.settings.facet_size, price_bounds=self.settings.facet_price_ranges)

    def _send(self, deadline: Deadline, alias: str, body: dict, pipeline: str | None, aggs: dict | None = None) -> dict:
        params = {"search_pipeline": pipeline} if pipeline else {}
        if aggs:
            body = {**body, "aggs": aggs}  # a copy: the rewriter's cached body is shared
        try:
            return deadline.call(lambda **kwargs: _whole(self.client.search(**kwargs)), index=alias, body=body,
                                 params=params, doing=f"searching '{alias}'", permanent=_too_many_clauses)
        except SearchUnavailable as exc:
            # Shards still failing once the retries are spent: what the others found is better than
            # nothing (the response says so); none answering is an outage.
            partial = exc.__cause__ if isinstance(exc.__cause__, _ShardsFailed) else None
            if partial is not None and (partial.raw.get("_shards") or {}).get("successful"):
                return partial.raw
            raise
        except NotFoundError as exc:
            msg = f"There is no index '{alias}': run 'babelshop setup --index {alias}' and ingest products."
            raise QueryError(msg) from exc
        except TransportError as exc:
            if _too_many_clauses(exc):
                named = re.search(r"maxClauseCount is set to (\d+)", f"{exc.info} {exc.error}")
                raise _TooManyClauses(int(named.group(1)) if named else None) from exc
            if exc.status_code == 400:
                if "Reached end of search result" in str(exc.info):
                    return _EMPTY  # a page past the last hybrid candidate is simply empty
                # A 400 here is ours, not the shopper's (their text is only ever a match query).
                msg = (f"OpenSearch refused the search on '{alias}' ({root_cause(exc)}): check that "
                       f"'babelshop setup --index {alias}' ran against this cluster.")
                raise QueryError(msg) from exc
            raise from_cluster(exc, url=self.settings.opensearch_url, doing=f"searching '{alias}'") from exc

    def _hit(self, raw: dict, q: RewrittenQuery) -> Hit:
        src = raw.get("_source", {})
        title_i18n = src.get("title_i18n") or {}
        category_i18n = src.get("category_i18n") or {}
        title_local = title_i18n.get(q.lang) or self._translate(src.get("title"), src.get("lang"), q.lang)
        leaf = (src.get("category") or "").split(">")[-1].strip() or None
        category_local = category_i18n.get(q.lang) or leaf
        return Hit(id=raw["_id"], score=round(float(raw["_score"] or 0.0), 6), title=src.get("title", ""),
                   lang=src.get("lang"), category=src.get("category"), title_localized=title_local,
                   category_localized=category_local, brand=src.get("brand"), price=src.get("price"),
                   currency=src.get("currency"))

    def _translate(self, text: str | None, source: str | None, target: str) -> str | None:
        # The index keeps translations for the catalog languages; any other is translated now (and cached).
        if not text or not source or source == target:
            return text
        try:
            alts = self.rewriter.translator.translate(text, source, target, max_candidates=1)
        except TranslationError:
            return text  # no dictionary or model for this pair: show the original
        return alts[0].text if alts else text


def _total(found: dict | int) -> tuple[int, str]:
    """(count, "eq" or "gte") of a response's ``hits.total`` (an object, or a bare number from
    clusters that send one)."""
    if isinstance(found, dict):
        return int(found["value"]), "gte" if found.get("relation") == "gte" else "eq"
    return int(found), "eq"
