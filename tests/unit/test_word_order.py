"""Head-first noun phrases of every Romance language with a dictionary turn around into English
order (``translation.word_order``), Catalan and Romanian as French and Spanish do."""

from __future__ import annotations

import pytest

from translation.compose import translate_with
from translation.lexicon import Lexicon, pack
from translation.word_order import BREAKERS, LINKERS, ROMANCE


def _lexicon(source: str, entries: dict[str, str]) -> Lexicon:
    return Lexicon(source, "en", {k: pack([(v, 1.0)]) for k, v in entries.items()})


def _best(lexicon: Lexicon, text: str) -> str:
    return translate_with(lexicon, text, 3)[0][0]


@pytest.mark.parametrize(("source", "entries", "text", "english"), [
    ("ro", {"pantofi": "shoes", "sport": "sport"}, "pantofi sport", "sport shoes"),
    ("ro", {"mașină": "machine", "spălat": "washing"}, "mașină de spălat", "washing machine"),
    ("ro", {"jucării": "toys", "copii": "children"}, "jucării pentru copii", "toys for children"),
    ("ca", {"sabates": "shoes", "esportiu": "sports"}, "sabates esportives", "sports shoes"),
    ("ca", {"màquina": "machine", "cafè": "coffee"}, "màquina de cafè", "coffee machine"),
    ("ca", {"joguines": "toys", "nens": "children"}, "joguines per a nens", "toys for children"),
])
def test_catalan_and_romanian_noun_phrases_turn_around(source, entries, text, english) -> None:
    entries = {**entries, "esportives": "sports", "pentru": "for", "per": "for", "a": "to"}
    assert _best(_lexicon(source, entries), text) == english


def test_every_romance_language_has_linkers_and_breakers() -> None:
    assert set(LINKERS) >= ROMANCE and set(BREAKERS) >= ROMANCE


def test_a_phrase_that_starts_with_a_breaker_is_not_flipped_before_the_noun() -> None:
    lexicon = Lexicon("fr", "en", {"jouets": pack([("toys", 1.0)]), "pour enfants": pack([("for children", 1.0)]),
                                   "pour": pack([("for", 1.0)]), "enfants": pack([("children", 1.0)])})
    assert _best(lexicon, "jouets pour enfants") == "toys for children"
