"""The catalog prior against the real engine: a query's English alternatives are weighed by the
products that use their words, counted by the index's own analyzers."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from query_rewriter.search import Searcher
from tests.helpers import small_shop

pytestmark = [pytest.mark.integration, pytest.mark.compat]

# French "couches" is "layer" first in the dictionary, "diaper" second: this shop sells diapers.
PRODUCTS = [
    {"id": "p-diaper-1", "title": "Disposable diapers size 3, 90 count", "lang": "en",
     "category": "Baby & Toddler > Diapering > Diapers"},
    {"id": "p-diaper-2", "title": "Cloth diapers with inserts", "lang": "en",
     "category": "Baby & Toddler > Diapering > Diapers"},
    {"id": "p-diaper-3", "title": "Overnight diapers for toddlers", "lang": "en",
     "category": "Baby & Toddler > Diapering > Diapers"},
    {"id": "p-paint", "title": "Wall paint, white, 5 litres", "lang": "en", "category": "Hardware > Paint"},
]


@pytest.fixture
def shop(client: OpenSearch, settings: Settings, index_name: str) -> Settings:
    return small_shop(client, settings, index_name, PRODUCTS)


def test_the_sense_the_shop_sells_leads(client: OpenSearch, shop: Settings) -> None:
    found = Searcher(shop, client=client).search("couches", lang="fr")
    assert found.query.translations["en"][0].text == "diaper"
    assert found.hits[0].id.startswith("p-diaper")
    plain = Searcher(shop.model_copy(update={"catalog_prior": False}), client=client).search("couches", lang="fr")
    assert plain.query.translations["en"][0].text == "layer"  # the dictionary's own order


def test_an_index_that_cannot_count_leaves_the_dictionary_order(client: OpenSearch, shop: Settings) -> None:
    # Term vectors refuse an alias over two indices: the search goes on without the prior.
    second = f"{shop.index}_v9"  # created by the alias's template, so removed with it
    client.indices.create(index=second)
    both = f"{shop.index}_v-both"
    client.indices.put_alias(index=f"{shop.index}_v*", name=both)
    found = Searcher(shop, client=client).search("couches", lang="fr", mode="vector", index=both)
    assert found.query.translations["en"][0].text == "layer"
    assert found.hits
