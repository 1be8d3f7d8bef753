"""Facets: counts by brand, category top level and price range next to the hits.

The aggregations ride along the search request itself, so they count exactly the products the
hybrid (or rrf, bm25, vector) query matched, filters applied, in the same round trip; no
second query can disagree with the hits. Brands count ``brand.keyword``, categories the
``category_top`` keyword the enrichment writes (the path's first segment), prices fixed ranges
(``BABELSHOP_FACET_PRICE_RANGES``).
"""

from __future__ import annotations

import itertools

from query_rewriter.contracts import Facets, FacetValue, PriceBucket

BRAND_AGG = "facet_brand"
CATEGORY_AGG = "facet_category"
PRICE_AGG = "facet_price"

BRAND_FIELD = "brand.keyword"
CATEGORY_FIELD = "category_top"
PRICE_FIELD = "price"


def _number(value: float) -> str:
    return f"{value:g}"


def price_ranges(bounds: tuple[float, ...]) -> list[dict]:
    """Range-aggregation ranges for increasing ``bounds``: under the first, between each pair,
    and the last and over, each keyed by its label."""
    ranges: list[dict] = []
    if not bounds:
        return ranges
    ranges.append({"key": f"under {_number(bounds[0])}", "to": bounds[0]})
    for low, high in itertools.pairwise(bounds):
        ranges.append({"key": f"{_number(low)}-{_number(high)}", "from": low, "to": high})
    ranges.append({"key": f"{_number(bounds[-1])} and over", "from": bounds[-1]})
    return ranges


def facet_aggregations(*, size: int, price_bounds: tuple[float, ...]) -> dict:
    """The ``aggs`` section added to a search body when facets are asked for."""
    return {
        BRAND_AGG: {"terms": {"field": BRAND_FIELD, "size": size}},
        CATEGORY_AGG: {"terms": {"field": CATEGORY_FIELD, "size": size}},
        PRICE_AGG: {"range": {"field": PRICE_FIELD, "ranges": price_ranges(price_bounds)}},
    }


def _terms(agg: dict | None) -> list[FacetValue]:
    buckets = (agg or {}).get("buckets") or []
    return [FacetValue(value=str(b["key"]), count=int(b["doc_count"])) for b in buckets if b.get("doc_count")]


def _prices(agg: dict | None, bounds: tuple[float, ...]) -> list[PriceBucket]:
    """Every configured range in order, empty ones included (a results page shows them greyed);
    matched by label, so buckets the cluster returns in another form still land right."""
    counts = {str(b.get("key")): int(b.get("doc_count", 0)) for b in (agg or {}).get("buckets") or []}
    return [PriceBucket(value=r["key"], min=r.get("from"), max=r.get("to"), count=counts.get(r["key"], 0))
            for r in price_ranges(bounds)]


def facets_from(aggregations: dict | None, *, price_bounds: tuple[float, ...]) -> Facets:
    """The response's ``aggregations`` as :class:`Facets` (empty lists when there are none, as
    for a page past the last hybrid candidate)."""
    aggs = aggregations or {}
    return Facets(brand=_terms(aggs.get(BRAND_AGG)), category=_terms(aggs.get(CATEGORY_AGG)),
                  price=_prices(aggs.get(PRICE_AGG), price_bounds))
