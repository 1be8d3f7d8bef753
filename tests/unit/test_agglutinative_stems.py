"""An unknown Turkish (Finnish, Hungarian) word passes through as its bare stem: those
languages stack suffixes on loanwords, which English titles spell without them."""

from __future__ import annotations

from translation.compose import translate_with
from translation.lexicon import Lexicon, pack


def _lexicon(source: str, entries: dict[str, str]) -> Lexicon:
    return Lexicon(source, "en", {k: pack([(v, 1.0)]) for k, v in entries.items()})


TURKISH = _lexicon("tr", {"kablo": "cable", "şarj": "charge"})


def test_an_unknown_loanword_loses_its_suffixes_and_accents() -> None:
    assert translate_with(TURKISH, "Epilatörler", 1)[0][0] == "epilator"
    assert translate_with(TURKISH, "Adaptörleri kablo", 1)[0][0] == "adaptor cable"
    assert translate_with(TURKISH, "Spalar", 1)[0][0] == "spa"


def test_the_stem_still_counts_as_unknown() -> None:
    # Unknown words lower the translation's weight (and the rewriter's trust in it) as before.
    assert translate_with(TURKISH, "Epilatörler", 1)[0][1] == translate_with(TURKISH, "Xyzq", 1)[0][1]


def test_known_words_short_stems_and_other_languages_are_untouched() -> None:
    assert translate_with(TURKISH, "kablo", 1)[0][0] == "cable"
    assert translate_with(TURKISH, "Evler", 1)[0][0] == "Evler"  # a stem of two letters says too little
    spanish = _lexicon("es", {"cable": "cable"})
    assert translate_with(spanish, "Epiladoras", 1)[0][0] == "Epiladoras"
