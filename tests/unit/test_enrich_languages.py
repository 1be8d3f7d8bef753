"""Which language a product and its category leaf are taken to be written in, and what is
translated into which catalog language: pure logic over language id and a stand-in translator."""

from __future__ import annotations

import pytest

from common.product import Product
from common.settings import Settings
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


def test_a_leaf_is_detected_once_and_its_guess_serves_every_product(monkeypatch) -> None:
    import languages.detect

    fresh = Enricher(Settings(catalog_languages=("en", "de", "fr")), encoder=object(), translator=object())
    calls: list[str] = []
    detect = languages.detect.detect_language
    monkeypatch.setattr(languages.detect, "detect_language", lambda text, *a, **k: calls.append(text) or detect(text, *a, **k))
    assert [fresh.leaf_language("Laufschuhe", lang) for lang in ("en", "fr", "en")] == ["de", "de", "de"]
    assert [fresh.leaf_language("Hinges", lang) for lang in ("en", "fr")] == ["en", "fr"]  # unsure: the product's
    assert calls == ["Laufschuhe", "Hinges"]


class RecordingTranslator:
    """Translates by tagging the text, and refuses the pairs it is told have no dictionary."""

    id = "recording"

    def __init__(self, missing: set[str] = frozenset()) -> None:
        self.missing = missing
        self.calls: list[tuple[str, str]] = []

    def translate_many(self, texts, source, target, max_candidates=3):
        from translation.base import Translation, TranslationError

        self.calls.append((source, target))
        if source in self.missing:
            raise TranslationError(f"no dictionary for {source}")
        return [[Translation(f"{text}@{target}", 1.0)] for text in texts]


CATALOG = ("en", "de", "zh")


def _translating(missing: set[str] = frozenset()) -> tuple[Enricher, RecordingTranslator]:
    translator = RecordingTranslator(missing)
    return Enricher(Settings(catalog_languages=CATALOG), encoder=object(), translator=translator), translator


def test_a_catalog_language_keeps_its_original_under_its_own_key() -> None:
    enricher, _ = _translating()
    [out] = enricher.translate_all(["Laufschuhe"], ["de"])
    assert out == {"de": "Laufschuhe", "en": "Laufschuhe@en", "zh": "Laufschuhe@zh"}


def test_a_language_outside_the_catalog_is_translated_but_never_a_key_of_its_own() -> None:
    enricher, _ = _translating()
    [out] = enricher.translate_all(["Беговые кроссовки"], ["ru"])
    assert set(out) == set(CATALOG)  # no "ru": the strict mapping has no such field
    assert out["en"] == "Беговые кроссовки@en"


def test_a_language_without_a_dictionary_gets_no_translation() -> None:
    enricher, translator = _translating(missing={"uk"})
    assert enricher.translate_all(["Парасолька"], ["uk"]) == [{}]
    assert translator.calls  # it was asked, and the refusal was skipped


def test_an_unknown_code_is_never_translated() -> None:
    enricher, translator = _translating()
    assert enricher.translate_all(["Bàn phím", ""], ["xx", "en"]) == [{}, {}]
    assert translator.calls == []


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> Enricher:
    """An enricher whose outside-catalog candidates are fixed, whatever dictionaries are installed."""
    import indexer.enrich

    monkeypatch.setattr(indexer.enrich, "query_languages", lambda catalog: (*catalog, "pl", "sv", "tr", "pt"))
    return Enricher(Settings(catalog_languages=("en", "de", "es", "fr", "zh")), encoder=object(), translator=object())


@pytest.mark.parametrize(("title", "lang"), [
    ("Plecak turystyczny 30 l wodoodporny", "pl"),  # among the catalog alone it reads as German
    ("Ryggsäck för vandring 30 liter", "sv"),
    ("Беговые кроссовки", "ru"),  # another script: sure without statistics
    ("Trail running shoes, waterproof", "en"),
    ("Zapatillas de running para hombre", "es"),
])
def test_a_product_outside_the_catalog_is_detected_only_on_a_sure_guess(wide: Enricher, title: str,
                                                                         lang: str) -> None:
    [(detected, _)] = wide.detect([Product(id="p", title=title)])
    assert detected == lang


def test_an_unsure_guess_keeps_the_catalog_language(wide: Enricher) -> None:
    # Spanish that lingua also finds Portuguese-looking stays Spanish, a catalog language.
    [(detected, _)] = wide.detect([Product(id="p", title="Cafetera espresso con vaporizador 20 bar")])
    assert detected == "es"


def test_a_given_code_is_kept_as_given(wide: Enricher) -> None:
    assert [lang for lang, _ in wide.detect([Product(id="p", title="Trail running shoes", lang="xx")])] == ["xx"]


@pytest.mark.parametrize(("given", "stored"), [("zh-CN", "zh"), ("ZH_hant", "zh"), ("pt-BR", "pt"), ("no", "nb"), ("", None)])
def test_a_products_language_code_is_normalized_as_the_registry_does(given: str, stored: str | None) -> None:
    assert Product(id="p", title="t", lang=given).lang == stored


class _Vectors:
    """Stands in for the encoder: the warm-up's translations and detections are under test."""

    id = "fixed"

    def encode_documents(self, texts):
        import numpy as np

        return np.ones((len(texts), 4), dtype=np.float32)


def test_the_warm_up_loads_every_pair_and_the_detectors_a_first_batch_needs(tmp_path, monkeypatch) -> None:
    import indexer.enrich
    import languages.detect
    from indexer.embedding_cache import EmbeddingCache

    monkeypatch.setattr(indexer.enrich, "query_languages", lambda catalog: (*catalog, "pl", "sv"))
    detected: list[tuple[str, frozenset[str]]] = []
    detect = languages.detect.detect_language
    monkeypatch.setattr(languages.detect, "detect_language",
                        lambda text, codes, **k: detected.append((text, frozenset(codes))) or detect(text, codes, **k))
    translator = RecordingTranslator()
    enricher = Enricher(Settings(catalog_languages=CATALOG), encoder=_Vectors(), translator=translator,
                        cache=EmbeddingCache(tmp_path / "vectors.sqlite", "fixed"))
    enricher.warm_up()
    assert {(s, t) for s in CATALOG for t in CATALOG if s != t} <= set(translator.calls)
    sets = {codes for _, codes in detected}
    assert frozenset(CATALOG) in sets  # the category leaf, among the catalog's languages
    assert frozenset((*CATALOG, "pl", "sv")) in sets  # a product of unknown language, among every one


def test_the_warm_up_runs_the_encoder_even_when_the_cache_knows_its_texts(tmp_path) -> None:
    # A worker's embedding cache outlives it: the warm-up's texts are found there the second
    # time, and the model would then first load inside a batch (and its time limit).
    from indexer.embedding_cache import EmbeddingCache

    class Counting(_Vectors):
        calls = 0

        def encode_documents(self, texts):
            Counting.calls += 1
            return super().encode_documents(texts)

    cache = EmbeddingCache(tmp_path / "vectors.sqlite", "fixed")
    first = Enricher(Settings(catalog_languages=CATALOG), encoder=Counting(), translator=RecordingTranslator(), cache=cache)
    first.warm_up()
    assert Counting.calls >= 1
    Counting.calls = 0
    again = Enricher(Settings(catalog_languages=CATALOG), encoder=Counting(), translator=RecordingTranslator(), cache=cache)
    again.warm_up()
    assert Counting.calls == 1
