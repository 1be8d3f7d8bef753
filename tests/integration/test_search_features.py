"""Search features against the real engine: synonym reload, filters, paging, the query log."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from indexer.service import IndexingService
from mappings.install import reload_synonyms, setup
from mappings.query_log import query_log_index
from query_rewriter.contracts import Filters
from query_rewriter.search import Searcher

pytestmark = [pytest.mark.integration, pytest.mark.compat]

PRODUCTS = [
    {"id": "p-en-shoe", "title": "Trail running shoes", "lang": "en", "price": 80, "brand": "Acme",
     "category": "Apparel & Accessories > Shoes > Athletic Shoes"},
    {"id": "p-de-shoe", "title": "Herren Laufschuhe leicht", "lang": "de", "price": 60, "brand": "Flink",
     "category": "Apparel & Accessories > Shoes > Athletic Shoes"},
    {"id": "p-es-mochila", "title": "Mochila de senderismo 30 litros", "lang": "es", "price": 45, "brand": "Ruta",
     "category": "Luggage & Bags > Backpacks"},
    {"id": "p-fr-cafe", "title": "Machine à café expresso", "lang": "fr", "price": 150, "brand": "Arome",
     "category": "Home & Garden > Kitchen & Dining > Kitchen Appliances > Coffee Makers & Espresso Machines"},
]


@pytest.fixture
def catalog(client: OpenSearch, settings: Settings, index_name: str, tmp_path: Path) -> tuple[str, Path, Settings]:
    from encoders import load_encoder

    synonyms = tmp_path / "synonyms"
    synonyms.mkdir()
    (synonyms / "en.txt").write_text("# nothing yet\n", encoding="utf-8")
    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension, synonym_dir=synonyms)
    local = settings.model_copy(update={"index": index_name, "synonyms_dir": synonyms})
    result = IndexingService(local, client=client).index_products(PRODUCTS)
    assert result.indexed == len(PRODUCTS)
    client.indices.refresh(index=index_name)
    return index_name, synonyms, local


def test_a_synonym_reload_changes_results_without_reindexing(client: OpenSearch, catalog) -> None:
    alias, synonyms, settings = catalog
    searcher = Searcher(settings.model_copy(update={"query_log": False}), client=client)
    word = f"zorb{uuid.uuid4().hex[:4]}"  # a word no dictionary, synonym set or product knows
    before = searcher.search(word, lang="en", mode="bm25")
    assert before.total == 0
    before_doc = client.get(index=alias, id="p-en-shoe")["_source"]
    (synonyms / "en.txt").write_text(f"{word}, running shoes\n", encoding="utf-8")
    reload_synonyms(client, alias, settings.catalog_languages, synonyms, grace_s=0.2)
    after = searcher.search(word, lang="en", mode="bm25")
    assert "p-en-shoe" in [h.id for h in after.hits]
    # Copied into the new analyzers' index as it was: nothing translated or embedded again.
    assert client.get(index=alias, id="p-en-shoe")["_source"]["indexed_at"] == before_doc["indexed_at"]


def test_filters_apply_to_both_sub_queries(client: OpenSearch, catalog) -> None:
    _, _, settings = catalog
    searcher = Searcher(settings.model_copy(update={"query_log": False}), client=client)
    for mode in ("hybrid", "rrf", "bm25", "vector"):
        response = searcher.search("running shoes", mode=mode, filters=Filters(price_max=70))
        assert response.hits, mode
        assert all(h.price is not None and h.price <= 70 for h in response.hits), mode
        response = searcher.search("running shoes", mode=mode, filters=Filters(lang="de"))
        assert {h.lang for h in response.hits} == {"de"}, mode


def test_paging_walks_through_the_same_ranking(client: OpenSearch, catalog) -> None:
    _, _, settings = catalog
    searcher = Searcher(settings.model_copy(update={"query_log": False}), client=client)
    whole = [h.id for h in searcher.search("shoes", size=4).hits]
    pages = [h.id for start in range(0, 4, 2) for h in searcher.search("shoes", size=2, from_=start).hits]
    assert pages == whole


def test_the_total_is_exact_up_to_the_tracking_bound_and_a_lower_bound_past_it(client: OpenSearch, catalog) -> None:
    _, _, settings = catalog
    exact = Searcher(settings.model_copy(update={"query_log": False}), client=client)
    bounded = Searcher(settings.model_copy(update={"query_log": False, "track_total_hits": 1}), client=client)
    for mode in ("hybrid", "bm25"):
        full = exact.search("shoes", mode=mode)
        assert full.total >= 2 and full.total_relation == "eq", mode
        capped = bounded.search("shoes", mode=mode)
        assert (capped.total, capped.total_relation) == (1, "gte"), mode
        # Counting stops, ranking does not: the same page.
        assert [h.id for h in capped.hits] == [h.id for h in full.hits], mode


def test_zero_result_queries_are_findable_in_the_query_log(client: OpenSearch, catalog) -> None:
    alias, _, settings = catalog
    searcher = Searcher(settings.model_copy(update={"query_log": True}), client=client)
    nothing = f"qxzv{uuid.uuid4().hex[:6]}"
    assert searcher.search(nothing, lang="en", mode="bm25").total == 0
    searcher.search("running shoes", mode="bm25")
    searcher.query_log.flush()
    found = client.search(index=query_log_index(alias), body={"query": {"bool": {"filter": [
        {"term": {"zero_results": True}}, {"term": {"query.keyword": nothing}}]}}})["hits"]["hits"]
    assert len(found) == 1
    entry = found[0]["_source"]
    assert entry["hits"] == 0 and entry["mode"] == "bm25" and entry["lang"] == "en" and entry["took_ms"] > 0


def test_a_search_of_another_index_logs_to_that_index_s_query_log(client: OpenSearch, catalog) -> None:
    alias, _, settings = catalog
    default = f"{alias}-default"  # the settings' alias is not the one searched
    searcher = Searcher(settings.model_copy(update={"query_log": True, "index": default}), client=client)
    searcher.search("running shoes", lang="en", mode="bm25", index=alias)
    searcher.query_log.flush()
    assert client.count(index=query_log_index(alias))["count"] >= 1
    assert not client.indices.exists(index=query_log_index(default))
