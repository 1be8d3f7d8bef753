"""Language identification: given code, script rules, lingua among Latin candidates, fallback."""

from __future__ import annotations

import pytest

from languages.detect import LanguageGuess, detect_language, detector, normalize_code, script_counts

CATALOG = ("en", "zh", "de", "es", "fr", "ja")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("跑鞋", "zh"),
        ("Nike 跑鞋 男款", "zh"),  # Han decides next to a Latin brand name
        ("ランニングシューズ", "ja"),
        ("ナイキ 運動靴", "ja"),  # any kana means Japanese
        ("나이키 운동화", "ko"),
        ("Кроссовки для бега", "ru"),
        ("Ψηφιακή φωτογραφική μηχανή", "el"),
        ("כיסא משרדי", "he"),
        ("حذاء رياضي للجري", "ar"),
        ("เสื้อยืดผู้ชาย", "th"),
    ],
)
def test_script_decides_non_latin_text(text: str, lang: str) -> None:
    guess = detect_language(text, CATALOG)
    assert (guess.lang, guess.method) == (lang, "script")
    assert 0.5 <= guess.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Herren Laufschuhe schwarz Größe 44", "de"),
        ("Kaffeemaschine mit Mahlwerk", "de"),
        ("chaussures de course pour homme", "fr"),
        ("zapatillas de running para mujer", "es"),
        ("waterproof hiking boots for men", "en"),
    ],
)
def test_lingua_tells_latin_catalog_languages_apart(text: str, lang: str) -> None:
    guess = detect_language(text, CATALOG)
    assert (guess.lang, guess.method) == (lang, "lingua")
    assert guess.confidence >= 0.4


def test_lingua_is_restricted_to_the_candidates() -> None:
    # Italian text in an en/de catalog is still one of the two.
    guess = detect_language("scarpe da corsa per uomo", ("en", "de", "zh"))
    assert guess.lang in {"en", "de"}


@pytest.mark.parametrize("text", ["XL", "42", "", "  ", "Nike", "★★★"])
def test_short_or_ambiguous_text_falls_back_to_english(text: str) -> None:
    guess = detect_language(text, CATALOG)
    assert guess == LanguageGuess("en", guess.confidence, "default")
    assert guess.confidence <= 0.2


def test_default_is_a_candidate_when_english_is_not_one() -> None:
    assert detect_language("42", ("de", "fr")).lang == "de"


def test_given_language_wins() -> None:
    assert detect_language("跑鞋", CATALOG, given="zh-CN") == LanguageGuess("zh", 1.0, "given")
    assert detect_language("running shoes", CATALOG, given="DE").lang == "de"
    assert detect_language("running shoes", CATALOG, given=" ").method == "lingua"


def test_han_only_text_is_japanese_in_a_catalog_without_chinese() -> None:
    assert detect_language("運動靴", ("en", "ja")).lang == "ja"
    assert detect_language("運動靴", CATALOG).lang == "zh"


def test_single_latin_candidate_needs_no_statistics() -> None:
    assert detect_language("Laufschuhe", ("de", "zh")) == LanguageGuess("de", 0.7, "script")


def test_cyrillic_languages_among_candidates_use_lingua() -> None:
    guess = detect_language("Кросівки для бігу чоловічі", ("en", "ru", "uk"))
    assert guess.lang == "uk"


def test_candidates_default_to_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from common import settings

    settings.get_settings.cache_clear()
    monkeypatch.setenv("BABELSHOP_CATALOG_LANGUAGES", "de,zh")
    try:
        assert detect_language("Laufschuhe").lang == "de"
        assert detect_language("Laufschuhe").method == "script"
    finally:
        settings.get_settings.cache_clear()


def test_detectors_are_cached_per_candidate_set() -> None:
    detect_language("Laufschuhe für Damen", ("de", "en", "fr"))
    before = detector.cache_info().hits
    detect_language("chaussures pour femme", ("fr", "de", "en"))  # same set, other order
    assert detector.cache_info().hits == before + 1


def test_helpers() -> None:
    assert normalize_code("zh_Hant") == "zh"
    counts = script_counts("Nike 跑鞋 ナイキ")
    assert (counts["latin"], counts["han"], counts["kana"]) == (4, 2, 3)
