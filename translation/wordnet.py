"""Thesauri for query expansion: the ``Thesaurus`` type, its disk cache, and English WordNet
synsets (Chinese synsets from CC-CEDICT are in ``translation.cedict_synsets``).

    english = load_wordnet(settings.cache_dir)        # Debian's wordnet-base, /usr/share/wordnet
    english.lookup("sofas")                           # [("couch", 0.6), ("lounge", 0.582)]

Thesauri are built once from the source files (seconds), then pickled under
``cache_dir / "synonyms"`` keyed by ``FORMAT_VERSION`` and the sources' sizes and mtimes, so a
later process loads them in tens of milliseconds. Terms map to packed strings, as in
``translation.lexicon``, because a pickle of short strings loads fastest.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from common.text import hash_text, normalize_term

#: Bump when building or weighting changes, so stale caches are rebuilt.
FORMAT_VERSION = 2
WORDNET_DIR = Path("/usr/share/wordnet")
#: Synonyms kept per term; the expander uses at most a handful.
MAX_SYNONYMS = 6
#: Weight of a synonym from a term's first sense; each later kept sense counts ``SENSE_DECAY`` less.
NOUN_WEIGHT, ADJECTIVE_WEIGHT, SENSE_DECAY = 0.6, 0.5, 0.8
#: WordNet senses looked at per term, most frequent first.
MAX_SENSES = 6
#: Noun senses of things sold (artifact, food, object, plant, substance) come first and weigh most;
#: senses of these other lexicographer files (Tops, animal, body, communication, possession) are
#: kept at ``OTHER_LEXFILE_FACTOR``; the rest (acts, people, states, times ...) never name a product.
PRODUCT_LEXFILES = frozenset({6, 13, 17, 20, 27})
OTHER_LEXFILES = frozenset({3, 5, 8, 10, 21})
OTHER_LEXFILE_FACTOR = 0.8
#: A later sense untagged in the semantic concordance is rare ("shoe": horseshoe, brake shoe).
UNTAGGED_FACTOR = 0.7
#: Adjective clusters larger than this ("red, reddish, ruddy, carmine, ...") are shades, not synonyms.
MAX_ADJECTIVE_SYNSET = 5
#: Weaker links are dropped: WordNet's rare senses ("shoe" -> "brake shoe").
WORDNET_MIN_WEIGHT = 0.25

_FIELD, _ITEM = "\x1e", "\x1f"
_POS = {"noun": "n", "adj": "a"}
#: Synset type -> its number in sense keys (adjective satellites are 5).
_SS_NUMBER = {"n": 1, "v": 2, "a": 3, "r": 4, "s": 5}
#: WordNet's morphy detachment rules, for the last word of a phrase.
_NOUN_RULES = (("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
               ("ies", "y"), ("s", ""))  # fmt: skip
_ADJECTIVE_RULES = (("er", ""), ("est", ""), ("er", "e"), ("est", "e"))


class ThesaurusError(RuntimeError):
    """A thesaurus cannot be built: its source files are missing. The message says the fix."""


class Thesaurus:
    """Normalised term -> synonyms with weights in (0, 1), best first.

    ``by_chars`` thesauri (Chinese) are matched on characters, the others on space-separated
    words; ``exceptions`` are irregular forms (``"mice" -> "mouse"``) for ``lookup``.
    """

    def __init__(self, name: str, entries: dict[str, str], exceptions: dict[str, str] | None = None,
                 by_chars: bool = False) -> None:  # fmt: skip
        self.name, self.by_chars = name, by_chars
        self._entries, self.exceptions = entries, exceptions or {}
        lengths = (len(k) if by_chars else k.count(" ") + 1 for k in entries)
        #: Longest term, in characters or words: bounds phrase matching.
        self.max_len = min(max(lengths, default=1), 8)

    @classmethod
    def of(cls, name: str, synonyms: dict[str, list[tuple[str, float]]], by_chars: bool = False) -> Thesaurus:
        """A thesaurus from a plain mapping, for tests and hand-made lists."""
        return cls(name, {normalize_term(k): pack_terms(v) for k, v in synonyms.items() if v}, by_chars=by_chars)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> list[tuple[str, float]]:
        """Synonyms of an already normalised key, or ``[]``."""
        packed = self._entries.get(key)
        if not packed:
            return []
        return [(text, float(weight)) for text, weight in (item.split(_FIELD) for item in packed.split(_ITEM))]

    def lookup(self, term: str) -> list[tuple[str, float]]:
        """Synonyms of ``term`` as written, else of its base form ("running shoes" -> "running shoe")."""
        key = normalize_term(term)
        if key in self._entries or self.by_chars:
            return self.get(key)
        for base in base_forms(key, self.exceptions):
            if base in self._entries:
                return self.get(base)
        return []

    def state(self) -> tuple[str, dict[str, str], dict[str, str], bool]:
        return self.name, self._entries, self.exceptions, self.by_chars


def base_forms(key: str, exceptions: dict[str, str]) -> Iterator[str]:
    """Dictionary forms of an English phrase's last word, WordNet's morphy way."""
    head, _, last = key.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in exceptions:
        yield prefix + exceptions[last]
    for ending, replacement in (*_NOUN_RULES, *_ADJECTIVE_RULES):
        if last.endswith(ending) and len(last) - len(ending) + len(replacement) >= 2:
            yield prefix + last[: len(last) - len(ending)] + replacement


def pack_terms(pairs: list[tuple[str, float]]) -> str:
    return _ITEM.join(f"{text}{_FIELD}{weight:.3g}" for text, weight in pairs[:MAX_SYNONYMS])


def best_terms(scores: dict[str, float], minimum: float) -> list[tuple[str, float]]:
    return sorted(((t, w) for t, w in scores.items() if w >= minimum), key=lambda item: -item[1])


# -- WordNet ----------------------------------------------------------------------------------


def wordnet_dir(directory: Path = WORDNET_DIR) -> Path:
    """``directory`` if it holds the WordNet database, else a ``ThesaurusError`` naming the fix."""
    names = [f"{kind}.{pos}" for pos in _POS for kind in ("index", "data")]
    if missing := [name for name in names if not (directory / name).is_file()]:
        msg = (f"WordNet is missing from {directory} ({', '.join(missing)} not found): English synonyms need it. "
               "Install it with `apt-get install -y wordnet-base`, or pass the folder holding index.noun.")  # fmt: skip
        raise ThesaurusError(msg)
    return directory


def _read_synsets(path: Path) -> dict[str, tuple[int, int, list[tuple[str, int]]]]:
    """Offset -> (lexicographer file, sense-key type number, [(lemma, lex_id)]) from a ``data.*`` file."""
    synsets = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("  "):
                continue  # the licence header
            offset, lexfile, ss_type, count, rest = line.split(" ", 4)
            fields = rest.split(" ", 2 * int(count, 16))
            words = [(fields[i], int(fields[i + 1], 16)) for i in range(0, 2 * int(count, 16), 2)]
            synsets[offset] = (int(lexfile), _SS_NUMBER[ss_type], words)
    return synsets


def _read_counts(path: Path) -> dict[str, int]:
    """``"sofa%1:06:00"`` (lemma, synset type, lexicographer file, lex id) -> semantic-concordance count."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    # The sense key's head-word fields are left out: the first three identify the sense.
    return {":".join(key.split(":")[:3]): int(count) for key, _, count in (line.split(" ") for line in lines)}


def build_wordnet(directory: Path = WORDNET_DIR) -> Thesaurus:
    """Synonyms of every English noun and adjective from the WordNet database files.

    A term's senses come in frequency order (``index.*``); a shop sells things, so noun senses
    of products come first, and senses of acts, people or states are skipped ("sneaker": a
    sneaky person). A later sense counts only if tagged in the semantic concordance or a
    product sense ("notebook" -> "notebook computer"), and gives only lemmas for which it is
    a main sense (first or second; first if untagged): "jacket" -> "jacket crown", not "crown".
    Adjectives use their first sense. Weights fall with the rank among the kept senses.
    """
    directory = wordnet_dir(directory)
    counts = _read_counts(directory / "cntlist.rev")
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    exceptions: dict[str, str] = {}
    for pos, letter in _POS.items():
        synsets = _read_synsets(directory / f"data.{pos}")
        index = dict(_read_index(directory / f"index.{pos}"))
        for lemma, (offsets, tagged) in index.items():
            senses = [(rank, offset, *synsets[offset]) for rank, offset in enumerate(offsets[:MAX_SENSES])]
            if letter == "a":
                senses = [s for s in senses[:1] if len(s[4]) <= MAX_ADJECTIVE_SYNSET]
            else:
                senses = [s for s in senses if s[2] in PRODUCT_LEXFILES or s[2] in OTHER_LEXFILES]
                senses.sort(key=lambda s: (s[2] not in PRODUCT_LEXFILES, s[0]))
            slot = scores[lemma.replace("_", " ")]
            for kept, (rank, offset, lexfile, number, words) in enumerate(senses):
                factor = 1.0 if letter == "a" or lexfile in PRODUCT_LEXFILES else OTHER_LEXFILE_FACTOR
                untagged = rank > 0 and rank >= tagged
                factor *= UNTAGGED_FACTOR if untagged else 1.0
                base = (NOUN_WEIGHT if letter == "n" else ADJECTIVE_WEIGHT) * SENSE_DECAY**kept * factor
                others = [(w.split("(")[0], i) for w, i in words]  # "red(a)": syntactic markers
                others = [(w, i) for w, i in others if w.lower() != lemma and _related(w, lemma)]
                if kept:  # a later sense: only lemmas for which it is a main sense
                    main = 1 if untagged else 2
                    others = [(w, i) for w, i in others if offset in index.get(w.lower(), ((),))[0][:main]]
                # Lemmas used in this sense in the concordance first, then WordNet's order.
                others.sort(key=lambda wi: -counts.get(f"{wi[0].lower()}%{number}:{lexfile:02d}:{wi[1]:02d}", 0))
                for position, (word, _) in enumerate(others):
                    text = word.replace("_", " ")
                    slot[text] = max(slot.get(text, 0.0), base * 0.97**position)
        exceptions.update(_read_exceptions(directory / f"{pos}.exc"))
    entries = {term: pack_terms(best) for term, found in scores.items() if (best := best_terms(found, WORDNET_MIN_WEIGHT))}
    exceptions = {form: base for form, base in exceptions.items() if base in entries}
    return Thesaurus("wordnet", entries, exceptions)


def _read_index(path: Path) -> Iterator[tuple[str, tuple[tuple[str, ...], int]]]:
    """``(lemma, (synset offsets most frequent first, how many are tagged))`` from an ``index.*`` file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("  "):
                fields = line.split()
                pointers = int(fields[3])
                yield fields[0], (tuple(fields[6 + pointers :]), int(fields[5 + pointers]))


def _related(word: str, lemma: str) -> bool:
    """Whether ``word`` may stand for ``lemma``: common nouns of up to three words, not derived forms."""
    if word != word.lower() or word.count("_") > 2:
        return False  # proper nouns ("Canis familiaris") and descriptions
    # "reddish", "blackness", "cupful" only derive from the term; "laptop computer" is fine.
    return "_" in word or not word.startswith(lemma.rstrip("e")[: max(3, len(lemma) - 1)])


def _read_exceptions(path: Path) -> dict[str, str]:
    """Irregular forms (``noun.exc``: "mice mouse") -> base form."""
    pairs = (line.split() for line in path.read_text(encoding="utf-8").splitlines()) if path.is_file() else ()
    return {p[0].replace("_", " "): p[1].replace("_", " ") for p in pairs if len(p) >= 2}


def load_wordnet(cache_dir: Path, directory: Path = WORDNET_DIR) -> Thesaurus:
    """The WordNet thesaurus from the disk cache, else built from ``directory`` and cached."""
    names = [f"{kind}.{pos}" for pos in _POS for kind in ("index", "data")] + ["cntlist.rev", "noun.exc", "adj.exc"]
    sources = [path for name in names if (path := wordnet_dir(directory) / name).is_file()]
    return cached_thesaurus(cache_dir, "wordnet", sources, lambda: build_wordnet(directory))


# -- disk cache -------------------------------------------------------------------------------


def cache_path(cache_dir: Path, name: str, sources: list[Path]) -> Path:
    """Where a thesaurus built from ``sources`` (as they are now) is cached."""
    stamp = "|".join(f"{p}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in sources)
    return cache_dir / "synonyms" / f"{name}-{hash_text(f'{FORMAT_VERSION}|{stamp}') % 10**12}.pickle"


def cached_thesaurus(cache_dir: Path, name: str, sources: list[Path], build: Callable[[], Thesaurus]) -> Thesaurus:
    """The thesaurus pickled for these sources, else ``build()`` it and pickle it."""
    path = cache_path(cache_dir, name, sources)
    try:
        with path.open("rb") as handle:
            return Thesaurus(*pickle.load(handle))  # noqa: S301 - our own cache file
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        pass
    thesaurus = build()
    try:  # a read-only cache only costs speed
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return thesaurus
    try:  # atomically, so a concurrent process never reads half a file
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(thesaurus.state(), handle, protocol=5)
        os.replace(tmp, path)
        for stale in path.parent.glob(f"{name}-*.pickle"):  # built from older sources or code
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return thesaurus
