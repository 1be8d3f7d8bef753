"""Inflected query words reach the dictionary's lemma through simplemma's word lists
(``translation.lemmas``), one-word and phrase headwords alike, and the map is cached beside
the lexicon."""

from __future__ import annotations

import pickle

import pytest

from languages.registry import lemma_code
from translation import lemmas
from translation.compose import translate_with
from translation.lexicon import LEMMA_FACTOR, Lexicon, pack


def _lexicon(source: str, entries: dict[str, list[tuple[str, float]]]) -> Lexicon:
    return Lexicon(source, "en", {k: pack(v) for k, v in entries.items()})


RUSSIAN = {
    "пила": [("saw", 1.0)],
    "ленточная пила": [("band saw", 1.0)],
    "зубная щётка": [("toothbrush", 1.0)],
    "нож": [("knife", 1.0)],
    "для": [("for", 1.0)],
    "дерево": [("wood", 1.0)],
}


def test_the_registry_names_the_word_list_of_each_language() -> None:
    assert lemma_code("ru") == "ru" and lemma_code("pt-BR") == "pt" and lemma_code("PL") == "pl"
    assert lemma_code("hr") == lemma_code("sr") == "hbs"  # one Serbo-Croatian list
    assert lemma_code("en") is None  # the pivot keeps its own endings
    assert lemma_code("zh") is None and lemma_code("xx") is None


@pytest.fixture(scope="module")
def russian() -> lemmas.Forms:
    return lemmas.forms_of_headwords("ru", RUSSIAN)


def test_inflected_words_and_phrases_lead_to_their_headword(russian: lemmas.Forms) -> None:
    forms = russian
    assert forms.headword("пилы") == "пила"  # plural
    assert forms.headword("ножи") == "нож"  # too short for the stem rule
    # Each word by its lemma: the adjective's lemma is masculine, the headword feminine.
    assert forms.headword("ленточные пилы") == "ленточная пила"
    assert forms.headword("зубные щетки") == "зубная щётка"  # ё written as е
    assert forms.headword("пила") is None  # a headword is looked up as written
    assert forms.headword("самолёты") is None  # a lemma the lexicon lacks leads nowhere


def test_a_lemma_of_its_own_is_not_taken_for_a_form_of_another() -> None:
    # "пила" is also listed as a form of "пить" (she drank): inside a phrase it stays a saw.
    forms = lemmas.forms_of_headwords("ru", {"ленточная пила": "", "пить": ""})
    assert forms.headword("ленточные пилы") == "ленточная пила"


def test_the_lowercase_entry_wins_over_a_capitalised_name() -> None:
    forms = lemmas.forms_of_headwords("pl", {"domek": "", "lalka": ""})
    assert forms.headword("domków") == "domek" and forms.headword("lalek") == "lalka"


def test_translation_uses_the_lemma_after_the_word_as_written() -> None:
    lexicon = _lexicon("ru", RUSSIAN)
    assert lexicon.lookup("пилы") == [("saw", 1.0)]
    best = translate_with(lexicon, "Ленточные пилы для дерева", 3)[0][0]
    assert best.split()[:2] == ["band", "saw"] and "wood" in best.split()


def test_a_headword_that_is_a_plural_of_another_also_gets_its_senses() -> None:
    # A reverse dictionary lists the plural under "tackle"; the singular's entry has the shop sense.
    entries = {"принадлежности": [("tackle", 1.0)], "принадлежность": [("accessory", 1.0), ("belonging", 0.5)],
               "пила": [("saw", 1.0)], "пить": [("drink", 1.0)]}
    lexicon = _lexicon("ru", entries)
    forms = lexicon.load_forms()
    assert forms.inflected == {"принадлежности": "принадлежность"}  # "пила" is a lemma itself: not a form of "пить"
    found = dict(lexicon.lookup("принадлежности"))
    assert next(iter(found)) == "tackle" and found["accessory"] == pytest.approx(LEMMA_FACTOR)
    assert "belonging" in found
    assert lexicon.lookup("пила") == [("saw", 1.0)]
    assert lexicon.lookup("принадлежность") == [("accessory", 1.0), ("belonging", 0.5)]  # not the other way


def test_languages_without_a_list_fold_only_yo() -> None:
    assert _lexicon("en", {"saw": [("пила", 1.0)]}).load_forms() is None
    forms = lemmas.forms_of_headwords("xx", {"ёлка": ""})
    assert forms.headword("елка") == "ёлка" and forms.headword("елки") is None


def test_the_map_is_built_once_and_cached_beside_the_lexicon(tmp_path, monkeypatch) -> None:
    lexicon = _lexicon("ru", RUSSIAN)
    lexicon.cache_path = tmp_path / "ru-en-1.pickle"
    assert lexicon.lookup("ножи") == [("knife", 1.0)]
    cached = tmp_path / "ru-en-1.forms.pickle"
    stamp, forms = pickle.loads(cached.read_bytes())
    assert stamp == lemmas.stamp() and forms.headword("ножи") == "нож"

    def refuse(*_args):
        raise AssertionError("the cached map should have been read")

    monkeypatch.setattr(lemmas, "forms_of_headwords", refuse)
    again = _lexicon("ru", RUSSIAN)
    again.cache_path = lexicon.cache_path
    assert again.lookup("пилы") == [("saw", 1.0)]
    # Without building, a lexicon whose map was never made has none yet, and makes none.
    cold = _lexicon("ru", RUSSIAN)
    cold.cache_path = tmp_path / "ru-en-2.pickle"
    assert cold.load_forms(build=False) is None and not (tmp_path / "ru-en-2.forms.pickle").exists()


def test_only_a_word_some_phrase_can_start_with_tries_longer_phrases() -> None:
    russian = _lexicon("ru", RUSSIAN)
    assert russian.may_start_phrase("Ленточные")  # by its lemma, as the phrase is found
    assert russian.may_start_phrase("зубные")  # the headword writes ё
    assert not russian.may_start_phrase("пилы") and not russian.may_start_phrase("дерева")
    # Spanish variants change the first word: "zapatillas deportivas" finds "zapatilla deportiva".
    spanish = _lexicon("es", {"zapatilla deportiva": [("sneaker", 1.0)], "rojo": [("red", 1.0)]})
    assert spanish.may_start_phrase("zapatillas") and not spanish.may_start_phrase("rojas")
    english = _lexicon("en", {"running shoe": [("Laufschuh", 1.0)], "shoe": [("Schuh", 1.0)]})
    assert english.may_start_phrase("Running") and not english.may_start_phrase("shoe")
    assert english.may_start_phrase("")  # not one word: only a look-up can tell
    # Pruned or not, the phrase is found where it is.
    assert translate_with(english, "trail running shoe", 3)[0][0] == "trail Laufschuh"
    assert spanish.lookup("zapatillas deportivas") == [("sneaker", 1.0)]
