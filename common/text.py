"""Text helpers every side shares: the normal form of dictionary and synonym terms, a stable
hash, a light plural fold, the words thesauri never look up, and taxonomy paths. Language facts
(codes, scripts, the pivot language, CJK) live in :mod:`languages.registry`."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")

#: Words never looked up ("in" is a WordNet noun: inch), nor used as CC-CEDICT links.
#: Audience and colour words too: "women" -> "adult female", "blue" -> "blue sky", 红色 -> 革命 find nothing to buy.
_STOPWORDS = """a an and the of for in on at to by with from or without new set pack size inch cm mm
men mens man women womens woman ladies lady kids kid boys boy girls girl baby unisex
black white red blue green yellow pink grey gray brown orange purple silver gold beige
男 女 男士 女士 男款 女款 儿童 红色 黑色 白色 蓝色 绿色 黄色 粉色 粉红色 灰色 紫色 棕色 橙色 银色 金色"""
STOPWORDS = frozenset(_STOPWORDS.split())


@lru_cache(maxsize=1 << 20)
def normalize_term(text: str) -> str:
    """The form dictionary keys are stored and looked up in: NFKC, casefolded, single spaces."""
    if text.isascii():
        lowered = text.lower()
        return lowered if "  " not in lowered and lowered == lowered.strip() else _SPACES.sub(" ", lowered).strip()
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2010", "-").replace("’", "'")
    return _SPACES.sub(" ", text).strip()


def hash_text(text: str) -> int:
    """A hash stable across processes (``hash()`` of a str is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def fold_plural(key: str, by_chars: bool) -> str:
    """A light plural fold, so "running shoe" finds the rule for "running shoes" (not for
    languages written without spaces)."""
    if by_chars:
        return key
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in key.split())


def category_leaf(category: str | None) -> str | None:
    """The last segment of a "A > B > C" taxonomy path."""
    if not category:
        return None
    return category.split(">")[-1].strip() or None


def category_top(category: str | None) -> str | None:
    """The first segment of a "A > B > C" taxonomy path (the category facet counts it)."""
    if not category:
        return None
    return category.split(">")[0].strip() or None
