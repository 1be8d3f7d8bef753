"""The catalog's titles choosing the query vector's readings: the request, the order, the cache."""

from __future__ import annotations

from query_rewriter import catalog_phrases
from query_rewriter.catalog_phrases import CatalogPhrases, by_cover, cover_body


def test_the_request_counts_each_word_once_per_title() -> None:
    body = cover_body(["shoes", "leather"], "title_i18n.en")
    clauses = body["query"]["bool"]["should"]
    assert [c["constant_score"]["filter"]["match"]["title_i18n.en"]["query"] for c in clauses] == ["shoes", "leather"]
    assert all(c["constant_score"]["boost"] == 1.0 for c in clauses)
    assert body["size"] == 1 and body["_source"] is False


def test_a_reading_one_title_has_whole_overtakes_the_priors_first() -> None:
    pairs = [("shoes skin", 1.0), ("shoes leather", 0.96), ("shoe skin", 0.9), ("shoe leather", 0.86)]
    cover = {"shoes skin": 0.5, "shoes leather": 1.0, "shoe skin": 0.5, "shoe leather": 1.0}
    assert by_cover(pairs, cover, limit=6) == ["shoes leather", "shoe leather"]


def test_equal_cover_keeps_the_prior_order_and_the_limit() -> None:
    pairs = [("a b", 1.0), ("c d", 0.8), ("e f", 0.6), ("g h", 0.4)]
    cover = dict.fromkeys(["a b", "c d", "e f", "g h"], 1.0)
    assert by_cover(pairs, cover, limit=3) == ["a b", "c d", "e f"]


def test_one_standing_reading_is_pooled_with_the_next() -> None:
    pairs = [("x y", 1.0), ("x z", 0.9), ("w z", 0.8)]
    chosen = by_cover(pairs, {"x y": 0.5, "x z": 0.5, "w z": 1.0}, limit=6)
    assert chosen == ["w z", "x y"]
    assert len(chosen) == catalog_phrases.MIN_READINGS


def test_a_reading_without_a_share_counts_as_none_found() -> None:
    pairs = [("unknown words", 1.0), ("known words", 0.5), ("other words", 0.4)]
    assert by_cover(pairs, {"known words": 1.0, "other words": 1.0}, limit=6) == ["known words", "other words"]


def _answer(scores: list[float | None], *, failed: int = 0) -> dict:
    responses = []
    for score in scores:
        if score is None:
            responses.append({"error": {"type": "query_shard_exception", "reason": "no such field"}, "status": 400})
        else:
            hits = [{"_id": "p", "_score": score}] if score else []
            responses.append({"_shards": {"total": 1, "failed": failed}, "hits": {"hits": hits}})
    return {"responses": responses}


def test_shares_are_read_once_per_reading_and_cached() -> None:
    calls: list[list[dict]] = []

    def request(lines: list[dict]) -> dict:
        calls.append(lines)
        return _answer([2.0, 1.0, 0.0][: len(lines) // 2])

    phrases = CatalogPhrases()
    readings = ["leather shoes", "shoes for the skin", "kites"]
    assert phrases.cover("shop", "en", readings, request) == {"leather shoes": 1.0, "shoes for the skin": 0.5,
                                                              "kites": 0.0}
    # "for" and "the" are no content words: two clauses, on the pivot's title field.
    second = calls[0][3]["query"]["bool"]["should"]
    assert [c["constant_score"]["filter"]["match"]["title_i18n.en"]["query"] for c in second] == ["shoes", "skin"]
    assert phrases.cover("shop", "en", readings, request)["kites"] == 0.0
    assert len(calls) == 1
    phrases.cover("other-shop", "en", readings[:1], request)  # another index is asked again
    assert len(calls) == 2


def test_an_answer_with_errors_leaves_those_readings_unknown_and_asks_again() -> None:
    answers = [_answer([None, 1.0]), _answer([2.0])]
    calls: list[list[dict]] = []

    def request(lines: list[dict]) -> dict:
        calls.append(lines)
        return answers[len(calls) - 1]

    phrases = CatalogPhrases()
    assert phrases.cover("shop", "en", ["leather shoes", "kites"], request) == {"kites": 1.0}
    assert phrases.cover("shop", "en", ["leather shoes", "kites"], request) == {"leather shoes": 1.0, "kites": 1.0}
    assert len(calls[1]) == 2  # only the reading not known


def test_a_failed_shard_is_no_answer() -> None:
    phrases = CatalogPhrases()
    assert phrases.cover("shop", "en", ["leather shoes"], lambda lines: _answer([2.0], failed=1)) == {}


def test_readings_without_content_words_are_not_asked() -> None:
    def request(lines: list[dict]) -> dict:
        raise AssertionError("nothing to ask")

    assert CatalogPhrases().cover("shop", "en", ["the", "for a"], request) == {}
