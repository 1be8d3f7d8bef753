"""The catalog prior on translations: the arithmetic, and the reading of a term-vectors answer."""

from __future__ import annotations

import pytest

from query_rewriter import catalog_terms
from query_rewriter.catalog_terms import CatalogTerms, content_words, rerank, word_factor


def test_word_factor_grows_with_use_and_saturates() -> None:
    assert word_factor(0) == pytest.approx(catalog_terms.FLOOR)
    assert word_factor(1) < word_factor(3) < word_factor(catalog_terms.SATURATION_DOCS)
    assert word_factor(catalog_terms.SATURATION_DOCS) == pytest.approx(1.0)
    assert word_factor(100 * catalog_terms.SATURATION_DOCS) == pytest.approx(1.0)


def test_a_sense_the_catalog_uses_overtakes_one_it_does_not() -> None:
    ranked = rerank([("layer", 1.0), ("diaper", 0.7), ("cloak", 0.6)], {"layer": 0, "diaper": 8, "cloak": 0})
    assert [text for text, _ in ranked] == ["diaper", "layer", "cloak"]
    assert ranked[0][1] == 1.0


def test_words_used_alike_keep_the_dictionary_order() -> None:
    pairs = [("car seat", 1.0), ("vehicle seat", 0.9)]
    assert rerank(pairs, {"car": 50, "vehicle": 40, "seat": 30}) == pairs


def test_uncounted_words_and_function_words_leave_the_weight_alone() -> None:
    # "for" is no content word; "toy" was not counted (the analyzer dropped it, or the lookup failed).
    assert content_words("Toys for the children") == ["toys", "children"]
    ranked = rerank([("toys for children", 1.0), ("toys for kids", 0.9)], {"children": 0, "kids": 20})
    assert ranked[0][0] == "toys for kids"
    assert rerank([("x", 1.0), ("y", 0.5)], {}) == [("x", 1.0), ("y", 0.5)]


def _answer(words: list[str], counts: dict[str, list[tuple[str, int]]], field: str) -> dict:
    """A ``_termvectors`` answer for ``"\\n".join(words)``: per word, its terms and their counts."""
    terms: dict[str, dict] = {}
    at = 0
    for word in words:
        for term, doc_freq in counts.get(word, []):
            entry = terms.setdefault(term, {"term_freq": 0, "tokens": []})
            if doc_freq:
                entry["doc_freq"] = doc_freq  # OpenSearch leaves it out for a term no document has
            entry["tokens"].append({"start_offset": at, "end_offset": at + len(word)})
        at += len(word.encode("utf-16-le")) // 2 + 1
    return {"term_vectors": {field: {"terms": terms}}}


def test_counts_are_read_per_word_and_cached() -> None:
    words = ["diapers", "the", "child-oriented", "𝒳kites", "airman"]
    counts = {"diapers": [("diaper", 8)], "child-oriented": [("child", 5), ("orient", 1)],
              "𝒳kites": [("𝒳kite", 4)], "airman": [("airman", 0)]}
    calls: list[dict] = []

    def request(body: dict) -> dict:
        calls.append(body)
        asked = body["doc"]["title_i18n"]["en"].split("\n")
        return _answer(asked, counts, "title_i18n.en")

    terms = CatalogTerms(fields=("title_i18n",))
    found = terms.doc_freq("shop", "en", words, request)
    # A word of several terms counts as its rarest; a word after an astral character is still
    # found (offsets count UTF-16 units); a stop word is left out.
    assert found == {"diapers": 8, "child-oriented": 1, "𝒳kites": 4, "airman": 0}
    assert calls[0]["fields"] == ["title_i18n.en"]
    assert terms.doc_freq("shop", "en", ["diapers", "the"], request) == {"diapers": 8}
    assert len(calls) == 1  # both words were known: nothing asked again
    terms.doc_freq("other-shop", "en", ["diapers"], request)
    assert len(calls) == 2  # another index has counts of its own


def test_a_word_counts_as_its_most_used_field() -> None:
    def request(body: dict) -> dict:
        title = _answer(["kites"], {"kites": [("kite", 2)]}, "title_i18n.en")
        category = _answer(["kites"], {"kites": [("kite", 9)]}, "category_i18n.en")
        return {"term_vectors": {**title["term_vectors"], **category["term_vectors"]}}

    assert CatalogTerms().doc_freq("shop", "en", ["kites"], request) == {"kites": 9}
