"""Read Mueller's English-Russian dictionary (Debian's ``mueller7-dict``) in the dictd format.

FreeDict's English-Russian dictionary has about 1,500 entries; Mueller's has 46,000, with
senses numbered by part of speech and meaning::

    hammer
       [ˈhæmə]
       1. _n.
          1) молоток; молот; hammer and sickle серп и молот; ...
          2) молоточек (в различных механизмах)
       2. _v.
          1) вбивать, вколачивать (in, into - в); прибивать

``read_entries(prefix)`` yields ``(headword, senses, prior)`` like ``translation.dictd``: each
numbered meaning is a sense, its translations are the Russian words before the first English
example, and a meaning marked with a field (``_тех.``, ``_спорт.``) weighs less. Idioms
(``а)``, ``б)`` under an English phrase) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from translation.dictd import DOMAIN_FACTOR, read_raw
from translation.glosses import Sense, translations

#: The dictd file prefix Debian's package installs (``/usr/share/dictd/mueller7.index``).
FILE = "mueller7"
#: Meanings read per entry: later ones are rare senses and figures of speech.
MAX_SENSES = 6

_TRANSCRIPTION = re.compile(r"\[[^\]]*\]")
_HOMONYM = re.compile(r"(?<!\S)_[IVX]+(?!\S)")  # "_I", "_II": homonyms under one headword
_MARK = re.compile(r"(?<!\S)_[^\s.]+\.")  # "_n.", "_v.", "_тех.", "_разг."
_POS = re.compile(r"(?<!\S)_(n|a|v|adv|attr|pl|predic)\.")
_MEANING = re.compile(r"(?:(?<=\s)|^)(?:\d+\.|\d+\)|[а-я]\))(?=\s)")
_PAREN = re.compile(r"\([^()]*\)")
_LATIN = re.compile(r"[A-Za-z]")
_ETC = re.compile(r"(?<!\S)и т\.\s?[пд]\.?")  # "и т.п.", "и т.д.": "and so on"


def read_entries(prefix: Path) -> Iterator[tuple[str, list[Sense], float]]:
    """``(headword, senses, prior)`` for every entry with a Russian translation."""
    for headword, body in read_raw(prefix):
        senses = parse_entry(body)
        if senses:
            yield headword, senses, 1.0


def parse_entry(body: str) -> list[Sense]:
    """The senses of one entry's text (its first line is the headword)."""
    text = " ".join(line.strip() for line in body.split("\n")[1:])
    text = _HOMONYM.sub(" ", _TRANSCRIPTION.sub(" ", text))
    pieces = _MEANING.split(text)
    markers = [m.group(0) for m in _MEANING.finditer(text)]
    senses: list[Sense] = []
    for number, piece in enumerate(pieces):
        if number > 0 and not markers[number - 1][0].isdigit():
            continue  # а), б): the readings of an idiom, not of the headword
        kept = _translations_part(_POS.sub(" ", piece))
        glosses = translations(_ETC.sub(" ", _MARK.sub(" ", kept)))
        if glosses:
            senses.append((glosses, DOMAIN_FACTOR if _MARK.search(kept) else 1.0))
        if len(senses) >= MAX_SENSES:
            break
    return senses


def _translations_part(text: str) -> str:
    """A meaning's translations: notes in brackets dropped first (they may hold English: "(in,
    into - в)"), then everything from the first phrase with Latin letters, where its examples
    begin."""
    while _PAREN.search(text):
        text = _PAREN.sub(" ", text)
    kept = []
    for segment in text.split(";"):
        if _LATIN.search(segment):
            break
        kept.append(segment.strip())
    return ", ".join(s for s in kept if s)
