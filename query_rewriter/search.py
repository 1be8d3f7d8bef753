"""``Searcher``: one search = one rewrite + one OpenSearch request (+ explanations on demand)."""

from __future__ import annotations

import time

from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import RequestError, TransportError

from babelcore.opensearch_client import make_client
from babelcore.settings import Settings, get_settings
from babelcore.translators.base import TranslationError
from mappings.pipelines import pipeline_name
from query_rewriter.models import Filters, Hit, QueryError, RewrittenQuery, SearchResponse
from query_rewriter.rewrite import Rewriter

_EMPTY = {"hits": {"hits": [], "total": {"value": 0, "relation": "eq"}}}


def _root_cause(exc: TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    causes = info.get("error", {}).get("root_cause") or [{}]
    return causes[0].get("reason") or str(exc.error)


class SearchUnavailable(RuntimeError):
    """OpenSearch could not answer; the message says where it was looked for."""


class Searcher:
    """Loads models once; ``search`` may be called from many threads."""

    def __init__(self, settings: Settings | None = None, *, client=None, rewriter: Rewriter | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client or make_client(self.settings)
        self.rewriter = rewriter or Rewriter(self.settings)
        self._log = None

    @property
    def query_log(self):
        if self._log is None and self.settings.query_log:
            from query_rewriter.query_log import QueryLog

            self._log = QueryLog(self.client, self.settings.index)
        return self._log

    def search(self, text: str, *, lang: str | None = None, mode: str = "hybrid", size: int = 10, from_: int = 0,
               filters: Filters | None = None, explain: bool = False, index: str | None = None) -> SearchResponse:
        """Search ``index`` (the settings' alias by default) and return hits with their texts
        in the shopper's language; ``explain`` adds each hit's lexical and vector share."""
        started = time.perf_counter()
        alias = index or self.settings.index
        q = self.rewriter.rewrite(text, lang, mode=mode, size=size, from_=from_, filters=filters)
        pipeline = pipeline_name(alias, mode) if mode in ("hybrid", "rrf") else None
        raw = self._send(alias, q.body, pipeline)
        hits = [self._hit(h, q) for h in raw["hits"]["hits"]]
        if explain and hits:
            from query_rewriter.explain import explain_hits

            explain_hits(self, alias, q, hits, filters)
        took_ms = (time.perf_counter() - started) * 1000
        total = raw["hits"]["total"]["value"] if isinstance(raw["hits"]["total"], dict) else raw["hits"]["total"]
        response = SearchResponse(query=q.model_copy(update={"pipeline": pipeline}), hits=hits, total=total,
                                  took_ms=round(took_ms, 2), mode=mode)
        if self.query_log is not None:
            self.query_log.record(q, mode=mode, hits=len(hits), total=total, took_ms=took_ms)
        return response

    def _send(self, alias: str, body: dict, pipeline: str | None) -> dict:
        params = {"search_pipeline": pipeline} if pipeline else {}
        try:
            return self.client.search(index=alias, body=body, params=params)
        except OSConnectionError as exc:
            msg = f"Cannot reach OpenSearch at {self.settings.opensearch_url}: start it (babelshop engine start)."
            raise SearchUnavailable(msg) from exc
        except RequestError as exc:
            if "Reached end of search result" in str(exc.info):
                return _EMPTY  # a page past the last hybrid candidate is simply empty
            # A 400 here is ours, not the shopper's (their text is only ever a match query).
            msg = (f"OpenSearch refused the search on '{alias}' ({_root_cause(exc)}): check that "
                   f"'babelshop setup --index {alias}' ran against this cluster.")
            raise QueryError(msg) from exc
        except TransportError as exc:
            if exc.status_code == 404:
                msg = f"There is no index '{alias}': run 'babelshop setup --index {alias}' and ingest products."
                raise QueryError(msg) from exc
            raise SearchUnavailable(f"OpenSearch failed the search: {exc.status_code} {exc.error}") from exc

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
