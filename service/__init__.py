"""``babelshop serve``: the HTTP search service (FastAPI on uvicorn) for web backends in any language.

One :class:`~query_rewriter.search.Searcher` per process, its models loaded before the first
request; searches run in the threadpool. See :func:`service.app.create_app`.
"""
