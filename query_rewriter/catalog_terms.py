"""Which of a dictionary's translations the catalog itself uses.

A bilingual dictionary lists a word's senses in its own order: French "couches" gives "layer"
before "diaper", Dutch "vliegers" "airman" before "kite". A shop that sells diapers and kites
has those words in its titles and categories, and hardly any "airman". Cross-language search
has long used the target collection this way to choose among translations: each English
alternative of a query is weighed by how many of the catalog's products use its words
(``rerank``), so a sense the shop never uses sinks below one it does, while the dictionary's
order still decides among words the shop uses alike.

The counts come from the index (``CatalogTerms``): one ``_termvectors`` request on an artificial
document gives, through the field's own analyzer, the document frequency of every word at once,
so "diapers" and "diaper" count the same. They are read from one shard (a prior, not a
statistic that must be exact) and kept per word for a while; a failed read leaves the
dictionary's order as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from query_rewriter.batch_cache import BatchCache
from translation.compose import ENGLISH_FUNCTION_WORDS

#: Products using a word from which more count the same: the prior asks whether the shop sells
#: such things at all, not which of two common words is more common.
SATURATION_DOCS = 10
#: Weight of a word no product uses, against 1.0 for one that SATURATION_DOCS products use.
FLOOR = 0.4
#: How long a word's count is kept before it is read again (the catalog changes).
TTL_S = 3600.0
CACHE_WORDS = 65536


def word_factor(doc_freq: int) -> float:
    """A weight in [FLOOR, 1.0] growing with the number of products that use a word."""
    share = min(1.0, math.log1p(doc_freq) / math.log1p(SATURATION_DOCS))
    return FLOOR + (1.0 - FLOOR) * share


def content_words(text: str) -> list[str]:
    """The words of an English alternative that are counted: function words carry no product meaning."""
    return [w for w in text.lower().split() if w not in ENGLISH_FUNCTION_WORDS]


def rerank(alternatives: list[tuple[str, float]], doc_freq: dict[str, int]) -> list[tuple[str, float]]:
    """``alternatives`` reweighed by the product of their words' factors and re-sorted, the best
    at 1.0: as if each word's senses had been reweighed before the alternatives were put
    together. Words missing from ``doc_freq`` (not counted) weigh 1."""
    scored = []
    for text, weight in alternatives:
        factors = [word_factor(doc_freq[w]) for w in content_words(text) if w in doc_freq]
        prior = math.prod(factors)
        scored.append((text, weight * prior))
    scored.sort(key=lambda pair: -pair[1])
    top = scored[0][1] if scored and scored[0][1] > 0 else 1.0
    return [(text, round(weight / top, 4)) for text, weight in scored]


@dataclass(frozen=True)
class CatalogLookup:
    """The counts of one index, as one search reads them: ``doc_freq(lang, words)``; and, where
    the search can ask, ``cover(lang, readings)``: the share of each reading's words one product
    title has (:mod:`query_rewriter.catalog_phrases`)."""

    index: str
    doc_freq: Callable[[str, list[str]], dict[str, int]]
    cover: Callable[[str, list[str]], dict[str, float]] | None = None


class CatalogTerms:
    """Document frequencies of words in one index's ``<field>.<lang>`` fields, cached per word.

    ``request(body)`` sends a ``_termvectors`` body to the index and returns the answer (the
    ``Searcher`` passes one that runs within the search's deadline)."""

    def __init__(self, fields: tuple[str, ...] = ("title_i18n", "category_i18n")) -> None:
        self.fields = fields
        self._counts = BatchCache(CACHE_WORDS, TTL_S)

    def doc_freq(self, index: str, lang: str, words: list[str], request) -> dict[str, int]:
        """Per word, the most products any of the fields uses it in (0: none); a word the
        analyzer drops (a stop word) is left out."""
        found = self._counts.get_many((index, lang), words, lambda missing: self._read(lang, missing, request))
        return {w: c for w, c in found.items() if c >= 0}

    def _read(self, lang: str, words: list[str], request) -> dict[str, int]:
        text = "\n".join(words)
        fields = [f"{field}.{lang}" for field in self.fields]
        body = {"doc": {field: {lang: text} for field in self.fields}, "fields": fields,
                "term_statistics": True, "field_statistics": False, "positions": False, "offsets": True}
        answer = request(body)
        # Lucene's offsets count UTF-16 units: the start of each word in those units.
        starts, at = [], 0
        for word in words:
            starts.append(at)
            at += len(word.encode("utf-16-le")) // 2 + 1
        counts: dict[str, int] = {}
        for field in fields:
            per_word: dict[str, int] = {}
            for term in (answer.get("term_vectors", {}).get(field, {}).get("terms") or {}).values():
                for token in term.get("tokens", ()):
                    word = words[_owner(starts, token["start_offset"])]
                    # A word of several terms ("child-oriented") counts as its rarest.
                    per_word[word] = min(per_word.get(word, term.get("doc_freq", 0)), term.get("doc_freq", 0))
            for word, count in per_word.items():
                counts[word] = max(counts.get(word, 0), count)
        # -1 marks a word the analyzer dropped (a stop word), remembered so it is not asked again.
        return {w: counts.get(w, -1) for w in words}


def _owner(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo
