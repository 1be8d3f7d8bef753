"""How common a word is, to rank dictionary translations ("black" over "blackly").

Uses the optional PyPI package ``wordfreq`` (Zipf scale: 0 unknown .. ~7 for "the"); without
it every word counts the same and dictionaries fall back on their own evidence.
``frequency_factor("schwarz", "de")`` is a weight in [0.35, 1.0].
"""

from __future__ import annotations

import math
from functools import lru_cache

#: Zipf value of the most frequent words; anything above counts the same.
MAX_ZIPF = 7.0
#: Weight of a word wordfreq has never seen, against 1.0 for the most frequent ones.
FLOOR = 0.35


@lru_cache(maxsize=16)
def _table(lang: str) -> dict[str, float] | None:
    try:
        import wordfreq
    except ImportError:
        return None
    if lang not in wordfreq.available_languages(wordlist="best"):
        return None
    return wordfreq.get_frequency_dict(lang, wordlist="best")


def release() -> None:
    """Forget the loaded frequency tables (tens of MB each); they are reloaded when needed."""
    _table.cache_clear()


def available(lang: str) -> bool:
    """Whether frequencies are known for ``lang``."""
    return _table(lang) is not None


def stamp() -> str:
    """Names the frequency source, so caches built with and without it differ."""
    try:
        from importlib.metadata import version

        return f"wordfreq-{version('wordfreq')}"
    except Exception:  # any failure means no wordfreq
        return "no-wordfreq"


def zipf(text: str, lang: str) -> float | None:
    """Zipf frequency of a word or phrase; ``None`` when no frequencies exist for ``lang``.

    A phrase ("coffee maker") scores the mean of its words less 0.5 per extra word, a
    gentler rule than wordfreq's own (the product), which buries every phrase.
    """
    table = _table(lang)
    if table is None:
        return None
    key = text.casefold()
    if key in table:
        return math.log10(table[key] * 1e9)
    words = key.split()
    if len(words) < 2:
        return 0.0
    scores = [math.log10(table[w] * 1e9) if w in table else 0.0 for w in words]
    return max(0.0, sum(scores) / len(scores) - 0.5 * (len(words) - 1))


def frequency_factor(text: str, lang: str) -> float:
    """A weight in [FLOOR, 1.0] growing with how common ``text`` is in ``lang`` (1.0 if unknown)."""
    value = zipf(text, lang)
    if value is None:
        return 1.0
    return FLOOR + (1.0 - FLOOR) * min(value, MAX_ZIPF) / MAX_ZIPF
