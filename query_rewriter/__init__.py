"""The shopper's side: detect, translate, expand synonyms, embed, and search hybrid inside OpenSearch.

A web backend calls::

    from query_rewriter import Searcher
    searcher = Searcher()                          # settings from BABELSHOP_* variables
    response = searcher.search("跑鞋", size=10)     # mode="hybrid" by default
    for hit in response.hits:
        print(hit.id, hit.score, hit.title_localized)

``rewrite(text)`` alone returns the ``RewrittenQuery`` (language, translations, synonyms,
embedding and the OpenSearch request body) without searching.
"""

from query_rewriter.contracts import Filters, Hit, HitExplanation, QueryError, RewrittenQuery, SearchResponse

__all__ = ["Filters", "Hit", "HitExplanation", "QueryError", "RewrittenQuery", "SearchResponse", "SearchUnavailable",
           "Searcher", "rewrite"]


def __getattr__(name: str):
    # Lazy: importing the package must not load models or clients.
    # No submodule is named like these, so an imported submodule never shadows them.
    if name == "Searcher":
        from query_rewriter.search import Searcher

        return Searcher
    if name == "SearchUnavailable":
        from query_rewriter.search import SearchUnavailable

        return SearchUnavailable
    if name == "rewrite":
        from query_rewriter.rewriter import rewrite

        return rewrite
    raise AttributeError(name)
