"""Read FreeDict bilingual dictionaries in the dictd format, as Debian installs them.

``dict-freedict-deu-eng`` puts ``/usr/share/dictd/freedict-deu-eng.index`` (lines of
``headword TAB base64-offset TAB base64-length``) and ``freedict-deu-eng.dict.dz`` (dictzip,
which is gzip) there. ``read_entries(path)`` yields ``(headword, senses, prior)``: the senses
are lists of cleaned translations, most common sense first as the dictionary orders them.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from languages import registry as languages
from translation.glosses import Sense, translations

#: Where Debian's dict-freedict-* packages install their files: the registry's, re-exported for
#: the modules that take it from here.
DICTD_DIRS = languages.DICTD_DIRS

#: Prior of a headword that is a reading or variant of an entry's first form.
ALTERNATE_FORM_FACTOR = 0.3
#: Longer headwords are left out.
MAX_HEADWORD_WORDS = 4
#: Weight of a sense tagged with a subject area such as ``[techn.]``, against a general one.
DOMAIN_FACTOR = 0.7
#: Weight of an entry whose headword is tagged a verb (``tire <v>``), against a noun's: shop
#: texts are noun phrases, so "tires" is "Reifen" before "ermüdet" (as CC-CEDICT's verb senses).
VERB_FACTOR = 0.6
#: Weight of an entry with no part of speech or gender at all, against a tagged one. Ding's
#: English side lists inflected forms as entries of their own, untagged ("sponges": "saugt
#: auf") beside the tagged noun ("sponges": "Schwämme <pl>"). Only the order of one headword's
#: entries changes: a dictionary that tags nothing weighs all its entries alike.
UNTYPED_FACTOR = 0.6
#: Weight of an entry whose headword is tagged a proper noun (``Allemagne <pn>``), against a
#: common word's. Keys are compared without case, so a name stands beside the common word it
#: is spelled like. A name whose only translation is itself (``Waren <pn>``, a town) is left
#: out: unknown, it passes unchanged all the same, and kept it would outrank the common noun
#: ("Waren": goods) that only a lemma look-up finds.
PROPER_NOUN_FACTOR = 0.3

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_HEADWORD = re.compile(r"^([^/<\[\n,]+?)\s*(?:/|<|,|\n|$)")
_TAGS = re.compile(r"\[[^\]\n]*\]")  # JMdict frequency tags before the first form
_NUMBERED = re.compile(r"^\s*(\d+)\.\s*(.*)$")
_TRAILING_NUMBER = re.compile(r"\s\d+\.\s*$")
_NOISE_LINE = re.compile(r"^\s*(see:|note:|synonyms?:|antonyms?:|\"|»|„)", re.IGNORECASE)
#: JMdict's usage notes. FreeDict's Japanese-English dictionary writes the sense right after its
#: note on the same line ("Note: word usually written using kana alonetoy, plaything"), so a
#: note line that starts with one of these carries a sense; dropped as noise, every word usually
#: written in kana ("おもちゃ", "かつら", "たわし") lost its only sense.
JMDICT_NOTES = (
    "word usually written using kana alone", "honorific or respectful (sonkeigo) language",
    "humble (kenjougo) language", "polite (teineigo) language", "onomatopoeic or mimetic word",
    "idiomatic expression", "vulgar expression or word", "jocular, humorous term", "children's language",
    "familiar language", "female term or language", "male term or language", "abbreviation", "archaism",
    "obscure term", "colloquialism", "slang", "obsolete term", "derogatory", "sensitive", "proverb",
    "yojijukugo",
)
_NOTE_WITH_SENSE = re.compile(r"^\s*note:\s*(?:" + "|".join(map(re.escape, JMDICT_NOTES)) + r")(\S.*)$",
                              re.IGNORECASE)
_DOMAIN = re.compile(r"\[[a-z][\w. ]*\.\]")  # Ding subject tags such as [techn.] or [min.]
_VERB = re.compile(r"<(?:v|vt|vi)[,>]")  # the part of speech after a headword: <v>, <v, trans>, <vt>
_PROPER = re.compile(r"<pn[,>]")
_TYPED = re.compile(r"<(?:n|masc|fem|neut|pl|sg|adj|adv|pn|num|prep|pron|conj|art|interj|v|vt|vi)[,>]")
_PRIORITY = re.compile(r"\[(news1|ichi1|spec1|gai1|news2|ichi2|spec2|gai2|nf\d\d)\]")


def b64_number(text: str) -> int:
    """dictd's base64 numbers (``"BeCjm"``) as integers."""
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def freedict_path(source: str, target: str, dirs: tuple[Path, ...] = DICTD_DIRS) -> Path | None:
    """The ``freedict-SRC-TGT`` path prefix (no suffix) for two ISO 639-1 codes, if installed."""
    src, tgt = languages.freedict_code(source), languages.freedict_code(target)
    for folder in dirs:
        prefix = folder / f"freedict-{src}-{tgt}"
        if prefix.with_suffix(".index").is_file() and _data_file(prefix).is_file():
            return prefix
    return None


#: The Debian package that installs a dictionary (the registry's, re-exported).
debian_package = languages.freedict_package


def _data_file(prefix: Path) -> Path:
    dz = prefix.with_name(prefix.name + ".dict.dz")
    return dz if dz.is_file() else prefix.with_name(prefix.name + ".dict")


def source_stamp(prefix: Path) -> str:
    """Size and mtime of both files, so a cache notices an upgraded package."""
    return files_stamp((prefix.with_name(prefix.name + ".index"), _data_file(prefix)))


def files_stamp(paths: Iterable[Path]) -> str:
    """Name, size and mtime of each file: what a cached lexicon was built from."""
    return ",".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in paths)


def read_raw(prefix: Path) -> Iterator[tuple[str, str]]:
    """``(headword, entry text)`` for every entry, metadata (``00database…``) left out."""
    data_path = _data_file(prefix)
    opener = gzip.open if data_path.suffix == ".dz" else open
    with opener(data_path, "rb") as handle:
        data = handle.read()
    seen: set[tuple[str, str]] = set()
    with prefix.with_name(prefix.name + ".index").open(encoding="utf-8") as index:
        for line in index:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or not parts[0] or parts[0].startswith(("00database", "00-database")):
                continue
            headword, offset, length = parts[0], parts[1], parts[2]
            if headword.count(" ") >= MAX_HEADWORD_WORDS:
                continue  # idioms and example sentences: no product title needs them
            if (headword, offset) in seen:
                continue  # one entry listed twice under the same key
            seen.add((headword, offset))
            start = b64_number(offset)
            yield headword, data[start : start + b64_number(length)].decode("utf-8", "replace")


def is_wikdict(prefix: Path) -> bool:
    """WikDict-made dictionaries follow each translation line with a source-language gloss."""
    with prefix.with_name(prefix.name + ".index").open(encoding="utf-8") as index:
        for number, line in enumerate(index):
            if number > 50:
                break  # metadata sorts first (after entries with an empty key, as in deu-fra)
            if line.startswith("00databaseshort") or line.startswith("00-database-short"):
                offset, length = line.rstrip("\n").split("\t")[1:3]
                data_path = _data_file(prefix)
                opener = gzip.open if data_path.suffix == ".dz" else open
                with opener(data_path, "rb") as handle:
                    handle.seek(b64_number(offset))
                    return b"wikdict" in handle.read(b64_number(length)).lower()
    return False


def parse_entry(body: str, wikdict: bool = False) -> tuple[list[Sense], float]:
    """Senses and a frequency prior from one entry's text.

    The first line is the headword with pronunciation and part of speech; then one line
    per sense, possibly numbered (``1. from, of``); ``see:``, ``Note:``, ``Synonyms:`` and
    quoted example lines are noise. In WikDict entries only the numbered (or first) line
    of each sense is a translation, the next one explains it in the source language.
    A sense tagged with a subject area (``[techn.]``) weighs less than a general one, and
    every sense of an entry whose headword is tagged a verb or a proper noun, or that has no
    tag, weighs less.
    """
    lines = body.split("\n")
    prior = 1.5 if _PRIORITY.search(lines[0]) else 1.0  # JMdict's common-word markers
    typed = _TYPED.search(lines[0]) or (len(lines) > 1 and _TYPED.search(lines[1]))
    proper = _PROPER.search(lines[0])
    part_of_speech = (VERB_FACTOR if _VERB.search(lines[0]) else PROPER_NOUN_FACTOR if proper
                      else 1.0 if typed else UNTYPED_FACTOR)
    if proper:
        prior *= PROPER_NOUN_FACTOR  # read backwards, the name's translation meets the common word's
    senses: list[Sense] = []
    body_lines = [line for line in map(_sense_after_note, lines[1:]) if line.strip() and not _NOISE_LINE.match(line)]
    if wikdict:
        texts = _wikdict_translations(body_lines)
    else:
        texts = [m.group(2) if (m := _NUMBERED.match(line)) else line for line in body_lines]
    written = _HEADWORD.match(_TAGS.sub("", lines[0], count=8).lstrip()) if proper else None
    name = written.group(1).strip().casefold() if written else None
    for text in texts:
        glosses = translations(text)
        if name and all(gloss.casefold() == name for gloss in glosses):
            continue  # a name that translates to itself: an unknown word passes unchanged anyway
        if glosses:  # part-of-speech lines ("(noun (common))") clean to nothing
            senses.append((glosses, part_of_speech * (DOMAIN_FACTOR if _DOMAIN.search(text) else 1.0)))
    return senses, prior


def _wikdict_translations(lines: list[str]) -> list[str]:
    """The translation lines of a WikDict entry; the others describe a sense in the source
    language. The files lay senses out in several ways:

    - numbered translations, each followed by its description ("1. lamp" / "urządzenie ...");
    - the same, each description numbered like its translation ("1. mantenimiento" /
      "1. handelingen ..." / "2. entrevista" / "2. een gesprek ...");
    - one unnumbered translation, then its description, numbered or not ("flauta dulce" /
      "1. een eenvoudig houten blaasinstrument");
    - one translation ending in the next sense's number, the later numbers standing alone above
      descriptions ("cable 2." / "(elektryczność) ..." / " 3." / "...").
    """
    if not lines:
        return []
    texts, rest = [], lines
    if not _NUMBERED.match(lines[0]):
        if not _TRAILING_NUMBER.search(lines[0]):
            return lines[:1]
        texts, rest = lines[:1], lines[1:]
    previous = None
    for line in rest:
        numbered = _NUMBERED.match(line)
        if numbered is None or numbered.group(1) == previous or not numbered.group(2).strip():
            continue  # a description (numbered like the translation before it), or a lone number
        previous = numbered.group(1)
        texts.append(numbered.group(2))
    return texts


def _sense_after_note(line: str) -> str:
    """The sense a JMdict note line carries after its note, else the line as it is."""
    found = _NOTE_WITH_SENSE.match(line)
    return found.group(1) if found else line


def read_entries(prefix: Path) -> Iterator[tuple[str, list[Sense], float]]:
    """``(headword, senses, prior)`` for every entry of an installed dictionary.

    The headword is as the entry writes it ("Kaffeemaschine") where that matches the
    index's lower-cased key, else the key: then it is a reading or variant of the entry's
    first form and its prior drops, so that translating into this language prefers 靴 to くつ.
    """
    wikdict = is_wikdict(prefix)
    for key, body in read_raw(prefix):
        senses, prior = parse_entry(body, wikdict)
        if senses:
            written = _HEADWORD.match(_TAGS.sub("", body, count=8).lstrip())
            first = written.group(1).strip() if written else ""
            if first.casefold() == key.casefold():
                yield first, senses, prior
            else:  # a reading or variant ("でんどうはブラシ" for 電動歯ブラシ): not offered first
                yield key, senses, prior * ALTERNATE_FORM_FACTOR
