"""Which language a category leaf is translated from: pure logic over language id."""

from __future__ import annotations

import pytest

from babelcore.settings import Settings
from indexer.enrich import Enricher


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    # No encoder or translator is touched: leaf_language only detects.
    return Enricher(Settings(catalog_languages=("en", "de", "fr", "es", "zh")), encoder=object(), translator=object())


@pytest.mark.parametrize("leaf", ["Hinges", "Pipettes", "Spinach", "Messenger Bags", "Computer Servers"])
def test_a_short_leaf_keeps_the_products_language(enricher: Enricher, leaf: str) -> None:
    assert enricher.leaf_language(leaf, "en") == "en"


@pytest.mark.parametrize(("leaf", "lang"), [("Laufschuhe", "de"), ("Chaussures de course", "fr"), ("跑鞋", "zh")])
def test_a_leaf_clearly_in_another_language_is_read_as_such(enricher: Enricher, leaf: str, lang: str) -> None:
    assert enricher.leaf_language(leaf, "en") == lang


def test_no_leaf_is_the_products_language(enricher: Enricher) -> None:
    assert enricher.leaf_language("", "fr") == "fr"
