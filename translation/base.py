"""What every translator offers: weighted alternatives for a text, one or many at a time.

A subclass implements ``_translate_batch``; callers use ``translate`` and ``translate_many``::

    translator.translate("跑鞋", "zh", "en")
    # [Translation(text='running shoes', weight=1.0), Translation(text='jogging shoes', weight=0.6)]

Results are cached per ``(text, source, target)`` in a bounded LRU, so the indexer and the
query rewriter can ask again for free.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cachetools import LRUCache

from languages.registry import normalize_code
from translation.lexicon import Lexicon

#: Results kept per translator instance.
DEFAULT_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class Translation:
    """One alternative: the translated ``text`` and its ``weight`` in (0, 1], the best being 1.0."""

    text: str
    weight: float


class TranslationError(RuntimeError):
    """A translator cannot work: a missing dictionary, model or package. The message says the fix."""


class LruCache:
    """A thread-safe LRU mapping with a fixed capacity that counts its hits and misses.

    cachetools' ``LRUCache`` is not thread-safe (a read reorders it), and one translator serves
    every thread of a worker or service, hence the lock."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: LRUCache[tuple[str, str, str, int], list[Translation]] = LRUCache(maxsize=max(capacity, 1))
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str, str, int]) -> list[Translation] | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self.hits += 1
            return value

    def put(self, key: tuple[str, str, str, int], value: list[Translation]) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._data[key] = value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class Translator(ABC):
    """Translates between ISO 639-1 language codes, returning weighted alternatives best first."""

    #: A stable name for logs and caches, e.g. ``"dictionary"`` or ``"transformers:opus-mt-zh-en"``.
    id: str = "translator"

    def __init__(self, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.cache = LruCache(cache_size)

    def supports(self, source: str, target: str) -> bool:
        """Whether this translator can translate ``source`` to ``target`` (checked without translating)."""
        return True

    def lexicon_for(self, source: str, target: str) -> Lexicon | None:
        """The word list this translator reads ``source`` -> ``target`` with, or None when it
        has none (a model translator, a pair without a dictionary). Query language detection
        lets dictionaries vote with it."""
        return None

    def preload(self, languages: Iterable[str] | None = None, *, build: bool = True) -> tuple[str, ...]:
        """Load now what translating between English and ``languages`` needs, so that the first
        query in each does not wait for it; returns the languages loaded. ``build=False``
        reads only what is cached, and builds nothing. A model translator loads its pairs as
        they are used, and loads nothing here."""
        return ()

    def coverage(self, text: str, source: str, target: str) -> float:
        """The share of ``text``'s words this translator knows in ``source``, 0..1: how far its
        translation can be trusted. A model translates every word; dictionaries override this."""
        return 1.0 if self.supports(source, target) else 0.0

    def translate(self, text: str, source: str, target: str, max_candidates: int = 3) -> list[Translation]:
        """Up to ``max_candidates`` translations of ``text``, best first with weight 1.0."""
        return self.translate_many([text], source, target, max_candidates)[0]

    def translate_many(
        self, texts: Sequence[str], source: str, target: str, max_candidates: int = 3
    ) -> list[list[Translation]]:
        """Translate a batch; one list of alternatives per text, in order.

        Cached texts are answered from the cache; the rest go to the backend in one batch.
        The same source and target language returns each text itself with weight 1.0.
        """
        if max_candidates < 1:
            msg = f"max_candidates={max_candidates} asks for no translation at all: pass 1 or more."
            raise ValueError(msg)
        src, tgt = normalize_code(source), normalize_code(target)
        if src == tgt:
            return [[Translation(text, 1.0)] for text in texts]
        results: list[list[Translation] | None] = []
        missing: dict[str, list[int]] = {}  # text -> positions, so duplicates run once
        for i, text in enumerate(texts):
            cached = self.cache.get((text, src, tgt, max_candidates)) if text.strip() else [Translation(text, 1.0)]
            results.append(cached)
            if cached is None:
                missing.setdefault(text, []).append(i)
        if missing:
            batch = list(missing)
            for text, alternatives in zip(batch, self._translate_batch(batch, src, tgt, max_candidates), strict=True):
                alternatives = _normalized(alternatives, text, max_candidates)
                self.cache.put((text, src, tgt, max_candidates), alternatives)
                for i in missing[text]:
                    results[i] = alternatives
        return [list(r or []) for r in results]

    @abstractmethod
    def _translate_batch(
        self, texts: list[str], source: str, target: str, max_candidates: int
    ) -> list[list[Translation]]:
        """Translate distinct, non-empty, uncached texts between two different languages."""


def _normalized(alternatives: list[Translation], text: str, max_candidates: int) -> list[Translation]:
    """Drop empties and duplicates, keep ``max_candidates``, scale so that the best weighs 1.0."""
    seen: set[str] = set()
    kept: list[Translation] = []
    for alt in sorted(alternatives, key=lambda a: -a.weight):
        shown = alt.text.strip()
        key = shown.casefold()
        if not key or key in seen or alt.weight <= 0:
            continue
        seen.add(key)
        kept.append(Translation(shown, alt.weight))
        if len(kept) == max_candidates:
            break
    if not kept:
        return [Translation(text, 1.0)]
    top = kept[0].weight
    # Rounded for stable output, but never to 0: every alternative keeps a weight in (0, 1].
    return [Translation(a.text, max(1e-4, round(min(1.0, a.weight / top), 4))) for a in kept]
