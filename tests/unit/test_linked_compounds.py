"""Russian and Polish compounds joined by a linking vowel are read as modifier and head."""

from __future__ import annotations

from translation.compose import translate_with
from translation.lexicon import Lexicon, pack
from translation.linked_compounds import split_linked


def _lexicon(source: str, entries: dict[str, str], target: str = "en") -> Lexicon:
    return Lexicon(source, target, {k: pack([(v, 1.0)]) for k, v in entries.items()})


RUSSIAN = _lexicon("ru", {
    "пар": "steam", "очистители": "cleaners", "газ": "gas", "анализаторов": "analyzers",
    "радио": "radio", "управляемые": "controlled", "ковров": "carpets", "серы": "sulphur",
})


def test_a_linked_compound_reads_as_modifier_and_head() -> None:
    assert translate_with(RUSSIAN, "Пароочистители", 1)[0][0] == "steam cleaners"
    assert translate_with(RUSSIAN, "газоанализаторов", 1)[0][0] == "gas analyzers"
    # A combining form listed with its vowel ("радио") is a modifier as written.
    assert translate_with(RUSSIAN, "Радиоуправляемые", 1)[0][0] == "radio controlled"
    assert translate_with(RUSSIAN, "Пароочистители для ковров", 1)[0][0] == "steam cleaners carpets"


def test_the_modifier_may_end_otherwise_in_the_dictionary() -> None:
    polish = _lexicon("pl", {"ciśnienie": "pressure", "mierze": "gauges"})
    assert translate_with(polish, "Ciśnieniomierze", 1)[0][0] == "pressure gauges"


def test_only_words_whose_halves_are_both_known_are_split() -> None:
    # "диспен" is no word: the loanword passes through whole, not as "... sulphur".
    assert translate_with(RUSSIAN, "Диспенсеры", 1)[0][0] == "Диспенсеры"
    # No linking vowel between the halves: not a linked compound.
    assert split_linked("газанализаторов", RUSSIAN.lookup) is None


def test_the_longest_head_wins() -> None:
    lexicon = _lexicon("ru", {"видео": "video", "конференций": "conferences", "видеоко": "x", "нференций": "y"})
    modifier, head = split_linked("видеоконференций", lexicon.lookup)
    assert modifier[0][0] == "video" and head[0][0] == "conferences"


def test_a_romance_target_puts_the_head_first() -> None:
    french = _lexicon("ru", {"пар": "vapeur", "очистители": "nettoyeurs"}, target="fr")
    assert translate_with(french, "Пароочистители", 1)[0][0] == "nettoyeurs vapeur"


def test_other_languages_are_not_split_this_way() -> None:
    turkish = _lexicon("tr", {"gaz": "gas", "analizatör": "analyzer"})
    assert translate_with(turkish, "gazoanalizatör", 1)[0][0] == "gazoanalizatör"
