"""Query-time synonym expansion: weighted equivalents of a query in its own and other languages.

    from query_rewriter.synonyms import expand
    expand("sofa", "en")
    # {"en": [Expansion("couch", "en", 0.8, "synonym-file"), Expansion("lounge", "en", 0.58, "wordnet")],
    #  "de": [Expansion("Kanapee", "de", 0.33, "dictionary:en->de")], ...}

In the query's language: curated Solr rules (``mappings/synonyms/<lang>.txt``, which the
OpenSearch search analyzers also use), WordNet for English and CC-CEDICT synsets for Chinese,
matched longest phrase first ("running shoes" before "shoes"). In the other languages: the
dictionary translator's alternatives beyond its best one (the best is the translation itself).
Weights stay below the original's 1.0; at most ``max_per_lang`` per language and ``MAX_TOTAL``
in all, so OpenSearch clause limits hold. Resources load lazily, once per process (thesauri
from a pickle under ``settings.cache_dir``); repeated queries come from a small LRU.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cachetools import LRUCache

from common.settings import Settings, get_settings
from common.text import STOPWORDS, normalize_term
from languages.registry import normalize_code
from query_rewriter.synonym_files import (
    CHAR_LANGUAGES,
    SYNONYM_DIR,
    SynonymFileError,
    SynonymRules,
    fold_plural,
    load_synonym_rules,
)
from translation import TranslationError, Translator, load_translator
from translation.cedict_synsets import load_cedict_synsets
from translation.segment import CJK_CLASS
from translation.wordnet import Thesaurus, ThesaurusError, load_wordnet

log = logging.getLogger(__name__)

#: A translator alternative keeps this share of its weight (the best translation weighs 1.0).
CROSS_LANGUAGE_FACTOR = 0.5
#: Expansions in all languages together: a few clauses each stay far below OpenSearch's 1024.
MAX_TOTAL = 16
#: Candidates asked of the translator when settings name none (the rewriter's own count shares its cache).
DICTIONARY_CANDIDATES = 3
RESULT_CACHE_SIZE = 4096

_WORD = re.compile(rf"(?:(?![{CJK_CLASS}])[^\W_])+(?:[-'’.&+](?:(?![{CJK_CLASS}])[^\W_])+)*")
_LATIN = re.compile(r"[a-z0-9]")
Lookup = Callable[[str], list[tuple[str, float]]]
Result = dict[str, list["Expansion"]]


@dataclass(frozen=True, slots=True)
class Expansion:
    """An equivalent of (part of) a query: ``text`` in ``lang`` with ``weight`` in (0, 1), from ``source``:
    ``"synonym-file"``, ``"wordnet"``, ``"cedict-synset"`` or ``"dictionary:<src>-><lang>"``.
    ``of`` is the normalised query span it stands for (not part of equality)."""

    text: str
    lang: str
    weight: float
    source: str
    of: str = field(default="", compare=False)


def matches(text: str, lang: str, lookup: Lookup, max_len: int) -> Iterator[tuple[str, float, list[tuple[str, float]]]]:
    """``(span, coverage, synonyms)`` for the query's known phrases, leftmost-longest first.

    Words in most languages; characters in Chinese and Japanese, never cutting a Latin word.
    ``coverage`` is the span's share of the query ("running shoes" in "red running shoes": 2/3).
    """
    key = normalize_term(text)
    by_chars = lang in CHAR_LANGUAGES
    if by_chars:
        found = [(i, i + 1) for i, char in enumerate(key) if not char.isspace()]
    else:
        found = [m.span() for m in _WORD.finditer(key)]
    i = 0
    while i < len(found):
        for j in range(min(len(found), i + max_len), i, -1):
            start, end = found[i][0], found[j - 1][1]
            span = key[start:end]
            if span in STOPWORDS or span.isdigit():
                continue
            if by_chars and (_inside_word(key, start) or _inside_word(key, end)):
                continue  # "pc" in "pcb" is no match; in "ノートpc" it is
            if synonyms := lookup(span):
                yield span, (j - i) / len(found), synonyms
                i = j
                break
        else:
            i += 1


def _inside_word(key: str, cut: int) -> bool:
    return 0 < cut < len(key) and bool(_LATIN.match(key[cut - 1]) and _LATIN.match(key[cut]))


class Expander:
    """Synonym expansion and its resources; ``expand()`` keeps one per settings for the process.

    Tests and tools may pass a ``translator``, ``thesauri`` (lang -> ``Thesaurus``) or a
    ``synonym_dir`` (default: ``settings.synonyms_dir``, else the bundled files); an edited
    synonym file is read again on the next call. A missing resource is logged once and
    skipped, or raised if ``strict``.
    """

    def __init__(self, settings: Settings | None = None, *, translator: Translator | None = None,
                 thesauri: dict[str, Thesaurus] | None = None, synonym_dir: Path | None = None,
                 strict: bool = False) -> None:  # fmt: skip
        self.settings = settings or get_settings()
        self._translator, self._thesauri, self.strict = translator, thesauri, strict
        self.synonym_dir = synonym_dir or getattr(self.settings, "synonyms_dir", None) or SYNONYM_DIR
        self.candidates = getattr(self.settings, "translation_candidates", DICTIONARY_CANDIDATES)
        self._resources: dict[tuple[str, str], object] = {}
        self._stamps: dict[str, object] = {}
        self._results: LRUCache[tuple, dict[str, list[Expansion]]] = LRUCache(maxsize=RESULT_CACHE_SIZE)
        self._lock = threading.RLock()  # also around the result cache: a cachetools read reorders it

    def _resource(self, kind: str, lang: str, load: Callable[[], object]) -> object:
        key = (kind, lang)
        with self._lock:
            if key not in self._resources:
                try:
                    self._resources[key] = load()
                except (ThesaurusError, SynonymFileError, TranslationError, OSError) as error:
                    if self.strict:
                        raise
                    log.warning("synonym expansion goes on without %s for %s: %s", kind, lang, error)
                    self._resources[key] = None
            return self._resources[key]

    def thesaurus(self, lang: str) -> Thesaurus | None:
        """WordNet for English, CC-CEDICT synsets for Chinese, else ``None``."""
        if self._thesauri is not None:
            return self._thesauri.get(lang)
        cache = self.settings.cache_dir
        load = {"en": lambda: load_wordnet(cache), "zh": lambda: load_cedict_synsets(cache)}.get(lang)
        return self._resource("thesaurus", lang, load) if load else None  # type: ignore[return-value]

    def rules(self, lang: str) -> SynonymRules | None:
        """The curated rules of a language, if it has a file; read again when the file changes."""
        path = self.synonym_dir / f"{lang}.txt"
        try:
            stat = path.stat()
            stamp: object = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if self._stamps.get(lang, "unread") != stamp:
            with self._lock:  # ``babelshop synonyms reload`` must not wait for a restart here either
                if lang in self._stamps:
                    self._results.clear()
                self._resources.pop(("rules", lang), None)
                self._stamps[lang] = stamp
        return self._resource("rules", lang, lambda: load_synonym_rules(lang, self.synonym_dir))  # type: ignore[return-value]

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            self._translator = load_translator(self.settings)
        return self._translator

    def expand(self, text: str, lang: str, *, languages: Sequence[str] | None = None, max_per_lang: int = 4,
               max_total: int = MAX_TOTAL) -> dict[str, list[Expansion]]:  # fmt: skip
        """Expansions of ``text`` (written in ``lang``) per language, best first; empty languages left out.

        ``languages`` default to ``lang`` and the catalog's languages.
        """
        lang = normalize_code(lang)
        wanted = tuple(dict.fromkeys(map(normalize_code, languages or (lang, *self.settings.catalog_languages))))
        self.rules(lang)  # notices an edited synonym file before the result cache answers
        key = (text, lang, wanted, max_per_lang, max_total)
        with self._lock:
            result = self._results.get(key)
        if result is None:
            result = self._expand(text, lang, wanted, max_per_lang, max_total) if text.strip() else {}
            with self._lock:
                self._results[key] = result
        return {target: list(found) for target, found in result.items()}

    def _expand(self, text: str, lang: str, wanted: tuple[str, ...], limit: int, total: int) -> Result:
        found: dict[str, list[Expansion]] = {}
        for target in wanted:
            candidates = self._same_language(text, lang) if target == lang else self._translated(text, lang, target)
            if kept := _best(candidates, limit):
                found[target] = kept
        # Over the total, the query's own language stays whole; the others compete by weight.
        others = sorted((e for t, found_t in found.items() if t != lang for e in found_t), key=lambda e: -e.weight)
        allowed = {id(e) for e in others[: max(0, total - len(found.get(lang, [])))]}
        return {t: kept for t, es in found.items() if (kept := [e for e in es if t == lang or id(e) in allowed])}

    def _same_language(self, text: str, lang: str) -> list[Expansion]:
        by_chars = lang in CHAR_LANGUAGES
        spans, candidates = [normalize_term(text)], []
        for resource in (self.rules(lang), self.thesaurus(lang)):
            if resource is None:
                continue
            source = resource.name if isinstance(resource, Thesaurus) else "synonym-file"
            for span, coverage, synonyms in matches(text, lang, resource.lookup, resource.max_len):
                spans.append(span)
                factor = 0.5 + 0.5 * coverage  # a part of the query stands for less than all of it
                candidates += [Expansion(syn, lang, round(w * factor, 4), source, span) for syn, w in synonyms]
        # Not the query, a matched phrase, or a mere plural of either.
        seen = {fold_plural(s, by_chars) for s in spans}
        return [c for c in candidates if fold_plural(normalize_term(c.text), by_chars) not in seen]

    def _translated(self, text: str, lang: str, target: str) -> list[Expansion]:
        try:
            alternatives = self.translator.translate(text, lang, target, self.candidates)
        except TranslationError as error:
            log.debug("no %s->%s alternatives for %r: %s", lang, target, text, error)
            return []
        key = normalize_term(text)
        blocked = {key, normalize_term(alternatives[0].text)} if alternatives else set()
        source = f"dictionary:{lang}->{target}"
        return [
            Expansion(alt.text, target, round(alt.weight * CROSS_LANGUAGE_FACTOR, 4), source, key)
            for alt in alternatives[1:]
            if normalize_term(alt.text) not in blocked
        ]


def _best(candidates: list[Expansion], limit: int) -> list[Expansion]:
    """The ``limit`` heaviest, one per text (ignoring case), weights inside (0, 1)."""
    kept: dict[str, Expansion] = {}
    for candidate in sorted(candidates, key=lambda c: -c.weight):
        key = normalize_term(candidate.text)
        if len(kept) < limit and key and key not in kept and 0 < candidate.weight < 1:
            kept[key] = candidate
    return list(kept.values())


_expanders: dict[tuple, Expander] = {}
_expanders_lock = threading.Lock()


def default_expander(settings: Settings | None = None) -> Expander:
    """The process-wide ``Expander`` for these settings (``get_settings()`` if None)."""
    settings = settings or get_settings()
    key = (str(settings.cache_dir), settings.catalog_languages, settings.translator, settings.translator_model,
           str(getattr(settings, "synonyms_dir", None)), getattr(settings, "translation_candidates", None))  # fmt: skip
    with _expanders_lock:
        if key not in _expanders:
            _expanders[key] = Expander(settings)
        return _expanders[key]


def expand(text: str, lang: str, *, languages: Sequence[str] | None = None, max_per_lang: int = 4,
           settings: Settings | None = None) -> dict[str, list[Expansion]]:  # fmt: skip
    """Weighted synonyms and equivalents of the query ``text``, written in ``lang``, per language.

    ``languages`` (default: ``lang`` and ``settings.catalog_languages``) are the languages to
    expand into; each gets at most ``max_per_lang`` expansions, ``MAX_TOTAL`` in all. Words no
    source knows give ``{}``.
    """
    return default_expander(settings).expand(text, lang, languages=languages, max_per_lang=max_per_lang)
