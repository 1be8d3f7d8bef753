"""The ASGI app: ``/search``, ``/rewrite``, ``/healthz``, ``/metrics`` and the OpenAPI schema.

One ``Searcher`` per process, its models loaded during startup (uvicorn accepts no request
before), so no shopper pays for a cold model. The Searcher blocks (opensearch-py, the encoder)
and is thread-safe, so every search runs in the threadpool while the event loop keeps
accepting requests. Each search is bounded by the Searcher's own deadline
(``BABELSHOP_SEARCH_TIMEOUT_S``, every cluster request and retry included).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from common.errors import EXIT_USAGE, from_cluster
from common.redact import redact
from common.settings import Settings, get_settings
from query_rewriter.contracts import Filters, RewrittenQuery, SearchResponse
from service.errors import HttpError, http_error, validation_message
from service.limits import BodyLimit
from service.metrics import CONTENT_TYPE, Metrics
from service.schemas import QUERY_EXCLUDE, ErrorResponse, RewriteRequest, SearchRequest

log = logging.getLogger("babelshop.service")

ERRORS = {status: {"model": ErrorResponse} for status in (400, 413, 422, 500, 502, 503)}


def _json(model, exclude: dict | set) -> Response:
    # Serialized by pydantic directly: no second validation pass of the hits on the way out.
    return Response(content=model.model_dump_json(exclude=exclude), media_type="application/json")


class Service:
    """What one process serves with: the searcher, its metrics, and whether models are loaded."""

    def __init__(self, settings: Settings, searcher=None) -> None:
        if searcher is None:
            from query_rewriter.search import Searcher

            searcher = Searcher(settings)
        self.settings = settings
        self.searcher = searcher
        self.metrics = Metrics(searcher.rewriter)
        self.loaded = False
        self.preloading: threading.Thread | None = None

    def load(self) -> None:
        """Load every model a search needs (language id, translator, encoder) before serving,
        then, in the background, the cached dictionaries of every query language: the first
        query in Finnish would otherwise wait while its dictionary loads. A dictionary never
        built is left to its first query (building one parses the whole dictionary)."""
        rewriter = self.searcher.rewriter
        rewriter.warm_up()
        _ = self.searcher.query_log  # created once here, not raced by the first concurrent searches
        self.loaded = True
        self.preloading = threading.Thread(target=self._preload, args=(rewriter.query_languages,),
                                           name="dictionary-preload", daemon=True)
        self.preloading.start()

    def dictionaries_state(self) -> str:
        """"loading" while the query languages' dictionaries are read in the background (the
        service answers meanwhile, on fewer spare cycles), then "loaded"."""
        if not self.loaded or (self.preloading is not None and self.preloading.is_alive()):
            return "loading"
        return "loaded"

    def _preload(self, languages: tuple[str, ...]) -> None:
        try:
            self.searcher.rewriter.translator.preload(languages, build=False)
        except Exception:  # a dictionary that cannot load fails its own queries, as before
            log.warning("preloading the query languages' dictionaries failed", exc_info=True)

    def check_query(self, text: str) -> None:
        limit = self.settings.service_max_query_chars
        if len(text) > limit:
            raise _TooLong(f"The query is {len(text)} characters long; the service accepts at most {limit} "
                           "(BABELSHOP_SERVICE_MAX_QUERY_CHARS): send a shorter query.")

    def search(self, request: SearchRequest) -> SearchResponse:
        self.check_query(request.query)
        self.metrics.cache.looked_up()
        started = time.perf_counter()
        response = self.searcher.search(request.query, lang=request.lang, mode=request.mode, size=request.size,
                                        from_=request.from_, filters=request.filters, explain=request.explain,
                                        facets=request.facets)
        self.metrics.latency.labels(mode=response.mode).observe(time.perf_counter() - started)
        return response

    def rewrite(self, request: RewriteRequest) -> RewrittenQuery:
        self.check_query(request.query)
        self.metrics.cache.looked_up()
        return self.searcher.rewrite(request.query, request.lang, mode=request.mode)

    def health(self) -> tuple[int, dict]:
        """200 when models are loaded and the cluster answers with the index in place; 503 and
        the reason otherwise. The dictionaries' background read is reported, not waited for."""
        s = self.settings
        body: dict[str, Any] = {"models": "loaded" if self.loaded else "loading",
                                "dictionaries": self.dictionaries_state(), "index": s.index,
                                "cluster": {"url": redact(s.opensearch_url)}}
        reasons = [] if self.loaded else ["models are still loading"]
        timeout = min(2.0, s.search_timeout_s)
        client = self.searcher.client
        try:
            health = client.cluster.health(request_timeout=timeout)
            body["cluster"]["status"] = health.get("status")
            if health.get("status") == "red":
                reasons.append("the cluster's status is red: some primary shards are unassigned")
            if not client.indices.exists(index=s.index, request_timeout=timeout):
                reasons.append(f"there is no index '{s.index}': run 'babelshop setup --index {s.index}'")
        except Exception as exc:  # any failure to answer is the reason, in the CLI's words
            error = from_cluster(exc, url=s.opensearch_url, doing="checking the cluster's health")
            body["cluster"]["reason"] = getattr(error, "reason", "unreachable")
            reasons.append(str(error))
        body["status"] = "unavailable" if reasons else "ok"
        if reasons:
            body["reason"] = "; ".join(reasons)
        return (503 if reasons else 200), body


class _TooLong(Exception):
    """A query over BABELSHOP_SERVICE_MAX_QUERY_CHARS (422, before any work)."""


def create_app(settings: Settings | None = None, *, searcher=None) -> FastAPI:
    """The app for ``settings`` (the environment's by default). ``searcher`` lets a caller share
    loaded models between apps (the tests run several against one set of models)."""
    settings = settings or get_settings()
    svc = Service(settings, searcher)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await run_in_threadpool(svc.load)
        yield
        await run_in_threadpool(svc.searcher.flush_log)

    app = FastAPI(title="babelshop search", version="1", lifespan=lifespan,
                  description="Cross-lingual product search: a query in any language finds products in every "
                              "catalog language (hybrid BM25 + vector inside OpenSearch). Errors are JSON "
                              "`{\"error\": {\"kind\", \"message\", \"exit_code\", \"reason\"?}}` with the "
                              "command line's messages.")
    app.state.service = svc
    app.add_middleware(BodyLimit, max_bytes=settings.service_max_body_bytes)

    def fail(endpoint: str, error: HttpError) -> JSONResponse:
        svc.metrics.error(endpoint, error.kind, error.reason)
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers())

    async def run(endpoint: str, work: Callable[[], Any], exclude: dict | set) -> Response:
        try:
            result = await run_in_threadpool(work)
        except _TooLong as exc:
            return fail(endpoint, HttpError(422, "too_large", str(exc), EXIT_USAGE))
        except ValidationError as exc:
            return fail(endpoint, HttpError(422, "invalid_request", validation_message(exc.errors()), EXIT_USAGE))
        except Exception as exc:
            error = http_error(exc)
            if error.kind == "internal":
                log.exception("%s failed", endpoint)
            return fail(endpoint, error)
        return _json(result, exclude)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return fail(request.url.path, HttpError(422, "invalid_request", validation_message(list(exc.errors())),
                                                EXIT_USAGE))

    search_exclude = {"query": QUERY_EXCLUDE}

    @app.post("/search", responses={200: {"model": SearchResponse}, **ERRORS})
    async def search_post(body: SearchRequest) -> Response:
        """Search the catalog (JSON body)."""
        return await run("/search", lambda: svc.search(body), search_exclude)

    @app.get("/search", responses={200: {"model": SearchResponse}, **ERRORS})
    async def search_get(query: str, lang: str | None = None, size: int = 10, from_: int = Query(0, alias="from"),
                         mode: str = "hybrid", explain: bool = False, facets: bool = False,
                         category: str | None = Query(None, description="Filter: a category path prefix."),
                         brand: str | None = None, price_min: float | None = None, price_max: float | None = None,
                         product_lang: str | None = Query(None, description="Filter: products written in it.")
                         ) -> Response:
        """Search the catalog (query parameters; filters flat)."""
        def work() -> SearchResponse:
            filters = Filters(category=category, brand=brand, price_min=price_min, price_max=price_max,
                              lang=product_lang)
            return svc.search(SearchRequest(query=query, lang=lang, size=size, from_=from_, mode=mode,
                                            filters=filters, explain=explain, facets=facets))
        return await run("/search", work, search_exclude)

    @app.post("/rewrite", responses={200: {"model": RewrittenQuery}, **ERRORS})
    async def rewrite_post(body: RewriteRequest) -> Response:
        """What the rewriter makes of a query: language, translations, synonyms, the clause budget."""
        return await run("/rewrite", lambda: svc.rewrite(body), QUERY_EXCLUDE)

    @app.get("/rewrite", responses={200: {"model": RewrittenQuery}, **ERRORS})
    async def rewrite_get(query: str, lang: str | None = None, mode: str = "hybrid") -> Response:
        """What the rewriter makes of a query (query parameters)."""
        return await run("/rewrite", lambda: svc.rewrite(RewriteRequest(query=query, lang=lang, mode=mode)),
                         QUERY_EXCLUDE)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """200 when the models are loaded and the cluster answers with the index in place, else 503 and why."""
        status, body = await run_in_threadpool(svc.health)
        return JSONResponse(body, status_code=status)

    @app.get("/metrics")
    async def metrics() -> Response:
        """Prometheus text format."""
        return Response(content=svc.metrics.render(), media_type=CONTENT_TYPE)

    return app
