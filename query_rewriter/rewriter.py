"""``rewrite(text)``: detect the shopper's language, translate into every catalog language,
expand synonyms, embed, and build the OpenSearch request.

A ``Rewriter`` keeps its models and an LRU of recent rewrites, so a repeated query costs a
dictionary lookup. The lexical part of the request is fitted to the cluster's boolean clause
limit (:mod:`query_rewriter.clause_budget`); what had to be left out is in ``degraded``.

(This module is ``rewriter``, not ``rewrite``: a submodule named like the package's exported
``rewrite`` function would replace it as the package attribute once imported.)
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable

import numpy as np
from cachetools import LRUCache

from common.lazy_models import LazyModels
from common.settings import PIVOT_LANGUAGE, Settings, get_settings
from languages.registry import companion_covers, query_languages
from query_rewriter.builder import request_body
from query_rewriter.catalog_phrases import by_cover
from query_rewriter.catalog_terms import CatalogLookup, content_words, rerank
from query_rewriter.clause_budget import STOCK_CLAUSE_LIMIT, fit
from query_rewriter.contracts import MODES, ExpansionTerm, Filters, LexicalShape, QueryError, RewrittenQuery, WeightedText
from query_rewriter.normalize import normalize_query
from query_rewriter.query_language import detect_query_language
from query_rewriter.terms import TermCounter
from translation.base import TranslationError

CACHE_SIZE = 4096
#: Rewritten once before serving: Latin words of five letters and more, because lingua reads its
#: models for an n-gram length on the first text that has such n-grams, and a first query that
#: brought the five-letter ones waited seconds for them.
WARM_UP_TEXT = "warming up: waterproof hiking boots"
#: Weight of a runner-up language's translations against the detected language's.
HEDGE_WEIGHT = 0.5
#: English readings (after the catalog prior) among which the catalog's titles choose those the
#: query vector pools, per reading it pools: the prior's top few mostly vary one word's sense.
READINGS_PER_VECTOR_SLOT = 2


def translation_trust(coverage: float, english: list[str]) -> float:
    """How far the English alternatives can be trusted, 0..1: the share of the query's words
    the translator knows (``Translator.coverage``); nothing when nothing was translated.

    An unsure language guess does not lower it: the original's vector is no better a reading
    of a query whose language was guessed (docs/relevance.md, round 14), and the guess's
    runner-ups are already searched beside it."""
    return coverage if english else 0.0


class Rewriter(LazyModels):
    """Holds the encoder, the translator and a cache; ``rewrite`` is thread-safe.

    ``clause_limit`` is the cluster's ``indices.query.bool.max_clause_count`` (the ``Searcher``
    reads it from the cluster and passes it per call); the stock default otherwise."""

    def __init__(self, settings: Settings | None = None, *, encoder=None, translator=None,
                 clause_limit: int = STOCK_CLAUSE_LIMIT, expand_synonyms: bool = True) -> None:
        super().__init__(settings or get_settings(), encoder=encoder, translator=translator)
        self.clause_limit = clause_limit
        self.expand_synonyms = expand_synonyms  # off: reference runs that measure translation alone
        self._terms = TermCounter(self.settings.synonyms_dir)
        # The widest lexical query sent; the clause budget narrows it further where it must.
        self._lexical_shape = LexicalShape(alternatives=self.settings.lexical_translations)
        self._cache: LRUCache[str, RewrittenQuery] = LRUCache(maxsize=CACHE_SIZE)
        # Per query text, and per list of alternatives (keyed "\x1f"-joined, led by "\x1f", which
        # normalized text never holds); shared by all modes.
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(maxsize=CACHE_SIZE)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe: a read reorders them
        self.cache_hits = 0

    def warm_up(self) -> None:
        """Load what a first query would otherwise wait for: the encoders, the catalog's
        dictionaries and every n-gram model of language identification."""
        self.rewrite(WARM_UP_TEXT, mode="hybrid")

    def check_paging(self, size: int, from_: int) -> None:
        s = self.settings
        if not 1 <= size <= s.search_max_size:
            msg = f"size={size} is out of range: ask for 1 to {s.search_max_size} hits per page."
            raise QueryError(msg)
        if from_ < 0 or from_ + size > s.search_max_depth:
            msg = (f"from={from_} with size={size} goes past hit {s.search_max_depth}: page less deep, or raise "
                   "BABELSHOP_SEARCH_MAX_DEPTH.")
            raise QueryError(msg)

    def validate(self, text: str | None, *, mode: str, size: int, from_: int) -> str:
        """The normalized text, or a QueryError naming what is wrong with the input (mode, paging,
        nothing to search); no model or cluster work, so bad input fails fast and first."""
        if mode not in MODES:
            msg = f"Unknown mode '{mode}': use one of {', '.join(MODES)}."
            raise QueryError(msg)
        self.check_paging(size, from_)
        return normalize_query(text)

    def rewrite(self, text: str, lang: str | None = None, *, mode: str = "hybrid", size: int = 10, from_: int = 0,
                filters: Filters | None = None, clause_limit: int | None = None,
                catalog: CatalogLookup | None = None) -> RewrittenQuery:
        """``catalog`` (the ``Searcher`` passes one per index) weighs the English alternatives
        by the catalog's own use of their words; without it the dictionary's order stands."""
        limit = clause_limit or self.clause_limit
        normalized = self.validate(text, mode=mode, size=size, from_=from_)
        if not self.settings.catalog_prior:
            catalog = None
        key = json.dumps([normalized, lang, mode, size, from_, filters.model_dump() if filters else None, limit,
                          catalog.index if catalog else None])
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self.cache_hits += 1
                return cached.model_copy(update={"text": _printable(text)})
        rewritten = self._rewrite(text, normalized, lang, mode=mode, size=size, from_=from_, filters=filters,
                                  clause_limit=limit, catalog=catalog)
        with self._lock:
            self._cache[key] = rewritten
        return rewritten

    def _rewrite(self, text: str, normalized: str, lang: str | None, *, mode: str, size: int, from_: int,
                 filters: Filters | None, clause_limit: int, catalog: CatalogLookup | None) -> RewrittenQuery:
        languages = self.settings.catalog_languages
        detected = detect_query_language(normalized, languages, self.query_languages, self.translator, given=lang)
        guess = detected.guess
        translations, english = self._translate(normalized, guess.lang, languages, catalog=catalog)
        if not detected.sure and guess.lang != PIVOT_LANGUAGE:
            # Unsure of the language: the runner-ups' readings are searched too, weighed less
            # (not for a guess of English, the catalog's own words: "case" is no French hut).
            for hedge in detected.hedges:
                extra, extra_english = self._translate(normalized, hedge, languages, weight=HEDGE_WEIGHT,
                                                       catalog=catalog)
                for target, alts in extra.items():
                    merged = translations.setdefault(target, [])
                    seen = {a.text.lower() for a in merged}
                    merged.extend(a for a in alts if a.text.lower() not in seen)
                english += [e for e in extra_english if e not in english]
        synonyms = self._synonyms(normalized, guess.lang, languages, translations)
        trust = translation_trust(self._coverage(normalized, guess.lang), english)
        q = RewrittenQuery(text=_printable(text), normalized=normalized, lang=guess.lang, lang_confidence=guess.confidence,
                           lang_method=guess.method, lang_hedges=list(detected.hedges), translations=translations,
                           synonyms=synonyms, mode=mode, translation_trust=round(trust, 3))
        if mode != "bm25":
            readings = english[: self.encoder.max_alternatives]
            q.embedding = self._embed(normalized, guess.lang, readings, trust)
            if guess.lang != PIVOT_LANGUAGE and trust > 0.0:
                q.vector_readings = readings
        if mode != "vector":  # the vector mode sends no lexical query
            q.shape, q.clause_estimate, q.degraded = fit(q, languages, clause_limit, filters, self._terms,
                                                         start=self._lexical_shape)
            q.clause_limit = clause_limit
        depth = min(self.settings.knn_candidates, self.settings.search_max_depth)
        q.body, q.clause_names = request_body(q, mode=mode, size=size, from_=from_, depth=depth,
                                              languages=languages, filters=filters,
                                              track_total_hits=self.settings.track_total_hits)
        return q

    def _coverage(self, text: str, lang: str) -> float:
        if lang == PIVOT_LANGUAGE:
            return 1.0
        try:
            return self.translator.coverage(text, lang, PIVOT_LANGUAGE)
        except (TranslationError, AttributeError):
            return 1.0  # a translator that cannot say is taken at its word, as before

    @property
    def query_languages(self) -> tuple[str, ...]:
        """The languages a query is told apart among: the catalog's and every one with a dictionary."""
        return self.settings.query_languages or query_languages(self.settings.catalog_languages)

    def _translate(self, normalized: str, source: str, languages: tuple[str, ...], *, weight: float = 1.0,
                   catalog: CatalogLookup | None = None) -> tuple[dict[str, list[WeightedText]], list[str]]:
        """The query in every catalog language but its own, and its English alternatives (as
        many as the encoder pools, chosen among four times as many by the catalog's use of
        their words where ``catalog`` is given: the dictionary's top alternatives of a
        multi-word query mostly vary one word's sense). Where the catalog can also say which
        readings one of its titles has whole, the query vector's readings are those, among
        twice as many as it pools; the lexical query keeps the prior's order. Pairs without a
        dictionary or model are left out."""
        translations: dict[str, list[WeightedText]] = {}
        english: list[str] = []
        lexical = self.settings.translation_candidates
        for target in languages:
            if target == source:
                continue
            wanted = max(lexical, self.encoder.max_alternatives) if target == PIVOT_LANGUAGE else lexical
            weigh_by_catalog = catalog is not None and target == PIVOT_LANGUAGE
            try:
                alts = self.translator.translate(normalized, source, target,
                                                 max_candidates=4 * wanted if weigh_by_catalog else wanted)
            except TranslationError:
                # No dictionary or model for this pair (e.g. an Arabic query): search the
                # original text and its vector; the other pairs still translate.
                continue
            pairs = [(a.text, a.weight) for a in alts
                     if a.text.strip() and a.text.strip().lower() != normalized.lower()]
            readings = pairs
            if weigh_by_catalog and len(pairs) > 1:
                readings = self._by_catalog(pairs, target, catalog)[: READINGS_PER_VECTOR_SLOT * wanted]
                pairs = readings[:wanted]
            kept = [WeightedText(text=text, weight=round(w * weight, 4), rank=i) for i, (text, w) in enumerate(pairs)]
            if kept:
                translations[target] = kept[:lexical]
            if target == PIVOT_LANGUAGE:
                english = self._by_cover(readings, target, catalog, wanted) if weigh_by_catalog \
                    else [a.text for a in kept]
        return translations, english

    @staticmethod
    def _by_catalog(pairs: list[tuple[str, float]], lang: str, catalog: CatalogLookup) -> list[tuple[str, float]]:
        counts = catalog.doc_freq(lang, [w for text, _ in pairs for w in content_words(text)])
        return rerank(pairs, counts) if counts else pairs

    @staticmethod
    def _by_cover(readings: list[tuple[str, float]], lang: str, catalog: CatalogLookup, limit: int) -> list[str]:
        """The readings the query vector is built from: those most of whose words one of the
        catalog's titles has, or the prior's first where the catalog cannot say."""
        cover = catalog.cover(lang, [text for text, _ in readings]) if catalog.cover and len(readings) > 1 else {}
        return by_cover(readings, cover, limit) if cover else [text for text, _ in readings[:limit]]

    def _synonyms(self, text: str, lang: str, languages: tuple[str, ...],
                  translations: dict[str, list[WeightedText]]) -> dict[str, list[ExpansionTerm]]:
        from query_rewriter.synonyms import expand

        if not self.expand_synonyms:
            return {}
        try:
            expanded = expand(text, lang, languages=languages, settings=self.settings)
        except TranslationError:
            return {}  # no resources for this language: the query still runs unexpanded
        out: dict[str, list[ExpansionTerm]] = {}
        for target, terms in expanded.items():
            seen = {t.text.lower() for t in translations.get(target, [])} | {text.lower()}
            kept = [ExpansionTerm(text=e.text, weight=e.weight, source=e.source) for e in terms
                    if e.text.lower() not in seen]
            if kept:
                out[target] = kept
        return out

    def _embed(self, text: str, lang: str, alternatives: list[str], trust: float = 1.0) -> list[float]:
        """The query vector. Documents are embedded in the pivot language (English), so the
        query's English alternatives are embedded too ("trunk, suitcase, valise" for "maleta",
        pooled as the encoder pools alternatives best) and mixed with the original's vector,
        which carries what the dictionary missed, in the configured shares. Where nothing was
        translated (``trust`` 0) the original's vector is the query vector. A partly translated
        query keeps the same shares: the original's vector reads the words the dictionary
        lacked no better than the translation does (docs/relevance.md, round 15). For a
        language the companion encoder was not trained on, the original is embedded by the
        primary encoder alone: the companion's reading of it would be noise."""
        covered = companion_covers(lang)
        encoder = self.encoder if covered else self._primary
        original_key = ("" if covered else "\x1e") + text
        if lang == PIVOT_LANGUAGE or not alternatives or trust <= 0.0:
            return _rounded(self._cached_vector(original_key, lambda: encoder.encode_queries([text])[0]))
        english_key = "\x1f".join(["", *alternatives])
        with self._lock:
            original, english = self._vectors.get(original_key), self._vectors.get(english_key)
        if original is None and english is None and covered:
            # A query seen for the first time: both vectors from one pass of each model.
            original, english = self.encoder.encode_query_and_alternatives(text, alternatives)
            with self._lock:
                self._vectors[original_key], self._vectors[english_key] = original, english
        else:
            original = self._cached_vector(original_key, lambda: encoder.encode_queries([text])[0])
            english = self._cached_vector(english_key, lambda: self.encoder.encode_alternatives([alternatives])[0])
        w = self.settings.query_vector_original_weight
        mixed = w * original + (1.0 - w) * english
        norm = float(np.linalg.norm(mixed))
        return _rounded(mixed / norm if norm > 0 else english)

    @property
    def _primary(self):
        from encoders import primary_only

        return primary_only(self.encoder)

    def _cached_vector(self, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """The vector stored under ``key`` (a query text, or its alternatives), computing it once."""
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                return found
        vector = np.asarray(compute(), dtype=np.float32)
        with self._lock:
            self._vectors[key] = vector
        return vector


def _rounded(vec: np.ndarray) -> list[float]:
    # Six decimals keep the request body short; numpy rounds the whole vector in one call, where
    # a Python round() per component was a visible part of a first-sight query.
    return np.round(np.asarray(vec, dtype=np.float64), 6).tolist()


def _printable(text: str) -> str:
    # Lone surrogates (from bad UTF-8 on a command line) cannot be serialized: make them U+FFFD.
    return str(text).encode("utf-8", "replace").decode("utf-8")


@functools.cache
def default_rewriter() -> Rewriter:
    """The process-wide ``Rewriter``, built from the environment's settings on first use."""
    return Rewriter()


def rewrite(text: str, lang: str | None = None, **options: object) -> RewrittenQuery:
    """Rewrite with the process-wide ``Rewriter`` (``default_rewriter``)."""
    return default_rewriter().rewrite(text, lang, **options)  # type: ignore[arg-type]
