"""Count, on our side, the terms OpenSearch's analyzers will make of a text, and cut a text to
its first terms.

Lucene counts every leaf of a query (a term, a phrase, a synonym group) against
``indices.query.bool.max_clause_count``; a ``match`` on a text has one leaf per analyzed term
and field. The count here is an upper bound of the analyzers in :mod:`mappings.analysis`:

* words: one per run of letters/digits (the standard tokenizer never splits a run further;
  it may join across an apostrophe or a dot, which only makes the real count smaller);
* CJK: one per character (the real ``cjk_bigram`` count of a run of n is n - 1);
* symbols (emoji): one each (the standard tokenizer keeps emoji as tokens);
* synonyms: each occurrence of a rule's term in the text adds as many leaves as the rule has
  terms (the ``synonym_graph`` search analyzer turns it into one leaf per alternative).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Hangul Jamo, CJK radicals and symbols, kana, bopomofo, ideographs, Hangul syllables,
# compatibility ideographs, half-width kana, and the supplementary ideograph planes.
_CJK = ("\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
        "\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff")
_PIECE = re.compile(rf"(?P<cjk>[{_CJK}])|(?P<word>(?:(?![{_CJK}])\w)+)|(?P<other>\S)")


def token_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the terms ``text`` is counted as: words and CJK characters, and
    of the other characters the symbols (emoji); punctuation never becomes a term."""
    return [m.span() for m in _PIECE.finditer(text)
            if m.lastgroup != "other" or unicodedata.category(m.group()).startswith("S")]


def tokens(text: str) -> list[str]:
    return [text[a:b].lower() for a, b in token_spans(text)]


def truncate_terms(text: str, max_terms: int) -> str:
    """``text`` up to the end of its ``max_terms``-th term (unchanged when it has no more)."""
    spans = token_spans(text)
    if len(spans) <= max_terms:
        return text
    if max_terms <= 0:
        return ""
    return text[:spans[max_terms - 1][1]]


class TermCounter:
    """Counts terms per language, with the synonym rules that language's search analyzer has."""

    def __init__(self, synonym_dir: Path | None = None) -> None:
        from mappings.analysis import SYNONYM_DIR

        self.synonym_dir = synonym_dir or SYNONYM_DIR

    def count(self, text: str, lang: str | None) -> int:
        """Leaves of one ``match`` of ``text`` on one field of ``lang`` (None: a field without synonyms)."""
        words = tokens(text)
        total = len(words)
        rules = _rule_index(self.synonym_dir, lang) if lang else {}
        if rules:
            for i, word in enumerate(words):
                for term, alternatives in rules.get(word, ()):
                    if tuple(words[i:i + len(term)]) == term:
                        total += alternatives
        return total


@lru_cache(maxsize=64)
def _rule_index(directory: Path, lang: str) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """First term -> (the rule term's terms, how many terms its rule has), for ``lang``'s rules."""
    from mappings.analysis import read_synonyms, supported_languages

    if lang not in supported_languages():
        return {}  # such a language is searched with the folded analyzer, which has no synonyms
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for rule in read_synonyms(lang, directory):
        terms = [tuple(tokens(t)) for t in re.split(r"=>|,", rule)]
        terms = [t for t in terms if t]
        for term in terms:
            index.setdefault(term[0], []).append((term, len(terms)))
    return {first: tuple(found) for first, found in index.items()}
