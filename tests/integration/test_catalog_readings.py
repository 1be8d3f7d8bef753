"""The catalog's titles choosing the query vector's readings, against the real engine: a reading
whose words one title has together is pooled before the dictionary's first."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from query_rewriter.search import Searcher
from tests.helpers import small_shop

pytestmark = [pytest.mark.integration, pytest.mark.compat]

# German "Schuhe Leder" reads "shoes skin" first in the dictionary; every word is in some title
# of this shop, but only leather and shoes meet in one.
PRODUCTS = [
    {"id": "p-shoes", "title": "Men's leather shoes, brown", "lang": "en", "category": "Apparel > Shoes"},
    {"id": "p-run", "title": "Running shoes with mesh upper", "lang": "en", "category": "Apparel > Shoes"},
    {"id": "p-cream", "title": "Skin cream for dry skin", "lang": "en", "category": "Health & Beauty > Skin Care"},
    {"id": "p-serum", "title": "Face skin serum", "lang": "en", "category": "Health & Beauty > Skin Care"},
    {"id": "p-belt", "title": "Leather belt with buckle", "lang": "en", "category": "Apparel > Belts"},
]


@pytest.fixture
def shop(client: OpenSearch, settings: Settings, index_name: str) -> Settings:
    return small_shop(client, settings, index_name, PRODUCTS)


def test_the_readings_a_title_has_whole_build_the_vector(client: OpenSearch, shop: Settings) -> None:
    found = Searcher(shop, client=client).search("Schuhe Leder", lang="de", mode="vector")
    assert found.query.vector_readings, "a translated query pools English readings"
    assert all("leather" in r and "shoe" in r for r in found.query.vector_readings), found.query.vector_readings
    assert found.hits[0].id == "p-shoes"
    # The lexical query keeps the dictionary's order, weighed by the prior alone.
    assert found.query.translations["en"][0].text == "shoes skin"


def test_switched_off_the_priors_order_builds_the_vector(client: OpenSearch, shop: Settings) -> None:
    plain = shop.model_copy(update={"catalog_phrases": False})
    found = Searcher(plain, client=client).search("Schuhe Leder", lang="de", mode="vector")
    assert found.query.vector_readings[0] == "shoes skin"
