"""Read Apertium's machine-translation data (Debian's ``apertium-*`` packages) as a dictionary.

FreeDict's Spanish-English dictionary lacks words a shop needs ("dispensador", "climatizador");
Apertium's bilingual dictionaries, written for machine translation, have them. A transducer
cannot be listed whole, so a language's words are fed through it instead: simplemma's lemmas
go through the first pair's analyser (``lt-proc -a``), which tells each its part of speech, and
the readings that are the word itself go through each hop's bilingual dictionary (``lt-proc
-b``)::

    ^dispensador$  ->  ^dispensador/dispensador<n><m><sg>$  ->  ^dispensador<n><m><sg>/dispenser<n><sg>$

``read_entries(route, folder, "es")`` yields ``(headword, senses, prior)`` like
``translation.dictd``: one sense per part of speech, nouns first (shoppers search for things),
with the bilingual dictionary's alternatives in its order. The translator merges them with
FreeDict's entries for the same word as one more entry of equal weight: giving Apertium's the
first place only where FreeDict has nothing measured no better (docs/relevance.md, round 7).

A bridge route ends in another language than English (Norwegian -> Swedish): its "senses" are
that language's words, which the translator reads through that language's English lexicon. It
reads nouns and adjectives only, and only the lemmas simplemma does not also list as another
word's form (docs/relevance.md, round 20).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from languages.registry import ApertiumRoute, lemma_code
from translation import lemmas
from translation.base import TranslationError
from translation.dictd import files_stamp
from translation.glosses import Sense

#: Changes when what is read changes, so cached lexicons are rebuilt.
FORMAT = 2
#: The parts of speech read, in the order their senses are listed: prepositions and conjunctions
#: too, which a language with no other dictionary ("pentru", "per a") would otherwise pass through.
PARTS_OF_SPEECH = ("n", "adj", "vblex", "pr", "cnjcoo")
#: What a bridge route (into another language than English) reads: the things a shop sells and
#: their qualities. The bridge language's lexicon is only a way on, and a verb or preposition
#: read through it would displace the language's own reading of an inflected noun ("deler":
#: parts, which simplemma leads to the verb "delere", to delete).
BRIDGE_PARTS_OF_SPEECH = ("n", "adj")

_UNIT = re.compile(r"\^([^$]*)\$")
_READING = re.compile(r"([^<>*@#/]+)((?:<[^<>]+>)+)$")
#: Words safe to put in Apertium's stream format, whose ^ $ / < > @ * # are markup.
_PLAIN_WORD = re.compile(r"[^\W\d_][\w'-]*")


def read_entries(route: ApertiumRoute, folder: Path, lang: str) -> Iterator[tuple[str, list[Sense], float]]:
    """``(lemma, senses, prior)`` for every lemma of ``lang`` the route translates into English."""
    analyser, *bilingual = route.files(folder)
    bridge = route.target != "en"
    words = _words(lang, own_lemmas_only=bridge)
    if not words:
        return
    parts = BRIDGE_PARTS_OF_SPEECH if bridge else PARTS_OF_SPEECH
    readings = own_readings(_run(analyser, "-a", "".join(f"{w}\n" for w in words)), parts)
    translated: dict[str, list[str]] = {r: [r] for by_word in readings.values() for r in by_word}
    for dictionary in bilingual:
        asked = list(dict.fromkeys(r for found in translated.values() for r in found))
        answers = bilingual_answers(_run(dictionary, "-b", "".join(f"^{r}$\n" for r in asked)), len(asked))
        step = dict(zip(asked, answers, strict=True))
        translated = {r: [out for mid in found for out in step[mid]] for r, found in translated.items()}
    for word, by_word in readings.items():
        senses = []
        for reading in sorted(by_word, key=_pos_rank):
            glosses = tuple(dict.fromkeys(english_lemma(out) for out in translated[reading]))
            if glosses:
                senses.append((glosses, 1.0))
        if senses:
            yield word, senses, 1.0


def own_readings(analysed: str, parts: tuple[str, ...] = PARTS_OF_SPEECH) -> dict[str, list[str]]:
    """Word -> its analyses (``lemma<tags>``) whose lemma is the word itself and whose part of
    speech is read; a lemma list's word that the analyser only knows as a form of another word
    ("funda", a form of "fundar") is skipped, since its own sense is not in the dictionary."""
    found: dict[str, list[str]] = {}
    for unit in _UNIT.findall(analysed):
        word, *readings = unit.split("/")
        for reading in readings:
            match = _READING.fullmatch(reading)
            if match and match.group(1) == word and _pos(match.group(2)) in parts:
                found.setdefault(word, []).append(reading)
    return found


def bilingual_answers(output: str, expected: int) -> list[list[str]]:
    """Each asked reading's translations (``lemma<tags>``) in order; ``@`` marks none."""
    units = _UNIT.findall(output)
    if len(units) != expected:
        raise TranslationError(f"lt-proc answered {len(units)} units for {expected} asked")
    return [[out for out in unit.split("/")[1:] if out and not out.startswith("@")] for unit in units]


def english_lemma(reading: str) -> str:
    """``dispenser<n><sg>`` -> ``dispenser``; ``hold# responsible<vblex>`` -> ``hold responsible``
    (``#`` marks where a phrasal verb inflects)."""
    lemma = reading.split("<", 1)[0]
    return " ".join(lemma.replace("#", " ").split())


def source_stamp(route: ApertiumRoute, folder: Path) -> str:
    """Size and mtime of the route's files, so a cache notices an upgraded package."""
    bridge = "" if route.target == "en" else f" to {route.target} ({'+'.join(BRIDGE_PARTS_OF_SPEECH)}, own lemmas)"
    return f"apertium {FORMAT}{bridge}, {lemmas.stamp()}:" + files_stamp(route.files(folder))


def _words(lang: str, *, own_lemmas_only: bool = False) -> list[str]:
    """The lemmas simplemma lists for ``lang``, where it has a list; with ``own_lemmas_only``,
    not those it also lists as a form of another lemma ("leker", a player, is first the plural
    of "lek", a game): a bridge's reading of them would stand before the other lemma's."""
    code = lemma_code(lang)
    if code is None:
        return []
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    listed = DefaultDictionaryFactory(cache_max_size=0).get_dictionary(code)
    found = _plain(listed.values())
    if own_lemmas_only:
        found = {w for w in found if listed.get(w, w) == w}
    return sorted(found)


def _plain(words: Iterable[str]) -> set[str]:
    return {w for w in words if w.islower() and _PLAIN_WORD.fullmatch(w)}


def _pos(tags: str) -> str:
    return tags[1:].split(">", 1)[0]


def _pos_rank(reading: str) -> int:
    return PARTS_OF_SPEECH.index(_pos(reading[reading.index("<"):]))


def _run(transducer: Path, mode: str, text: str) -> str:
    try:
        done = subprocess.run(["lt-proc", mode, str(transducer)], input=text, capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or error
        raise TranslationError(f"lt-proc {mode} {transducer} failed: {detail}. Reinstall lttoolbox and the "
                               "Apertium package (apt-get install --reinstall ...).") from error
    return done.stdout
