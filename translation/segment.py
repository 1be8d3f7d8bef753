"""Cut text into dictionary terms: words and phrases, Chinese/Japanese runs, German compounds.

``tokenize("Nike 跑鞋, schwarz")`` gives word, CJK-run and punctuation tokens.
``max_match("男士跑鞋", known)`` cuts a CJK run by maximum matching against dictionary
headwords (forward and backward, keeping the cut with fewer pieces).
``split_compound("damenlaufschuhe", known)`` finds known parts of an unknown German compound.
``combine(options, k)`` picks the ``k`` best translations of a sequence of segments.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Literal

#: Han, kana and the iteration mark; not the middle dot "・", which separates the items of a list
#: ("ハンマー・電動ハンマー") like a comma and is punctuation, not a word to translate.
CJK_CLASS = r"\u3005\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_TOKEN = re.compile(
    rf"(?P<cjk>[{CJK_CLASS}]+)"
    rf"|(?P<word>(?:(?![{CJK_CLASS}])[^\W_])+(?:[-'’.](?:(?![{CJK_CLASS}])[^\W_])+)*)"
    r"|(?P<other>\S)"
)
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")


@dataclass(slots=True)
class Segment:
    """A source term and its translations (itself with weight 1.0 when unknown)."""

    source: str
    options: list[tuple[str, float]]
    known: bool
    kind: str = "word"


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of input: a ``word`` (letters/digits), a ``cjk`` run, or ``other`` (punctuation)."""

    text: str
    kind: Literal["word", "cjk", "other"]


@functools.lru_cache(maxsize=16384)
def tokenize(text: str) -> tuple[Token, ...]:
    """Words, CJK runs and single punctuation marks, in order; whitespace dropped. Remembered:
    a text is cut once for each language it is translated into."""
    return tuple(Token(match.group(), match.lastgroup) for match in _TOKEN.finditer(text))  # type: ignore[arg-type]


def is_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese or Japanese character."""
    return bool(_CJK_CHAR.search(text))


def is_katakana(text: str) -> bool:
    """Whether ``text`` is all katakana (the long-vowel mark included, the middle dot "・" not)."""
    return bool(text) and all(("\u30a0" <= ch <= "\u30ff" and ch != "\u30fb") or "\u31f0" <= ch <= "\u31ff"
                              for ch in text)


def _forward(run: str, known: Callable[[str], bool], max_len: int) -> list[str]:
    pieces, i = [], 0
    while i < len(run):
        for j in range(min(len(run), i + max_len), i, -1):
            if j - i == 1 or known(run[i:j]):
                pieces.append(run[i:j])
                i = j
                break
    return pieces


def _backward(run: str, known: Callable[[str], bool], max_len: int) -> list[str]:
    pieces, j = [], len(run)
    while j > 0:
        for i in range(max(0, j - max_len), j):
            if j - i == 1 or known(run[i:j]):
                pieces.append(run[i:j])
                j = i
                break
    return pieces[::-1]


def max_match(run: str, known: Callable[[str], bool], max_len: int = 8) -> list[str]:
    """Cut a CJK run into the longest known pieces; unknown characters are grouped together.

    Forward and backward maximum matching both run; the cut with fewer pieces wins, then
    the one with fewer unknown single characters (backward on a tie, it errs less in Chinese).
    """

    def cost(pieces: list[str]) -> tuple[int, int, int]:
        # A katakana word of one or two characters is mostly a fragment of a longer loanword the
        # dictionary lacks ("トイ/レシート", toy + receipt, for "トイレ/シート", toilet sheet).
        short_kana = sum(1 for p in pieces if len(p) <= 2 and is_katakana(p))
        return len(pieces), sum(1 for p in pieces if len(p) == 1 and not known(p)), short_kana

    forward, backward = _forward(run, known, max_len), _backward(run, known, max_len)
    best = forward if cost(forward) < cost(backward) else backward
    grouped: list[str] = []
    for piece in best:
        # Unknown characters in a row are a name or loanword ("ナイキ"): keep them as one.
        if grouped and not known(piece) and not known(grouped[-1]):
            grouped[-1] += piece
        else:
            grouped.append(piece)
    return _absorb_kana_fragments(grouped, known)


def _absorb_kana_fragments(pieces: list[str], known: Callable[[str], bool]) -> list[str]:
    """Short katakana pieces next to an unknown katakana piece joined to it: the dictionary lacks
    the loanword, and its syllables read one by one are noise ("デュ/プリ/ケ/ター" for
    "duplicator" reads "pre K"). Longer known neighbours stay apart, so "テザー/ボール" keeps
    "ball"; the loanword passes as the shopper wrote it."""
    merged = list(pieces)
    i = 0
    while i < len(merged):
        if known(merged[i]) or not is_katakana(merged[i]):
            i += 1
            continue
        lo, hi = i, i
        while lo > 0 and _kana_fragment(merged[lo - 1], known):
            lo -= 1
        while hi + 1 < len(merged) and _kana_fragment(merged[hi + 1], known):
            hi += 1
        merged[lo : hi + 1] = ["".join(merged[lo : hi + 1])]
        i = lo + 1
    return merged


def _kana_fragment(piece: str, known: Callable[[str], bool]) -> bool:
    return is_katakana(piece) and (len(piece) <= 2 or not known(piece))


def split_compound(word: str, known: Callable[[str], bool], min_part: int = 3, max_parts: int = 3) -> list[str] | None:
    """Known parts of a compound ("damenlaufschuhe" -> ["damen", "laufschuhe"]), or ``None``.

    Fewest parts win, then the longest last part (the head of a German compound). ``known``
    should accept linking elements ("arbeits" for "Arbeit") and inflections.
    """
    n = len(word)
    # best[i]: the best split of word[:i] as (parts, list of parts).
    best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(min_part, n + 1):
        for start in range(0, end - min_part + 1):
            prefix = best[start]
            if prefix is None or prefix[0] >= max_parts:
                continue
            part = word[start:end]
            if not known(part):
                continue
            candidate = (prefix[0] + 1, [*prefix[1], part])
            current = best[end]
            if current is None or _better(candidate, current):
                best[end] = candidate
    result = best[n]
    return result[1] if result and result[0] > 1 else None


def _better(a: tuple[int, list[str]], b: tuple[int, list[str]]) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    return len(a[1][-1]) > len(b[1][-1])


def combine(options: list[list[tuple[str, float]]], k: int) -> list[tuple[list[str], float]]:
    """The ``k`` best choices of one option per slot, by product of weights (exact beam)."""
    beams: list[tuple[list[str], float]] = [([], 1.0)]
    for slot in options:
        if not slot:
            continue
        if len(slot) == 1:
            # One option scales every beam alike: their order stands, no sort needed.
            text, w = slot[0]
            beams = [([*parts, text], weight * w) for parts, weight in beams]
            continue
        expanded = [([*parts, text], weight * w) for parts, weight in beams for text, w in slot[:k]]
        expanded.sort(key=_weight, reverse=True)  # stable, as sorting by the negated weight was
        beams = expanded[:k]
    return beams


_weight = itemgetter(1)
