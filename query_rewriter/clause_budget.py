"""Keep the lexical sub-query under the cluster's boolean clause limit.

The lexical query grows with words x translations x synonyms x fields x (any-word + every-word
halves), and Lucene counts every leaf of the whole nested query against
``indices.query.bool.max_clause_count`` (stock 1,024): past it the search fails outright
(``too_many_nested_clauses``). The rewriter therefore estimates the leaves (an upper bound, see
:mod:`query_rewriter.terms`) and, when the full query would not fit, narrows it in a fixed
order, from the evidence that matters least to the most, recording each step it took:

1. synonym expansions are dropped,
2. one translation per language and reading is kept (the best; a query whose language is
   unsure keeps the best of each language it may be in),
3. the every-word halves are dropped,
4. category fields are dropped (titles only),
5. every text is cut to its first N terms, N as large as fits.

A share of the limit is kept free for what the estimate does not see (filters, the k-NN leaf,
synonym graphs that expand more than one leaf per alternative).
"""

from __future__ import annotations

from collections.abc import Callable

from query_rewriter.builder import fields_of, halves, planned_clauses
from query_rewriter.contracts import Filters, LexicalShape, RewrittenQuery
from query_rewriter.terms import TermCounter, token_spans

#: OpenSearch's default ``indices.query.bool.max_clause_count``; assumed when the cluster's
#: own value cannot be read.
STOCK_CLAUSE_LIMIT = 1024
#: Share of the limit left for leaves outside the estimate.
MARGIN_SHARE = 0.1
MIN_MARGIN = 16

_SETTING = "indices.query.bool.max_clause_count"


def read_clause_limit(client) -> int:
    """The cluster's ``max_clause_count`` (transient, then persistent, then the node default);
    :data:`STOCK_CLAUSE_LIMIT` when the settings cannot be read (e.g. a user without the
    cluster monitor privilege). A cluster that is down or slow raises: the search fails anyway."""
    from opensearchpy.exceptions import TransportError

    from common.errors import Unavailable

    try:
        found = client.cluster.get_settings(include_defaults=True, filter_path=["**.max_clause_count"])
    except Unavailable:
        raise
    except TransportError as exc:
        if isinstance(exc.status_code, int) and 400 <= exc.status_code < 500:
            return STOCK_CLAUSE_LIMIT
        raise
    for scope in ("transient", "persistent", "defaults"):
        value = found.get(scope) or {}
        for key in _SETTING.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            try:
                return max(int(value), 1)
            except (TypeError, ValueError):
                break
    return STOCK_CLAUSE_LIMIT


def budget_for(limit: int, filters: Filters | None = None) -> int:
    """The leaves the lexical clauses may use: the limit, less the margin and the filter leaves
    (the filters sit in the lexical query and again in the k-NN one)."""
    filter_leaves = 2 * len(filters.clauses()) if filters else 0
    return max(limit - max(MIN_MARGIN, int(limit * MARGIN_SHARE)) - filter_leaves - 1, 1)


def estimate(q: RewrittenQuery, languages: tuple[str, ...], shape: LexicalShape, counter: TermCounter) -> int:
    """Leaf clauses of the lexical query ``shape`` makes of ``q`` (an upper bound)."""
    total = 0
    for clause in planned_clauses(q, languages, shape):
        total += halves(clause, shape) * len(fields_of(clause, shape)) * counter.count(clause.text, clause.lang)
    return total


#: The fixed order of narrowing steps: (what the explanation says, the narrower shape).
_STEPS: tuple[tuple[str, Callable[[LexicalShape], LexicalShape]], ...] = (
    ("synonym expansions dropped", lambda s: s.model_copy(update={"synonyms": False})),
    ("only the best translation per language", lambda s: s.model_copy(update={"alternatives": 1})),
    ("every-word clauses dropped", lambda s: s.model_copy(update={"every_word": False})),
    ("category fields dropped (titles only)", lambda s: s.model_copy(update={"category_fields": False})),
)


def fit(q: RewrittenQuery, languages: tuple[str, ...], limit: int, filters: Filters | None,
        counter: TermCounter, start: LexicalShape | None = None) -> tuple[LexicalShape, int, list[str]]:
    """The widest shape, ``start`` or narrower, whose estimate fits ``limit``: (shape, its
    estimate, steps taken)."""
    budget = budget_for(limit, filters)
    shape = start or LexicalShape()
    cost = estimate(q, languages, shape, counter)
    dropped: list[str] = []
    for description, narrower in _STEPS:
        if cost <= budget:
            return shape, cost, dropped
        candidate = narrower(shape)
        candidate_cost = estimate(q, languages, candidate, counter)
        if candidate_cost < cost:  # a step that removes nothing (no synonyms to drop) is not reported
            shape, cost = candidate, candidate_cost
            dropped.append(description)
    if cost <= budget:
        return shape, cost, dropped
    # Cut every text: the largest number of terms that fits (the estimate grows with it).
    longest = max((len(token_spans(c.text)) for c in planned_clauses(q, languages, shape)), default=1)
    low, high = 1, max(longest - 1, 1)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate(q, languages, shape.model_copy(update={"max_terms": middle}), counter) <= budget:
            low = middle
        else:
            high = middle - 1
    shape = shape.model_copy(update={"max_terms": low})
    cost = estimate(q, languages, shape, counter)
    dropped.append(f"each text cut to its first {low} terms")
    return shape, cost, dropped
