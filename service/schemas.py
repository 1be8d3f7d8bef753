"""The service's request bodies. Responses are the Python API's own models
(``SearchResponse``, ``RewrittenQuery``) without the query vector and the raw request body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from query_rewriter.contracts import Filters

#: What a response leaves out of ``RewrittenQuery``: the vector (hundreds of floats) and the
#: OpenSearch body (which holds it again); the CLI's --json leaves out the same.
QUERY_EXCLUDE = {"embedding", "body"}


class SearchRequest(BaseModel):
    """``POST /search``. Mode and paging are checked by the searcher, so a bad value gets the
    same message as on the command line."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    query: str = Field(description="The shopper's text, in any language.")
    lang: str | None = Field(default=None, description="The query's language, if known (otherwise detected).")
    size: int = 10
    from_: int = Field(default=0, alias="from")
    mode: str = Field(default="hybrid", description="hybrid, rrf, bm25 or vector.")
    filters: Filters | None = None
    explain: bool = False
    facets: bool = False


class RewriteRequest(BaseModel):
    """``POST /rewrite``: what the rewriter makes of a query, without searching."""

    model_config = ConfigDict(extra="forbid")

    query: str
    lang: str | None = None
    mode: str = "hybrid"


class ErrorDetail(BaseModel):
    kind: str = Field(description="bad_input, invalid_request, too_large, unavailable, index_incompatible, "
                                  "cluster_refused, error or internal.")
    message: str
    exit_code: int = Field(description="What the CLI exits with for the same error: 2 input, 3 unavailable, 1 other.")
    reason: str | None = Field(default=None, description="For unavailable: unreachable, slow or overloaded.")


class ErrorResponse(BaseModel):
    error: ErrorDetail
