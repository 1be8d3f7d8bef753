"""Facets (issue 15): counts by brand, category top level and price range, computed by
aggregations riding on the same search request, in every mode, filters applied.

Checked two ways against the real engine: against a direct aggregation request sent by the test
with the same query, and, where every product matches (the vector sub-query's k exceeds the
catalog), against counts computed here from the catalog itself."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from common.settings import Settings
from query_rewriter.contracts import MODES, Filters
from query_rewriter.search import Searcher
from tests.helpers import remove_alias

pytestmark = pytest.mark.integration

BRANDS = ("Acme", "Bivouac", "Cimes")
CATEGORIES = {
    "Apparel & Accessories > Shoes > Athletic Shoes": ("Trail running shoes", "Road running sneakers"),
    "Electronics > Audio > Headphones": ("Wireless headphones", "Noise cancelling earbuds"),
    "Home & Garden > Kitchen > Coffee Makers": ("Espresso coffee machine", "Drip coffee maker"),
    "Electronics > Computers > Laptops": ("Lightweight laptop", "Gaming notebook computer"),
}
PRICES = (9.5, 30.0, 75.0, 120.0, 300.0, 800.0)
BOUNDS = (25.0, 50.0, 100.0, 250.0, 500.0)


def facet_catalog(n: int = 24) -> list[dict]:
    cats = list(CATEGORIES)
    out = []
    for i in range(n):
        cat = cats[i % len(cats)]
        out.append({"id": f"f-{i}", "title": f"{CATEGORIES[cat][i % 2]} model {i}", "brand": BRANDS[i % 3],
                    "category": cat, "price": PRICES[i % len(PRICES)], "currency": "EUR", "lang": "en"})
    return out


@pytest.fixture(scope="module")
def alias(client: OpenSearch, settings: Settings, tmp_path_factory):
    from encoders import load_encoder
    from indexer.ingest import ingest_inline
    from mappings.install import setup

    name = f"test-{uuid.uuid4().hex[:10]}"
    setup(client, name, settings.catalog_languages, load_encoder(settings).dimension, weights=settings.hybrid_weights)
    path = tmp_path_factory.mktemp("facets") / "catalog.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in facet_catalog()), encoding="utf-8")
    result = ingest_inline(path, settings, index=name)
    assert result.indexed == len(facet_catalog()) and not result.rejected
    client.indices.refresh(index=name)
    yield name
    remove_alias(client, name)


@pytest.fixture(scope="module")
def searcher(settings: Settings) -> Searcher:
    return Searcher(settings.model_copy(update={"query_log": False, "facet_price_ranges": BOUNDS}))


def _direct(client: OpenSearch, alias: str, body: dict, pipeline: str | None) -> dict:
    """The same query, aggregated by a request written here, not by the code under test."""
    aggs = {"b": {"terms": {"field": "brand.keyword", "size": 10}},
            "c": {"terms": {"field": "category_top", "size": 10}},
            "p": {"range": {"field": "price", "ranges": [{"to": 25}, {"from": 25, "to": 50}, {"from": 50, "to": 100},
                                                         {"from": 100, "to": 250}, {"from": 250, "to": 500},
                                                         {"from": 500}]}}}
    params = {"search_pipeline": pipeline} if pipeline else {}
    raw = client.search(index=alias, body={**body, "aggs": aggs}, params=params)["aggregations"]
    return {"brand": {b["key"]: b["doc_count"] for b in raw["b"]["buckets"]},
            "category": {b["key"]: b["doc_count"] for b in raw["c"]["buckets"]},
            "price": [b["doc_count"] for b in raw["p"]["buckets"]]}


def _shown(facets) -> dict:
    return {"brand": {v.value: v.count for v in facets.brand}, "category": {v.value: v.count for v in facets.category},
            "price": [b.count for b in facets.price]}


@pytest.mark.parametrize("mode", MODES)
def test_facets_equal_a_direct_aggregation_of_the_same_query(searcher: Searcher, client: OpenSearch, alias: str,
                                                              mode: str) -> None:
    response = searcher.search("running shoes", mode=mode, size=5, facets=True, index=alias)
    assert response.facets is not None and response.hits
    expected = _direct(client, alias, response.query.body, response.query.pipeline)
    assert _shown(response.facets) == expected
    assert sum(b.count for b in response.facets.price) == response.total  # every match is in one range


@pytest.mark.parametrize("mode", ["hybrid", "rrf", "vector"])
def test_facets_count_every_match_not_only_the_page(searcher: Searcher, alias: str, mode: str) -> None:
    # The vector sub-query's k (100) exceeds the catalog, so every product matches: the facets
    # are the catalog's own counts, computed here without the engine.
    catalog = facet_catalog()
    response = searcher.search("coffee", mode=mode, size=3, facets=True, index=alias)
    assert len(response.hits) == 3 and response.total == len(catalog)
    shown = _shown(response.facets)
    assert shown["brand"] == dict(Counter(p["brand"] for p in catalog))
    assert shown["category"] == dict(Counter(p["category"].split(" > ")[0] for p in catalog))
    assert shown["price"] == [sum(lo <= p["price"] < hi for p in catalog)
                              for lo, hi in zip((0, *BOUNDS), (*BOUNDS, float("inf")), strict=True)]


@pytest.mark.parametrize("mode", MODES)
def test_facets_apply_the_filters(searcher: Searcher, client: OpenSearch, alias: str, mode: str) -> None:
    filters = Filters(brand="Acme", price_max=100)
    response = searcher.search("laptop", mode=mode, size=5, filters=filters, facets=True, index=alias)
    shown = _shown(response.facets)
    assert set(shown["brand"]) <= {"Acme"}
    assert shown["price"][3:] == [0, 0, 0]  # nothing at or over 100 passed the filter
    assert shown == _direct(client, alias, response.query.body, response.query.pipeline)
    if mode != "bm25":  # every Acme product under 100 is among the vector candidates
        assert shown["brand"] == {"Acme": sum(p["brand"] == "Acme" and p["price"] <= 100 for p in facet_catalog())}


def test_no_facets_unless_asked(searcher: Searcher, alias: str) -> None:
    response = searcher.search("headphones", size=3, index=alias)
    assert response.facets is None
    assert "aggs" not in response.query.body  # the rewriter's cached body is never changed by a facet search


def test_cli_search_facets_as_json_and_table(alias: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from babelshop.cli import main
    from common.settings import get_settings

    monkeypatch.setenv("BABELSHOP_QUERY_LOG", "false")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(main, ["search", "wireless headphones", "--index", alias, "--facets", "--json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.output.strip().splitlines()[-1])
        assert {"brand", "category", "price"} <= set(payload["facets"])
        assert {v["value"] for v in payload["facets"]["category"]} <= {c.split(" > ")[0] for c in CATEGORIES}
        assert sum(b["count"] for b in payload["facets"]["price"]) == payload["total"]
        table = runner.invoke(main, ["search", "wireless headphones", "--index", alias, "--facets"])
        assert table.exit_code == 0, table.output
        assert "facets over" in table.output and "Electronics" in table.output
    finally:
        get_settings.cache_clear()


def test_setup_adds_the_category_facet_field_to_an_older_index_in_place(client: OpenSearch, settings: Settings,
                                                                        index_name: str) -> None:
    from encoders import load_encoder
    from mappings.install import setup
    from mappings.template import index_body

    dimension = load_encoder(settings).dimension
    old = index_body(settings.catalog_languages, dimension)
    del old["mappings"]["properties"]["category_top"]
    old["mappings"]["_meta"]["fingerprint"] = "before-facets"
    client.indices.create(index=f"{index_name}_v1", body={**old, "aliases": {index_name: {"is_write_index": True}}})
    report = setup(client, index_name, settings.catalog_languages, dimension, weights=settings.hybrid_weights)
    assert report.index == f"{index_name}_v1" and report.upgraded == ["mappings"]
    mapping = client.indices.get_mapping(index=report.index)[report.index]["mappings"]["properties"]
    assert mapping["category_top"] == {"type": "keyword"}


def test_the_category_facet_field_is_mapped_and_enriched(client: OpenSearch, alias: str) -> None:
    index = next(iter(client.indices.get_alias(name=alias)))
    properties = client.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert properties["category_top"] == {"type": "keyword"}
    hit = client.get(index=alias, id="f-1")["_source"]
    assert hit["category_top"] == "Electronics"

