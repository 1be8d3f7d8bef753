"""Which of a query's English readings the catalog has as a whole.

The catalog prior (:mod:`query_rewriter.catalog_terms`) weighs each word of a reading alone, so
two readings whose words are each common in the shop weigh alike even when only one of them
names a thing the shop sells: German "Schuhe Leder" reads "shoes skin" first and "shoes
leather" second, and a shop selling leather shoes and skin cream has every word in some
title. A reading whose words one product title has together is a thing the shop sells; one
whose words never meet in a title mixes senses.

``CatalogPhrases.cover`` reads, for each reading, the largest share of its words that one
product's title has: one ``_msearch`` with a query per reading, each word a constant-score
clause, so the top hit's score counts the reading's words that product has. Shares are kept per
reading for a while. ``by_cover`` then orders the readings the query vector is built from by
that share first and the prior second. The lexical query keeps the prior's order: a reading a
title has whole is not always the shopper's (the lexical query already scores the words).
"""

from __future__ import annotations

import math

from query_rewriter.batch_cache import BatchCache
from query_rewriter.catalog_terms import content_words

#: The field whose titles are asked; the pivot language's sub-field of it.
TITLE_FIELD = "title_i18n"
#: Weight of the prior's log against the share: ties in share go to the prior, and only a
#: prior far below the best outweighs a word more in one title.
PRIOR_SHARE = 0.05
#: Readings pooled however one stands out: a single reading's vector follows its one sense too far.
MIN_READINGS = 2
TTL_S = 3600.0
CACHE_READINGS = 65536


def cover_body(words: list[str], field: str) -> dict:
    """A search whose top hit's score is the number of ``words`` that product's ``field`` has."""
    clauses = [{"constant_score": {"filter": {"match": {field: {"query": word, "operator": "and"}}}, "boost": 1.0}}
               for word in words]
    return {"size": 1, "_source": False, "track_total_hits": False, "query": {"bool": {"should": clauses}}}


def by_cover(pairs: list[tuple[str, float]], cover: dict[str, float], limit: int) -> list[str]:
    """The texts of ``pairs`` (text, prior weight; best first) a query vector is built from:
    those whose share in ``cover`` is the best, and never fewer than ``MIN_READINGS`` nor more
    than ``limit``, ordered by share plus a small share of the prior's log (a text without a
    share counts as none of its words found)."""
    def score(pair: tuple[str, float]) -> float:
        text, weight = pair
        return cover.get(text, 0.0) + PRIOR_SHARE * math.log(max(weight, 1e-6))

    ordered = [text for text, _ in sorted(pairs, key=score, reverse=True)]
    best = cover.get(ordered[0], 0.0) if ordered else 0.0
    whole = [text for text in ordered if cover.get(text, 0.0) >= best]
    return (whole if len(whole) >= MIN_READINGS else ordered[:MIN_READINGS])[:limit]


class CatalogPhrases:
    """Per English reading, the largest share of its words one product title of an index has,
    cached per reading. ``request(lines)`` sends an ``_msearch`` body and returns its answer
    (the ``Searcher`` passes one that runs within the search's deadline)."""

    def __init__(self, field: str = TITLE_FIELD) -> None:
        self.field = field
        self._shares = BatchCache(CACHE_READINGS, TTL_S)

    def cover(self, index: str, lang: str, readings: list[str], request) -> dict[str, float]:
        """Each reading's share in [0, 1]; a reading without content words is left out, and so
        is every reading not yet known when the index cannot answer."""
        askable = [r for r in readings if content_words(r)]
        return self._shares.get_many((index, lang), askable, lambda missing: self._read(lang, missing, request))

    def _read(self, lang: str, readings: list[str], request) -> dict[str, float]:
        field = f"{self.field}.{lang}"
        lines: list[dict] = []
        words_of = {r: list(dict.fromkeys(content_words(r))) for r in readings}
        for reading in readings:
            lines += [{}, cover_body(words_of[reading], field)]
        answer = request(lines)
        responses = answer.get("responses") or []
        out: dict[str, float] = {}
        # A short answer leaves the readings it lacks unknown, like an error does.
        for reading, response in zip(readings, responses, strict=False):
            if "error" in response or (response.get("_shards") or {}).get("failed"):
                continue  # not known: the prior alone places it, and it is asked again next time
            hits = (response.get("hits") or {}).get("hits") or []
            best = float(hits[0].get("_score") or 0.0) if hits else 0.0
            out[reading] = min(1.0, best / len(words_of[reading]))
        return out
