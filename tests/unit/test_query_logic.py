"""Query-side pure logic: normalization, request building, explanation arithmetic, filters."""

from __future__ import annotations

import json

import pytest

from query_rewriter.builder import MAX_CLAUSES, request_body
from query_rewriter.contracts import ExpansionTerm, Filters, QueryError, RewrittenQuery, WeightedText
from query_rewriter.explain import MIN_SCORE, min_max
from query_rewriter.normalize import MAX_QUERY_CHARS, normalize_query

LANGS = ("en", "zh", "de", "es", "fr", "ja")


def _query(**kw) -> RewrittenQuery:
    base = dict(text="Laufschuhe", normalized="Laufschuhe", lang="de", lang_confidence=0.9, lang_method="lingua",
                translations={"en": [WeightedText(text="running shoes", weight=1.0)]},
                synonyms={"en": [ExpansionTerm(text="sneakers", weight=0.5, source="wordnet")]},
                embedding=[0.1, 0.2])
    base.update(kw)
    return RewrittenQuery(**base)


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x07", "👟👟", "!!!", None])
def test_inputs_with_nothing_to_search_are_clear_errors(raw) -> None:
    with pytest.raises(QueryError) as err:
        normalize_query(raw)
    assert err.value.args[0].endswith(".")


def test_normalization_strips_controls_and_bidi_and_bounds_length() -> None:
    assert normalize_query("  run\x00ning\u200f  shoes\n") == "run ning shoes"
    assert normalize_query("ｓｈｏｅｓ") == "shoes"  # NFKC folds full-width letters
    long = normalize_query("word " * 5000)
    assert len(long) <= MAX_QUERY_CHARS and not long.endswith(" ")


def _matches(should: list[dict]) -> list[dict]:
    """The match clauses of a lexical query: each text is one any-word and one every-word clause."""
    return [inner for clause in should for inner in clause.get("bool", {}).get("should", [clause])]


def test_user_text_only_reaches_match_clauses() -> None:
    evil = "title:x AND (doc['price'].value) {!lucene} *:*"
    body, _ = request_body(_query(normalized=evil), mode="hybrid", size=10, from_=0, depth=100, languages=LANGS,
                           filters=None)
    dumped = json.dumps(body)
    assert "query_string" not in dumped and "script" not in dumped
    lexical = _matches(body["query"]["hybrid"]["queries"][0]["bool"]["should"])
    assert lexical and all(set(clause) == {"multi_match"} for clause in lexical)


def test_hybrid_body_has_both_sub_queries_with_filters_on_each() -> None:
    filters = Filters(brand="Acme", price_max=100)
    body, names = request_body(_query(), mode="hybrid", size=10, from_=20, depth=100, languages=LANGS,
                               filters=filters)
    lexical, knn = body["query"]["hybrid"]["queries"]
    assert lexical["bool"]["filter"] == filters.clauses()
    assert knn["knn"]["title_vector"]["filter"] == {"bool": {"filter": filters.clauses()}}
    assert knn["knn"]["title_vector"]["k"] == 100 and body["query"]["hybrid"]["pagination_depth"] == 100
    assert body["from"] == 20
    assert names["translation:en:0"] == "translation en: running shoes"
    assert any(n.startswith("synonym:en") for n in names)


def test_expansions_weigh_less_than_the_original_and_clauses_are_bounded() -> None:
    many = {"en": [WeightedText(text=f"t{i}", weight=1.0) for i in range(100)]}
    body, _ = request_body(_query(translations=many), mode="bm25", size=10, from_=0, depth=100, languages=LANGS,
                           filters=None)
    should = body["query"]["bool"]["should"]
    assert len(should) == MAX_CLAUSES
    boosts = {c["multi_match"]["_name"]: c["multi_match"]["boost"] for c in _matches(should)}
    assert boosts["original:de"] == boosts["original:de:all"] == 1.0
    assert all(b < 1.0 for n, b in boosts.items() if n.startswith(("translation", "synonym")))


def test_unsure_language_searches_the_original_in_every_language() -> None:
    body, _ = request_body(_query(lang="en", lang_method="default"), mode="bm25", size=10, from_=0, depth=10,
                           languages=LANGS, filters=None)
    names = {c["multi_match"]["_name"] for c in _matches(body["query"]["bool"]["should"])}
    assert {f"original:{lang}" for lang in LANGS} <= names


def test_a_text_scores_again_when_every_word_matches() -> None:
    body, names = request_body(_query(), mode="bm25", size=10, from_=0, depth=10, languages=LANGS, filters=None)
    pair = next(c["bool"]["should"] for c in body["query"]["bool"]["should"]
                if "bool" in c and c["bool"]["should"][0]["multi_match"]["_name"] == "translation:en:0")
    any_word, every_word = (c["multi_match"] for c in pair)
    assert any_word["query"] == every_word["query"] == "running shoes"
    assert "operator" not in any_word and every_word["operator"] == "and"
    assert every_word["boost"] == any_word["boost"] and every_word["fields"] == any_word["fields"]
    assert names["translation:en:0:all"] == "translation en: running shoes (every word)"


def test_only_the_original_and_each_languages_best_translation_score_again() -> None:
    two = {"en": [WeightedText(text="running shoes", weight=1.0), WeightedText(text="jogging shoes", weight=0.8, rank=1)],
           "fr": [WeightedText(text="chaussures de course", weight=1.0)]}
    _, names = request_body(_query(translations=two), mode="bm25", size=10, from_=0, depth=10, languages=LANGS,
                            filters=None)
    halves = {n.removesuffix(":all") for n in names if n.endswith(":all")}
    assert halves == {"original:de", "translation:en:0", "translation:fr:0"}
    assert {"translation:en:1", "synonym:en:0"} <= set(names)  # still searched, scored once


def test_one_translation_per_language_and_reading_keeps_each_hedges_best() -> None:
    from query_rewriter.contracts import LexicalShape

    # The best English reading, the second, and the best of a language the query may also be in.
    mixed = {"en": [WeightedText(text="running shoes", weight=1.0), WeightedText(text="jogging shoes", weight=0.8, rank=1),
                    WeightedText(text="race shoes", weight=0.5)]}
    q = _query(translations=mixed, synonyms={}, shape=LexicalShape(alternatives=1))
    _, names = request_body(q, mode="bm25", size=10, from_=0, depth=10, languages=LANGS, filters=None)
    searched = sorted(d for n, d in names.items() if n.startswith("translation") and not n.endswith(":all"))
    assert searched == ["translation en: race shoes", "translation en: running shoes"]


def test_the_lexical_query_carries_as_many_translations_as_settings_say() -> None:
    from common.settings import Settings
    from query_rewriter.rewriter import Rewriter
    from translation.base import Translation

    class Numbered:
        id = "numbered"

        def translate(self, text: str, source: str, target: str, max_candidates: int = 3):
            return [Translation(text=f"{target}{i}", weight=1.0 - i / 10) for i in range(max_candidates)]

    def searched(**settings) -> list[str]:
        rewriter = Rewriter(Settings(catalog_languages=("en", "de", "fr"), query_log=False, **settings),
                            encoder=_CountingEncoder(), translator=Numbered(), expand_synonyms=False)
        q = rewriter.rewrite("maleta", "es", mode="bm25")
        assert [a.rank for a in q.translations["de"]] == [0, 1, 2]  # the rewrite keeps every translation; only the query narrows
        return sorted(d for n, d in q.clause_names.items() if n.startswith("translation") and not n.endswith(":all"))

    assert searched() == ["translation de: de0", "translation en: en0", "translation fr: fr0"]
    assert len(searched(lexical_translations=3)) == 9


def test_min_max_matches_neural_search() -> None:
    assert min_max(5.0, 1.0, 9.0) == 0.5
    assert min_max(1.0, 1.0, 9.0) == MIN_SCORE  # the minimum is floored, not zero
    assert min_max(3.0, 3.0, 3.0) == 1.0
    assert min_max(None, 0.0, 1.0) is None


def test_filters_validate_price_range() -> None:
    with pytest.raises(ValueError, match="swap them"):  # pydantic wraps it in a ValidationError
        Filters(price_min=10, price_max=5)
    assert Filters(category="Apparel").clauses() == [{"prefix": {"category.keyword": "Apparel"}}]


class _CountingEncoder:
    """A deterministic stand-in: one fixed unit vector per text, and a log of what was embedded."""

    dimension = 4
    max_alternatives = 3
    id = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode_queries(self, texts: list[str]):
        import numpy as np

        self.calls.append(list(texts))
        rows = [np.random.default_rng(sum(map(ord, t))).normal(size=4) for t in texts]
        return np.stack([r / np.linalg.norm(r) for r in rows]).astype("float32")

    def encode_alternatives(self, groups: list[list[str]]):
        # Stands in for any pooling: reversed, so a test can tell it from encode_queries.
        return self.encode_queries([" / ".join(reversed(g)) for g in groups])

    def encode_query_and_alternatives(self, text, alternatives):
        return self.encode_queries([text])[0], self.encode_alternatives([alternatives])[0]


def test_query_vector_mixes_the_original_with_its_english_alternatives() -> None:
    import numpy as np

    from common.settings import Settings
    from query_rewriter.rewriter import Rewriter

    encoder = _CountingEncoder()
    rewriter = Rewriter(Settings(query_vector_original_weight=0.3), encoder=encoder, translator=object())
    alts = ["trunk", "suitcase", "valise", "case"]
    vec = np.array(rewriter._embed("maleta", "es", alts))
    original, english = encoder.encode_queries(["maleta", "case / valise / suitcase / trunk"])
    expected = 0.3 * original + 0.7 * english
    np.testing.assert_allclose(vec, expected / np.linalg.norm(expected), atol=1e-5)
    # The alternatives are pooled by the encoder, as one group.
    assert encoder.calls[:2] == [["maleta"], ["case / valise / suitcase / trunk"]]
    calls = len(encoder.calls)
    rewriter._embed("maleta", "es", alts)
    assert len(encoder.calls) == calls  # the second time both vectors came from the cache
    # An English query, or one with no English alternative, is its own vector.
    np.testing.assert_allclose(rewriter._embed("suitcase", "en", []), encoder.encode_queries(["suitcase"])[0], atol=1e-5)


def test_the_vector_gets_as_many_english_alternatives_as_the_encoder_pools() -> None:
    from common.settings import Settings
    from query_rewriter.rewriter import Rewriter
    from translation.base import Translation

    class Numbered:
        id = "numbered"

        def __init__(self) -> None:
            self.asked: list[tuple[str, int]] = []

        def translate(self, text: str, source: str, target: str, max_candidates: int = 3):
            self.asked.append((target, max_candidates))
            return [Translation(text=f"{target}{i}", weight=1.0 - i / 10) for i in range(max_candidates)]

    encoder = _CountingEncoder()
    encoder.max_alternatives = 6
    translator = Numbered()
    rewriter = Rewriter(Settings(catalog_languages=("en", "de"), translation_candidates=3, query_log=False),
                        encoder=encoder, translator=translator)
    q = rewriter.rewrite("maleta", "es", mode="vector")
    assert sorted(translator.asked) == [("de", 3), ("en", 6)]
    assert [a.text for a in q.translations["en"]] == ["en0", "en1", "en2"]  # the lexical side keeps 3
    assert ["en5 / en4 / en3 / en2 / en1 / en0"] in encoder.calls  # the vector pools all 6


def test_a_new_query_is_embedded_with_its_alternatives_in_one_pass() -> None:
    import numpy as np

    from common.settings import Settings
    from encoders.base import Encoder
    from languages.registry import companion_covers
    from query_rewriter.rewriter import Rewriter

    class Batches(Encoder):
        dimension = 4
        id = "batches"

        def __init__(self) -> None:
            self.batches: list[list[str]] = []

        def _encode_batch(self, texts, kind):
            self.batches.append(list(texts))
            return np.stack([np.random.default_rng(sum(map(ord, t))).normal(size=4) for t in texts])

    encoder = Batches()
    rewriter = Rewriter(Settings(query_log=False), encoder=encoder, translator=object())
    first = rewriter._embed("maleta", "es", ["trunk", "suitcase"])
    assert encoder.batches == [["maleta", "trunk suitcase"]]
    assert rewriter._embed("maleta", "es", ["trunk", "suitcase"]) == first and len(encoder.batches) == 1
    # A language the companion does not cover embeds its original with the primary alone: two passes.
    assert not companion_covers("sv")
    rewriter._embed("resväska", "sv", ["suitcase"])
    assert encoder.batches[1:] == [["resväska"], ["suitcase"]]
