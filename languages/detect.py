"""Language identification for product titles and shopper queries.

Call ``detect_language(text, candidates=settings.catalog_languages, given=product.lang)``.
The order of evidence is: a ``given`` code from the producer, then the writing system
(kana means Japanese, Han without kana Chinese, Hangul Korean, ...), then the
``lingua-language-detector`` statistics among the candidate languages that share the
script. Text too short or too ambiguous to tell gets the default language with a low
confidence, so callers can decide to translate into every catalog language anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from languages.registry import PIVOT, by_script, normalize_code

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["LanguageGuess", "detect_language", "detector", "lingua_codes", "normalize_code", "script_counts"]

Method = Literal["given", "script", "lingua", "default"]

#: What short or ambiguous text is taken to be.
DEFAULT_LANGUAGE = PIVOT
#: Fewer letters than this is too little to tell (e.g. "XL", "42").
MIN_LETTERS = 3
#: Below this top confidence, or this margin over the runner-up, lingua's answer is a guess.
MIN_CONFIDENCE = 0.4
MIN_MARGIN = 0.05
#: Text with fewer letters than ``SHORT_LETTERS`` ("Nike", "Sony") needs ``SHORT_CONFIDENCE``.
SHORT_LETTERS = 5
SHORT_CONFIDENCE = 0.7
#: Confidence reported with a fallback to the default language.
DEFAULT_CONFIDENCE = 0.2

#: Languages written in each non-Latin script, the most likely first (used when no
#: candidate shares the script): the registry's.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    script: by_script(script)
    for script in ("cyrillic", "arabic", "hebrew", "thai", "greek", "hangul", "devanagari", "bengali", "georgian",
                   "armenian", "gujarati", "gurmukhi", "tamil", "telugu")
}

# Unicode character-name prefixes that name each script; Han and kana are handled apart.
_NAME_PREFIX = {
    "LATIN": "latin",
    "CYRILLIC": "cyrillic",
    "ARABIC": "arabic",
    "HEBREW": "hebrew",
    "THAI": "thai",
    "GREEK": "greek",
    "HANGUL": "hangul",
    "DEVANAGARI": "devanagari",
    "BENGALI": "bengali",
    "GEORGIAN": "georgian",
    "ARMENIAN": "armenian",
    "GUJARATI": "gujarati",
    "GURMUKHI": "gurmukhi",
    "TAMIL": "tamil",
    "TELUGU": "telugu",
}
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A detected language: ISO 639-1 ``lang``, ``confidence`` in [0, 1] and how it was found."""

    lang: str
    confidence: float
    method: Method


def script_counts(text: str) -> Counter[str]:
    """Letters per script: ``han``, ``kana`` and the names in ``SCRIPT_LANGUAGES`` plus ``latin``."""
    counts: Counter[str] = Counter()
    for char in text:
        if not char.isalpha():
            continue
        if _KANA.match(char):
            counts["kana"] += 1
        elif _HAN.match(char):
            counts["han"] += 1
        else:
            name = unicodedata.name(char, "")
            script = _NAME_PREFIX.get(name.split(" ", 1)[0])
            if script:
                counts[script] += 1
    return counts


@lru_cache(maxsize=32)
def detector(codes: frozenset[str]) -> LanguageDetector:
    # Building a detector is expensive; one per candidate set is reused for the process.
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = [IsoCode639_1.from_str(code.upper()) for code in sorted(codes)]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()


def lingua_codes(codes: Sequence[str]) -> list[str]:
    """The codes lingua knows, in the order given."""
    from lingua import IsoCode639_1

    known = []
    for code in codes:
        try:
            IsoCode639_1.from_str(code.upper())
        except ValueError:
            continue
        known.append(code)
    return known


def _default(candidates: Sequence[str], confidence: float = DEFAULT_CONFIDENCE) -> LanguageGuess:
    lang = DEFAULT_LANGUAGE if not candidates or DEFAULT_LANGUAGE in candidates else candidates[0]
    return LanguageGuess(lang, round(min(confidence, DEFAULT_CONFIDENCE), 3), "default")


def _with_lingua(text: str, codes: Sequence[str], candidates: Sequence[str]) -> LanguageGuess:
    values = detector(frozenset(codes)).compute_language_confidence_values(text)
    if not values:
        return _default(candidates)
    top = values[0]
    runner_up = values[1].value if len(values) > 1 else 0.0
    lang = top.language.iso_code_639_1.name.lower()
    letters = sum(char.isalpha() for char in text)
    needed = SHORT_CONFIDENCE if letters < SHORT_LETTERS else MIN_CONFIDENCE
    if top.value < needed or top.value - runner_up < MIN_MARGIN:
        return _default(candidates, top.value)
    return LanguageGuess(lang, round(float(top.value), 3), "lingua")


def detect_language(
    text: str,
    candidates: Sequence[str] | None = None,
    given: str | None = None,
) -> LanguageGuess:
    """Guess the language of ``text``.

    ``candidates`` are the languages worth telling apart among Latin-script (or other
    shared-script) text, usually ``settings.catalog_languages``; ``None`` means the
    settings' catalog languages. ``given`` (a producer's ``lang`` field) wins outright.
    A non-Latin script names its language even when it is not a candidate (a Russian
    query is reported as ``"ru"``, not forced into the catalog).
    """
    if given and given.strip():
        return LanguageGuess(normalize_code(given), 1.0, "given")
    if candidates is None:
        from common.settings import get_settings

        candidates = get_settings().catalog_languages
    cands = [normalize_code(c) for c in candidates]

    counts = script_counts(text)
    letters = sum(counts.values())
    if letters == 0:
        return _default(cands)
    # Han, kana and Hangul decide even next to Latin brand names ("Nike 跑鞋").
    if counts["kana"]:
        return LanguageGuess("ja", 0.99, "script")
    if counts["han"]:
        if "zh" not in cands and "ja" in cands:
            return LanguageGuess("ja", 0.6, "script")  # kanji-only Japanese in a ja catalog
        return LanguageGuess("zh", 0.95 if counts["han"] >= 2 else 0.8, "script")
    if counts["hangul"]:
        return LanguageGuess("ko", 0.99, "script")

    script, n = max(counts.items(), key=lambda item: item[1])
    if letters < MIN_LETTERS:
        return _default(cands)
    if script == "latin":
        return _detect_latin(text, cands)
    langs = SCRIPT_LANGUAGES.get(script, ())
    same_script = [c for c in cands if c in langs]
    confidence = round(0.9 * n / letters, 3)
    if len(same_script) == 1:
        return LanguageGuess(same_script[0], confidence, "script")
    if len(same_script) > 1 and len(codes := lingua_codes(same_script)) > 1:
        return _with_lingua(text, codes, cands)
    if langs:
        return LanguageGuess(langs[0], confidence if len(langs) == 1 else round(confidence * 0.8, 3), "script")
    return _default(cands)


def _detect_latin(text: str, cands: Sequence[str]) -> LanguageGuess:
    non_latin = {lang for langs in SCRIPT_LANGUAGES.values() for lang in langs} | {"zh", "ja"}
    latin = [c for c in cands if c not in non_latin]
    if not latin:
        return _default(cands)
    if len(latin) == 1:
        return LanguageGuess(latin[0], 0.7, "script")
    codes = lingua_codes(latin)
    if len(codes) < 2:
        return LanguageGuess(codes[0] if codes else latin[0], 0.6, "script")
    return _with_lingua(text, codes, cands)
