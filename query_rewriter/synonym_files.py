"""Curated synonym files in Solr format (``mappings/synonyms/<lang>.txt``), the same files the
OpenSearch search analyzers use: parsed, validated with file and line in every error, and
looked up by the query rewriter ignoring case and a plural "-s".
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from common.text import fold_plural, normalize_term
from languages.registry import CJK

SYNONYM_DIR = Path(str(files("mappings").joinpath("synonyms")))
#: Curated rules are trusted most, yet weigh less than the query itself.
SYNONYM_FILE_WEIGHT = 0.8
#: Languages matched on characters, as they put no spaces between words.
CHAR_LANGUAGES = frozenset(CJK)

_COMMA = re.compile(r"(?<!\\),")  # not an escaped one
Rule = tuple[tuple[str, ...], tuple[str, ...]]


class SynonymFileError(ValueError):
    """A line of a synonym file is not valid Solr syntax; the message names the file and line."""


def parse_solr_synonyms(text: str, name: str = "<synonyms>") -> list[Rule]:
    """``(inputs, outputs)`` per rule of a Solr synonym file; a comma list has inputs == outputs.

    ``a, b, c`` makes the terms equivalent; ``a, b => c, d`` rewrites a or b to c and d only.
    Lines starting with ``#`` are comments; ``\\,`` is a literal comma. What OpenSearch would
    reject (an empty term, two ``=>``) raises ``SynonymFileError`` naming ``name`` and the line.
    """
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        sides = [tuple(" ".join(t.replace("\\,", ",").split()) for t in _COMMA.split(s)) for s in line.split("=>")]
        if len(sides) > 2:
            raise SynonymFileError(f"{name}:{number}: {line!r} has more than one '=>'; split it into two rules.")
        if any("" in terms for terms in sides):
            raise SynonymFileError(f"{name}:{number}: {line!r} has an empty term; remove the stray comma or '=>'.")
        rules.append((sides[0], sides[-1]))
    return rules


class SynonymRules:
    """A language's Solr rules as term -> equivalents, looked up ignoring case and a plural "-s"."""

    def __init__(self, lang: str, rules: list[Rule]) -> None:
        self.lang, self.by_chars = lang, lang in CHAR_LANGUAGES
        self._map: dict[str, list[str]] = {}
        for inputs, outputs in rules:
            for term in inputs:
                targets = self._map.setdefault(normalize_term(term), [])
                targets += [o for o in outputs if normalize_term(o) != normalize_term(term) and o not in targets]
        for key in list(self._map):
            self._map.setdefault(fold_plural(key, self.by_chars), self._map[key])
        self.max_len = max((len(k) if self.by_chars else k.count(" ") + 1 for k in self._map), default=1)

    def lookup(self, term: str) -> list[tuple[str, float]]:
        """Equivalents of ``term`` with the synonym-file weight, or ``[]``."""
        key = normalize_term(term)
        found = self._map.get(key) or self._map.get(fold_plural(key, self.by_chars)) or []
        return [(text, SYNONYM_FILE_WEIGHT) for text in found]


def load_synonym_rules(lang: str, directory: Path = SYNONYM_DIR) -> SynonymRules | None:
    """The rules in ``directory/<lang>.txt``, or ``None`` if there is no such file."""
    path = directory / f"{lang}.txt"
    if not path.is_file():
        return None
    return SynonymRules(lang, parse_solr_synonyms(path.read_text(encoding="utf-8"), str(path)))
