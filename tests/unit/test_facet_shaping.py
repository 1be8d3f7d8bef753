"""Facets (issue 15): the aggregation request and the shaping of the cluster's answer."""

from __future__ import annotations

import itertools

import pytest

from common.settings import Settings
from query_rewriter.facets import BRAND_AGG, CATEGORY_AGG, PRICE_AGG, facet_aggregations, facets_from, price_ranges

BOUNDS = (25.0, 50.0, 100.0)


def test_price_ranges_cover_everything_without_overlap() -> None:
    ranges = price_ranges(BOUNDS)
    assert [r["key"] for r in ranges] == ["under 25", "25-50", "50-100", "100 and over"]
    assert ranges[0] == {"key": "under 25", "to": 25.0}
    assert ranges[-1] == {"key": "100 and over", "from": 100.0}
    for left, right in itertools.pairwise(ranges):
        assert left["to"] == right["from"]  # range aggregations include from, exclude to


def test_aggregations_name_the_facet_fields() -> None:
    aggs = facet_aggregations(size=7, price_bounds=BOUNDS)
    assert aggs[BRAND_AGG] == {"terms": {"field": "brand.keyword", "size": 7}}
    assert aggs[CATEGORY_AGG] == {"terms": {"field": "category_top", "size": 7}}
    assert aggs[PRICE_AGG]["range"]["field"] == "price" and len(aggs[PRICE_AGG]["range"]["ranges"]) == 4


def test_the_clusters_answer_becomes_facets() -> None:
    raw = {
        BRAND_AGG: {"buckets": [{"key": "Acme", "doc_count": 5}, {"key": "Cimes", "doc_count": 2}]},
        CATEGORY_AGG: {"buckets": [{"key": "Electronics", "doc_count": 4}, {"key": "Empty", "doc_count": 0}]},
        PRICE_AGG: {"buckets": [{"key": "under 25", "to": 25.0, "doc_count": 1},
                                {"key": "50-100", "from": 50.0, "to": 100.0, "doc_count": 3}]},
    }
    facets = facets_from(raw, price_bounds=BOUNDS)
    assert [(v.value, v.count) for v in facets.brand] == [("Acme", 5), ("Cimes", 2)]
    assert [(v.value, v.count) for v in facets.category] == [("Electronics", 4)]  # empty buckets dropped
    # Every configured range, in order, the missing ones at zero.
    assert [(b.value, b.min, b.max, b.count) for b in facets.price] == [
        ("under 25", None, 25.0, 1), ("25-50", 25.0, 50.0, 0), ("50-100", 50.0, 100.0, 3), ("100 and over", 100.0, None, 0)]


def test_no_aggregations_means_empty_facets() -> None:
    facets = facets_from(None, price_bounds=BOUNDS)
    assert facets.brand == [] and facets.category == []
    assert [b.count for b in facets.price] == [0, 0, 0, 0]


def test_price_bounds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BABELSHOP_FACET_PRICE_RANGES", "10, 20,40")
    assert Settings().facet_price_ranges == (10.0, 20.0, 40.0)
    monkeypatch.setenv("BABELSHOP_FACET_PRICE_RANGES", "40,20")
    with pytest.raises(ValueError, match="increasing positive bounds"):
        Settings()


def test_category_top_is_the_first_segment() -> None:
    from common.text import category_top

    assert category_top("Apparel & Accessories > Shoes > Athletic Shoes") == "Apparel & Accessories"
    assert category_top("Toys") == "Toys"
    assert category_top(None) is None and category_top("  > x") is None
