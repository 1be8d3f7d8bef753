"""A one-direction lexicon: normalised source term -> weighted translations, cached on disk.

``Lexicon.get("laufschuhe")`` returns ``[("running shoes", 1.0), ...]``; ``lookup`` also tries
simple inflections ("Schuhe" -> "schuh"). Translations are packed into one string per term,
which keeps half a million terms small and quick to unpickle. ``load_cached`` /
``save_cached`` keep a built lexicon (see ``building``) as a pickle, so only the first
process pays for parsing the dictionary files.
"""

from __future__ import annotations

import bisect
import functools
import os
import pickle
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator
from importlib.metadata import version as _version
from pathlib import Path
from typing import TypeVar

from common.text import hash_text, normalize_term
from languages.registry import lemma_code
from translation import lemmas

#: Bump when the parsing, weighting or composing changes: stale caches are rebuilt and, as
#: part of the translator's id, the catalog is translated again on its next reindex.
FORMAT_VERSION = 15
#: Translations kept per term.
MAX_TRANSLATIONS = 8
#: Look-ups each lexicon remembers. A German lexicon also answers whether each compound that
#: joining two translated nouns could make is a word: most such look-ups miss, and a catalog asks
#: them title after title, so a memory sized for the catalog's words alone kept forgetting them.
#: Only lexicons that many look-ups reach grow this large.
LOOKUP_MEMORY = 65536
#: Languages whose phrase variants change the first word (the noun before its modifiers).
ROMANCE_VARIANTS = frozenset({"fr", "es", "it", "pt"})
#: The translations of a headword's lemma against the headword's own (:meth:`Lexicon._with_lemma`).
LEMMA_FACTOR = 0.9

_FIELD, _ITEM = "\x1e", "\x1f"

#: Inflection endings tried, longest first, when a word is not found as written.
SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("ies", "y"), ("ves", "f"), ("ing", ""), ("ing", "e"), ("'s", ""), ("es", ""), ("s", "")),
    "de": (("ern", ""), ("en", ""), ("er", ""), ("es", ""), ("em", ""), ("e", ""), ("n", ""), ("s", "")),
    "fr": (
        ("aux", "al"),
        ("euses", "eur"),
        ("euse", "eur"),
        ("ives", "if"),
        ("ive", "if"),
        ("es", "e"),
        ("es", ""),
        ("s", ""),
        ("x", ""),
        ("e", ""),
    ),
    # "-s" before "-as" -> "-o": "correas" is the plural of "correa" (strap), not of "correo" (mail).
    "es": (("ces", "z"), ("s", ""), ("es", ""), ("as", "o"), ("a", "o")),
    "it": (("i", "o"), ("i", "e"), ("e", "a"), ("he", "a")),
    "pt": (("ões", "ão"), ("es", ""), ("s", "")),
    # Plurals and the possessive of compounds ("ayakkabıları", "bezleri": shoes, diapers).
    "tr": (("ları", ""), ("leri", ""), ("lar", ""), ("ler", ""), ("ı", ""), ("i", ""), ("u", ""), ("ü", ""),
           ("sı", ""), ("si", ""), ("su", ""), ("sü", "")),
    "nl": (("tjes", ""), ("jes", ""), ("'s", ""), ("en", ""), ("s", ""), ("ën", "")),
}


#: Languages whose words are looked up by stem when neither the word nor a listed inflection
#: is a headword: dictionaries list lemmas ("napój", "ogrodowy"), shoppers type inflected forms
#: ("napoje", "ogrodowe"). Not for CJK (no inflection, no spaces), German (compound splitting
#: finds the parts), English, nor French and Spanish, whose curated endings (``SUFFIXES``)
#: cover their plurals and whose big dictionaries leave unknown mostly names and loanwords.
NO_STEM_MATCH = frozenset({"zh", "ja", "ko", "de", "en", "fr", "es"})
#: A stem keeps at least this many letters, and a headword may end in at most this many more.
MIN_STEM = 4
MAX_CUT = 4
MAX_ENDING = 3
#: Weight of a translation found through a stem, against one of the word as written.
STEM_FACTOR = 0.8
_FOLDED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"})


#: Snowball stemmers keep state between calls: one thread at a time.
_SNOWBALL_LOCK = threading.Lock()
#: Names the stemmer release a cached stem index was made with: another may stem differently.
_SNOWBALL_STAMP = f"snowballstemmer {_version('snowballstemmer')}"
#: Bump when :func:`fold` changes: cached prefix indexes are then folded again.
_PREFIX_STAMP = "fold 1"
_Index = TypeVar("_Index")


def new_snowball(lang: str):
    """A Snowball stemmer of its own for a language, or None where Snowball has none."""
    import snowballstemmer

    from languages.registry import language

    entry = language(lang)
    name = "norwegian" if lang in ("nb", "nn") else (entry.name.lower() if entry else "")
    return snowballstemmer.stemmer(name) if name in snowballstemmer.algorithms() else None


#: The shared stemmer of a language (used under ``_SNOWBALL_LOCK``).
snowball = functools.lru_cache(maxsize=64)(new_snowball)


def snowball_stem(lang: str, word: str) -> str | None:
    """``word``'s Snowball stem in ``lang`` (lowercased first), or None where Snowball has no stemmer."""
    stemmer = snowball(lang)
    if stemmer is None:
        return None
    with _SNOWBALL_LOCK:
        return stemmer.stemWord(word.lower())


def fold(word: str) -> str:
    """Lowercase letters without accents ("węże" -> "weze", "napój" -> "napoj"), for stem matching."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_FOLDED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Lexicon:
    """Translations from ``source`` to ``target`` keyed by normalised term."""

    def __init__(self, source: str, target: str, entries: dict[str, str]) -> None:
        self.source, self.target = source, target
        self._entries = entries
        #: Longest key in words, bounding phrase look-ups.
        self.max_words = max((k.count(" ") + 1 for k in entries), default=1)
        #: Longest key in characters, bounding Chinese/Japanese maximum matching.
        self.max_chars = min(max((len(k) for k in entries), default=1), 12)
        self._stems: tuple[list[str], list[str]] | None = None  # folded one-word keys, sorted; their keys
        self._snowball: dict[str, list[str]] | None = None  # Snowball stem -> one-word keys
        self._forms: lemmas.Forms | None = None  # inflected forms -> keys
        self._phrase_starts: frozenset[str] | None = None  # first words of phrase keys and lemma phrases
        self._stems_lock = threading.Lock()
        #: The file this lexicon is cached in; its stem index is cached beside it.
        self.cache_path: Path | None = None
        # A catalog repeats its words title after title, and segmenting tries every phrase
        # at every word: the same look-ups, answered from memory (thread-safe).
        self._remembered = functools.lru_cache(maxsize=LOOKUP_MEMORY)(self._lookup)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, term: str) -> bool:
        return term in self._entries

    def get(self, key: str) -> list[tuple[str, float]] | None:
        """Translations of an already normalised key, best first, or ``None``."""
        packed = self._entries.get(key)
        if packed is None:
            return None
        items = (item.split(_FIELD) for item in packed.split(_ITEM))
        return [(text, float(weight)) for text, weight in items]

    def items(self) -> Iterator[tuple[str, list[tuple[str, float]]]]:
        """Every ``(key, translations)`` pair."""
        for key in self._entries:
            yield key, self.get(key) or []

    def lookup(self, term: str) -> list[tuple[str, float]] | None:
        """Translations of ``term`` as written, else of its uninflected form."""
        found = self._remembered(term)
        return list(found) if found is not None else None

    def has(self, term: str) -> bool:
        """Whether :meth:`lookup` finds ``term`` (without copying its translations)."""
        return self._remembered(term) is not None

    def may_start_phrase(self, word: str) -> bool:
        """Whether a phrase of several words beginning with ``word`` can be found at all: a
        title's words each start a try of every longer phrase, and most start none.

        Answers as :meth:`_lookup` looks: the phrase as written, its variants (which change
        the first word in the Romance languages), and the phrase of its words' lemmas."""
        first = normalize_term(word)
        if not first or " " in first:
            return True  # not one word once normalised: only a real look-up can tell
        starts = self._phrase_starts
        if starts is None:
            starts = self._phrase_starts = self._first_words()
        if first in starts:
            return True
        if self.source in ROMANCE_VARIANTS and any(v in starts for v in self.variants(first)):
            return True
        forms = self.load_forms()
        if forms is None or not forms.phrases:
            return False
        folded = first.translate(lemmas.YO)
        return forms.lemmas.get(folded, folded) in starts

    def _first_words(self) -> frozenset[str]:
        phrases = [k for k in self._entries if " " in k]
        forms = self.load_forms()
        if forms is not None:
            phrases.extend(forms.phrases)
        return frozenset(k.split(" ", 1)[0] for k in phrases)

    def _lookup(self, term: str) -> tuple[tuple[str, float], ...] | None:
        key = normalize_term(term)
        found = self.get(key)
        if found is not None:
            return tuple(self._with_lemma(key, found))
        for variant in self.variants(key):
            found = self.get(variant)
            if found is not None:
                return tuple(found)
        headword = self._headword_of(key)
        found = self.get(headword) if headword else None
        return tuple(found) if found is not None else None

    def _with_lemma(self, key: str, found: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """A headword's translations merged with those of the headword it is a form of
        (:attr:`lemmas.Forms.inflected`), which count a little less; both agreeing counts most."""
        forms = self.load_forms() if " " not in key else None
        lemma = forms.inflected.get(key) if forms is not None else None
        other = self.get(lemma) if lemma else None
        if not other:
            return found
        merged = dict(found)
        for text, weight in other:
            weight *= LEMMA_FACTOR
            old = merged.get(text)
            merged[text] = weight if old is None else max(old, weight) + 0.5 * min(old, weight)
        best = sorted(merged.items(), key=lambda item: -item[1])[:MAX_TRANSLATIONS]
        top = best[0][1]
        return [(text, round(weight / top, 4)) for text, weight in best]

    def _headword_of(self, key: str) -> str | None:
        """The headword a key is an inflected form of ("пилы" -> "пила", "ленточные пилы" ->
        "ленточная пила"), from the language's word list (:mod:`translation.lemmas`)."""
        forms = self.load_forms()
        return forms.headword(key) if forms is not None else None

    def load_forms(self, *, build: bool = True) -> lemmas.Forms | None:
        """This lexicon's map from inflected forms to headwords: read from beside its cache file,
        else built (a few seconds: a whole language's word list is read) and written there;
        with ``build=False`` only read. None where the source language has no word list."""
        if self._forms is not None:
            return self._forms  # every look-up of a missing word asks: no lock once it is there
        if lemma_code(self.source) is None:
            return None
        with self._stems_lock:
            if self._forms is None:
                self._forms = self._cached_index(
                    "forms", lemmas.stamp(), lambda: lemmas.forms_of_headwords(self.source, self._entries), build=build)
            return self._forms

    def load_stem_indexes(self, *, build: bool = True) -> None:
        """Read the stem indexes of :meth:`stem_lookup` now (building them unless ``build`` is
        False): a shopper's first unknown word would otherwise wait while they load."""
        if self.source in NO_STEM_MATCH:
            return
        if snowball(self.source) is not None:
            self._snowball_index(build=build)
        self._stem_index(build=build)

    def stem_lookup(self, key: str, *, prefix: bool = True) -> list[tuple[str, float]] | None:
        """Translations of the headword with the same Snowball stem as a one-word ``key`` (the
        language's own suffix rules: "уличных" and "уличный" share "уличн"), else of the
        headword sharing the longest prefix (:meth:`prefix_lookup`, unless ``prefix`` is False);
        weighed down by :data:`STEM_FACTOR`."""
        if self.source in NO_STEM_MATCH or " " in key or len(key) < MIN_STEM + 1:
            return None
        stemmer = snowball(self.source)
        if stemmer is not None:
            index = self._snowball_index()
            with _SNOWBALL_LOCK:
                stem = stemmer.stemWord(key)
            keys = index.get(stem)
            if keys:
                found = self.get(min(keys, key=len)) or []
                return [(text, weight * STEM_FACTOR) for text, weight in found] or None
        return self.prefix_lookup(key) if prefix else None

    def _snowball_index(self, *, build: bool = True) -> dict[str, list[str]] | None:
        """Snowball stem -> one-word headwords (see :meth:`_cached_index`)."""
        with self._stems_lock:
            if self._snowball is None:
                self._snowball = self._cached_index("snowball", _SNOWBALL_STAMP, self._stem_headwords, build=build)
            return self._snowball

    def _stem_headwords(self) -> dict[str, list[str]]:
        # A stemmer of its own: other threads' look-ups never wait behind this.
        stemmer = new_snowball(self.source)
        index: dict[str, list[str]] = {}
        for k in self._entries:
            if " " not in k and k.isalpha():
                index.setdefault(stemmer.stemWord(k), []).append(k)
        return index

    def _cached_index(self, kind: str, stamp: str, make: Callable[[], _Index], *, build: bool = True) -> _Index | None:
        """An index over the headwords, read from beside the lexicon's cache file, else built
        and written there. Building one stems or folds every headword, most of a second for a
        big dictionary, which a shopper's first query in that language would wait for; the
        file is trusted only under the same ``stamp``. With ``build=False`` a missing index is
        None."""
        path = self.cache_path.with_name(f"{self.cache_path.stem}.{kind}.pickle") if self.cache_path else None
        if path is not None:
            try:
                with path.open("rb") as handle:
                    found_stamp, index = pickle.load(handle)  # noqa: S301 - our own cache file
                if found_stamp == stamp:
                    return index
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
                pass
        if not build:
            return None
        index = make()
        if path is not None:
            _dump(path, (stamp, index))
        return index

    def prefix_lookup(self, key: str) -> list[tuple[str, float]] | None:
        """Translations of the headword sharing the longest stem with a one-word ``key``, the last
        resort for a word that neither :meth:`lookup` nor compound splitting found: the
        word's end is cut letter by letter (never below :data:`MIN_STEM` letters) until some
        headword starts with what is left and ends at most :data:`MAX_ENDING` letters later;
        the shortest such headword wins. Weighed down by :data:`STEM_FACTOR`."""
        if self.source in NO_STEM_MATCH or " " in key or len(key) < MIN_STEM + 1:
            return None
        folded, keys = self._stem_index()
        word = fold(key)
        for cut in range(1, min(MAX_CUT, len(word) - MIN_STEM) + 1):
            stem = word[:-cut]
            best = None
            start = bisect.bisect_left(folded, stem)
            for i in range(start, min(start + 200, len(folded))):
                candidate = folded[i]
                if not candidate.startswith(stem):
                    break
                if len(candidate) - len(stem) <= MAX_ENDING and (best is None or len(candidate) < len(folded[best])):
                    best = i
            if best is not None:
                found = self.get(keys[best]) or []
                return [(text, weight * STEM_FACTOR) for text, weight in found] or None
        return None

    def _stem_index(self, *, build: bool = True) -> tuple[list[str], list[str]] | None:
        # Built on the first stem look-up only: most lexicons never need it.
        with self._stems_lock:
            if self._stems is None:
                self._stems = self._cached_index("prefix", _PREFIX_STAMP, self._fold_headwords, build=build)
            return self._stems

    def _fold_headwords(self) -> tuple[list[str], list[str]]:
        pairs = sorted((fold(k), k) for k in self._entries if " " not in k and k.isalpha())
        return [f for f, _ in pairs], [k for _, k in pairs]

    def variants(self, key: str) -> Iterator[str]:
        """Uninflected forms of a normalised key: the last word for en/de, the first for Romance."""
        words = key.split(" ")
        index = 0 if self.source in ROMANCE_VARIANTS and len(words) > 1 else -1
        word = words[index]
        for ending, replacement in SUFFIXES.get(self.source, ()):
            if word.endswith(ending) and len(word) - len(ending) + len(replacement) >= 3:
                words[index] = word[: len(word) - len(ending)] + replacement
                yield " ".join(words)


def pack(pairs: list[tuple[str, float]]) -> str:
    """The stored form of a term's translations."""
    return _ITEM.join(f"{text}{_FIELD}{weight:.4g}" for text, weight in pairs[:MAX_TRANSLATIONS])


def cache_file(cache_dir: Path, source: str, target: str, stamp: str) -> Path:
    """Where a lexicon built from sources with ``stamp`` is cached."""
    digest = abs(hash_text(f"{FORMAT_VERSION}|{stamp}")) % 10**12
    return cache_dir / "dictionary" / f"{source}-{target}-{digest}.pickle"


def load_cached(path: Path) -> Lexicon | None:
    """The lexicon pickled at ``path``, or ``None`` if absent or unreadable."""
    try:
        with path.open("rb") as handle:
            source, target, entries = pickle.load(handle)  # noqa: S301 - our own cache file
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    lexicon = Lexicon(source, target, entries)
    lexicon.cache_path = path
    return lexicon


def save_cached(path: Path, lexicon: Lexicon) -> None:
    """Write atomically, so a concurrent process never reads half a file."""
    _dump(path, (lexicon.source, lexicon.target, lexicon._entries))
    lexicon.cache_path = path


def _dump(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=5)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
