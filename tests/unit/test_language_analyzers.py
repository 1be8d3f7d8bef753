"""Analyzers built from the language registry, per catalog language, without a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from languages.registry import CJK, LANGUAGES, with_analyzer
from mappings.analysis import FOLDED, analysis_settings, analyzer_for, language_chain, supported_languages
from mappings.template import index_body

FR_ARTICLES = ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]
IT_ARTICLES = ["c", "l", "all", "dall", "dell", "nell", "sull", "coll", "pell", "gl", "agl", "dagl", "degl", "negl",
               "sugl", "un", "m", "t", "s", "v", "d"]


@pytest.fixture
def no_synonyms(tmp_path: Path) -> Path:
    return tmp_path


def test_the_six_default_languages_are_analyzed_as_before_the_registry(no_synonyms: Path) -> None:
    # Installed indices compare their analysis block with this one: any change rebuilds them
    # (English's plural folding did, once).
    def custom(*filters: str) -> dict:
        return {"type": "custom", "tokenizer": "standard", "filter": list(filters)}

    def latin(lang: str, *middle: str) -> list[str]:
        return [*middle, f"bs_{lang}_stop", f"bs_{lang}_stem"]

    chains = {
        "en": [*latin("en", "lowercase"), "bs_en_plurals"],
        "de": latin("de", "lowercase", "german_normalization"),
        "es": latin("es", "lowercase"),
        "fr": latin("fr", "bs_fr_elision", "lowercase"),
        "zh": ["cjk_width", "lowercase", "cjk_bigram"],
        "ja": ["cjk_width", "lowercase", "cjk_bigram"],
    }
    analyzers = {"bs_folded": custom("lowercase", "asciifolding")}
    for lang, chain in chains.items():
        analyzers[f"bs_{lang}"] = analyzers[f"bs_{lang}_search"] = custom(*chain)
    filters = {
        "bs_fr_elision": {"type": "elision", "articles_case": True, "articles": FR_ARTICLES},
        "bs_it_elision": {"type": "elision", "articles": IT_ARTICLES},
    }
    for lang, stop, stem in (("en", "_english_", "light_english"), ("de", "_german_", "light_german"),
                             ("es", "_spanish_", "light_spanish"), ("fr", "_french_", "light_french")):
        filters[f"bs_{lang}_stop"] = {"type": "stop", "stopwords": stop}
        filters[f"bs_{lang}_stem"] = {"type": "stemmer", "language": stem}
    filters["bs_en_plurals"] = {"type": "stemmer", "language": "minimal_english"}
    got = analysis_settings(("en", "zh", "de", "es", "fr", "ja"), no_synonyms)
    assert got == {"analyzer": analyzers, "filter": filters}


def test_polish_has_no_stemmer_and_is_folded_under_its_own_names(no_synonyms: Path) -> None:
    analysis = analysis_settings(("en", "pl"), no_synonyms)
    assert analysis["analyzer"]["bs_pl"] == {"type": "custom", "tokenizer": "standard", "filter": FOLDED}
    assert analysis["analyzer"]["bs_pl_search"]["filter"] == FOLDED
    assert not any(name.startswith("bs_pl_") for name in analysis["filter"])


def test_a_folded_language_still_gets_its_synonyms(tmp_path: Path) -> None:
    (tmp_path / "pl.txt").write_text("plecak, tornister\n", encoding="utf-8")
    analysis = analysis_settings(("pl",), tmp_path)
    assert analysis["filter"]["bs_pl_synonyms"]["synonyms"] == ["plecak, tornister"]
    assert analysis["analyzer"]["bs_pl_search"]["filter"] == [*FOLDED, "bs_pl_synonyms"]
    assert "bs_pl_synonyms" not in analysis["analyzer"]["bs_pl"]["filter"]


def test_swedish_gets_its_light_stemmer_and_stop_words(no_synonyms: Path) -> None:
    analysis = analysis_settings(("sv",), no_synonyms)
    assert analysis["filter"]["bs_sv_stem"] == {"type": "stemmer", "language": "light_swedish"}
    assert analysis["filter"]["bs_sv_stop"] == {"type": "stop", "stopwords": "_swedish_"}
    assert analysis["analyzer"]["bs_sv"]["filter"] == ["lowercase", "bs_sv_stop", "bs_sv_stem"]


def test_an_unknown_code_in_the_catalog_is_folded_under_its_own_names(no_synonyms: Path) -> None:
    analysis = analysis_settings(("en", "xx"), no_synonyms)
    assert analysis["analyzer"]["bs_xx"]["filter"] == FOLDED
    assert analyzer_for("xx") == ("bs_folded", "bs_folded")  # not a catalog language: the neutral one
    assert analyzer_for("xx", ("en", "xx")) == ("bs_xx", "bs_xx_search")
    props = index_body(("en", "pl", "xx"), 8, synonym_dir=no_synonyms)["mappings"]["properties"]
    assert {lang: f["analyzer"] for lang, f in props["title_i18n"]["properties"].items()} == {
        "en": "bs_en", "pl": "bs_pl", "xx": "bs_xx"}
    assert props["category_i18n"]["properties"]["xx"]["search_analyzer"] == "bs_xx_search"


def test_elision_and_normalization_come_from_the_registry(no_synonyms: Path) -> None:
    analysis = analysis_settings(("ca", "ar", "th"), no_synonyms)
    assert analysis["filter"]["bs_ca_elision"]["articles"] == list(LANGUAGES["ca"].analyzer.elision)
    assert analysis["analyzer"]["bs_ca"]["filter"][:2] == ["bs_ca_elision", "lowercase"]
    assert analysis["analyzer"]["bs_ar"]["filter"] == ["lowercase", "arabic_normalization", "bs_ar_stop", "bs_ar_stem"]
    assert analysis["analyzer"]["bs_th"]["tokenizer"] == "thai"  # Thai is written without spaces


@pytest.mark.parametrize("lang", with_analyzer())
def test_every_registry_analyzer_is_built_from_its_entry(lang: str) -> None:
    _tokenizer, pre, post, filters = language_chain(lang)
    if lang in CJK:
        assert post == ["cjk_bigram"] and not filters
        return
    entry = LANGUAGES[lang].analyzer
    assert filters[f"bs_{lang}_stem"]["language"] == entry.stemmer
    assert filters[f"bs_{lang}_stop"]["stopwords"] == entry.stopwords
    stems = [f"bs_{lang}_stem", *([f"bs_{lang}_plurals"] if entry.plurals else [])]
    assert "lowercase" in pre and post[-len(stems) - 1:] == [f"bs_{lang}_stop", *stems]


def test_every_registry_language_counts_as_supported() -> None:
    # query_rewriter.terms counts a language's synonym rules only for supported languages.
    assert set(supported_languages()) == set(LANGUAGES)
    assert analyzer_for("pl") == ("bs_pl", "bs_pl_search")
