"""Ranking metrics on hand-computed examples, and the evaluation's pure helpers (file parsing,
macro means, run diffs, taxonomy judgments) on tiny made-up inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from common.text import category_leaf
from evaluation.metrics import evaluate, first_relevant_rank, mrr_at_k, ndcg_at_k, recall_at_k, reciprocal_rank
from evaluation.runner import (
    EvalInputError,
    QueryResult,
    diff_runs,
    load_qrels,
    load_queries,
    pick_mode,
    read_run,
    summarize,
    write_run,
)
from evaluation.taxonomy import corpus_products, dev_queries, load_taxonomy, parse_locales

# ---------------------------------------------------------------- metrics


def test_binary_relevance_by_hand() -> None:
    ranked = ["a", "b", "c", "d"]
    qrels = {"b": 1, "d": 1}
    assert mrr_at_k(ranked, qrels, 10) == 0.5
    assert recall_at_k(ranked, qrels, 10) == 1.0
    assert recall_at_k(ranked, qrels, 2) == 0.5
    # DCG = 1/log2(3) + 1/log2(5) = 1.061606; ideal = 1 + 1/log2(3) = 1.630930
    assert ndcg_at_k(ranked, qrels, 10) == pytest.approx(0.650921, abs=1e-6)
    # Only "b" in the top 2: 0.630930 / 1.630930
    assert ndcg_at_k(ranked, qrels, 2) == pytest.approx(0.386853, abs=1e-6)


def test_graded_ndcg_by_hand() -> None:
    # x (1) at rank 1, y (3) at rank 2, w (2) never retrieved:
    # DCG = 1 + 3/log2(3) = 2.892789; ideal = 3 + 2/log2(3) + 1/2 = 4.761860
    assert ndcg_at_k(["x", "y", "z"], {"x": 1, "y": 3, "w": 2}, 10) == pytest.approx(0.607492, abs=1e-6)


def test_perfect_and_empty_rankings() -> None:
    qrels = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at_k(["a", "b", "c"], qrels) == pytest.approx(1.0)
    assert ndcg_at_k([], qrels) == 0.0
    assert evaluate([], qrels) == {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}


def test_no_relevant_document_scores_zero() -> None:
    for qrels in ({}, {"a": 0}):
        assert ndcg_at_k(["a"], qrels) == 0.0
        assert mrr_at_k(["a"], qrels) == 0.0
        assert recall_at_k(["a"], qrels) == 0.0
        assert first_relevant_rank(["a"], qrels) is None


def test_cutoffs_and_first_relevant_rank() -> None:
    ranked = [f"d{i}" for i in range(1, 21)]
    qrels = {"d11": 1}
    assert first_relevant_rank(ranked, qrels) == 11
    assert mrr_at_k(ranked, qrels, 10) == 0.0
    assert mrr_at_k(ranked, qrels, 20) == pytest.approx(1 / 11)
    assert recall_at_k(ranked, qrels, 10) == 0.0
    assert reciprocal_rank(11, 20) == mrr_at_k(ranked, qrels, 20) and reciprocal_rank(11, 10) == 0.0
    assert reciprocal_rank(None) == 0.0 and reciprocal_rank(1) == 1.0
    with pytest.raises(ValueError, match="k=0"):
        reciprocal_rank(1, 0)
    assert evaluate(ranked, qrels)["recall@100"] == 1.0
    assert ndcg_at_k(ranked, qrels, 20) == pytest.approx(1 / math.log2(12))


def test_duplicates_earn_nothing_twice() -> None:
    assert ndcg_at_k(["a", "a", "b"], {"a": 1, "b": 1}) == pytest.approx(1.0)
    assert recall_at_k(["a", "a"], {"a": 1, "b": 1}, 2) == 0.5


def test_bad_cutoff_is_refused() -> None:
    with pytest.raises(ValueError, match="k=0"):
        ndcg_at_k(["a"], {"a": 1}, 0)


# ---------------------------------------------------------------- files, summaries, diffs


def test_qrels_in_trec_and_jsonl(tmp_path: Path) -> None:
    trec = tmp_path / "qrels.txt"
    trec.write_text("q1 0 d1 2\nq1 0 d2 0\n\nq2 0 d9 1\n")
    jsonl = tmp_path / "qrels.jsonl"
    jsonl.write_text('{"qid": "q1", "id": "d1", "rel": 2}\n{"qid": "q1", "id": "d2", "rel": 0}\n'
                     '{"qid": 2, "id": 9}\n')
    assert load_qrels(trec) == {"q1": {"d1": 2.0, "d2": 0.0}, "q2": {"d9": 1.0}}
    assert load_qrels(jsonl) == {"q1": {"d1": 2.0, "d2": 0.0}, "2": {"9": 1.0}}


def test_bad_inputs_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "qrels.txt"
    bad.write_text("q1 0 d1 2\nq1 d2\n")
    with pytest.raises(EvalInputError, match=r"qrels.txt:2: expected 'qid 0 docid rel'"):
        load_qrels(bad)
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": 1, "query": "跑鞋", "lang": "zh"}\n{"query": "no id"}\n')
    with pytest.raises(EvalInputError, match=r"q.jsonl:2: a query line needs \"qid\""):
        load_queries(queries)
    with pytest.raises(EvalInputError, match="no such file"):
        load_queries(tmp_path / "missing.jsonl")


def _result(qid: str, mode: str, lang: str, mrr: float, rank: int | None = None) -> QueryResult:
    metrics = {"ndcg@10": mrr, "mrr@10": mrr, "recall@10": mrr, "recall@100": mrr}
    return QueryResult(qid, mode, f"query {qid}", lang, [], metrics, rank, 1)


def test_summary_means_over_languages_not_queries() -> None:
    results = [_result("1", "bm25", "de", 1.0), _result("2", "bm25", "de", 1.0), _result("3", "bm25", "de", 1.0),
               _result("4", "bm25", "zh", 0.0)]
    summary = summarize(results)["bm25"]
    assert summary["languages"]["de"]["mrr@10"] == 1.0
    assert summary["languages"]["de"]["queries"] == 3
    assert summary["mean"]["mrr@10"] == 0.5  # (1.0 + 0.0) / 2 languages, not 3/4 queries
    assert summary["queries"] == 4


def test_run_round_trip_and_diff(tmp_path: Path) -> None:
    a = [_result("1", "bm25", "de", 0.5, 2), _result("2", "bm25", "zh", 1.0, 1), _result("3", "bm25", "zh", 0.2, 5)]
    b = [_result("1", "hybrid", "de", 1.0, 1), _result("2", "hybrid", "zh", 0.0, None),
         _result("3", "hybrid", "zh", 0.2, 5), _result("4", "hybrid", "fr", 1.0, 1)]
    path = tmp_path / "run.jsonl"
    write_run(a + b, path)
    back = read_run(path)
    assert back == a + b
    with pytest.raises(EvalInputError, match="choose one"):
        pick_mode(back, None, path)
    rows, summary = diff_runs(pick_mode(back, "bm25", path), pick_mode(back, "hybrid", path), "mrr@10")
    assert [r.qid for r in rows] == ["2", "1", "3"]  # largest change first
    assert rows[0].delta == -1.0 and rows[0].rank_a == 1 and rows[0].rank_b is None
    assert summary["improved"] == 1 and summary["regressed"] == 1 and summary["unchanged"] == 1
    assert summary["only_in_b"] == 1 and summary["only_in_a"] == 0
    with pytest.raises(EvalInputError, match="Unknown metric"):
        diff_runs(a, b, "p@5")


# ---------------------------------------------------------------- taxonomy protocol (made-up rows)


def test_taxonomy_products_and_judgments() -> None:
    assert category_leaf("A > B >  C ") == "C"
    assert corpus_products([{"id": 7, "path": "Home > Kitchen > Pots"}]) == [
        {"id": "7", "title": "Pots", "category": "Home > Kitchen > Pots", "lang": "en"}]
    dev = [
        {"id": 1, "de-DE": "Haus > Töpfe", "zh-CN": "家 > 锅"},
        {"id": 2, "de-DE": "Garten > Töpfe", "zh-CN": "花园 > 花盆"},
        {"id": 3, "de-DE": "Haus > Pfannen"},  # no zh path: no zh query
    ]
    queries, qrels = dev_queries(dev, ["de-DE", "zh-CN"])
    assert [(q.qid, q.query, q.lang) for q in queries] == [
        ("de:1", "Töpfe", "de"), ("de:2", "Töpfe", "de"), ("de:3", "Pfannen", "de"),
        ("zh:1", "锅", "zh"), ("zh:2", "花盆", "zh")]
    assert qrels["de:1"] == {"1": 1.0, "2": 1.0}  # the same German leaf: both relevant
    assert qrels["zh:1"] == {"1": 1.0}  # different Chinese leaves: only its own
    limited, _ = dev_queries(dev, ["de-DE", "zh-CN"], limit=1)
    assert [q.qid for q in limited] == ["de:1", "zh:1"]
    sampled, sampled_qrels = dev_queries(dev, ["de-DE"], every=2)
    assert [q.qid for q in sampled] == ["de:1", "de:3"]
    assert sampled_qrels["de:1"] == {"1": 1.0, "2": 1.0}  # judged against every category, sampled or not
    detected, _ = dev_queries(dev, ["zh-CN"], detect=True)
    assert [(q.lang, q.group) for q in detected] == [(None, "zh"), (None, "zh")]  # searched without a language


def test_locales_and_missing_data_dir(tmp_path: Path) -> None:
    assert parse_locales("zh-CN, de ,fr-FR") == ["zh-CN", "de-DE", "fr-FR"]
    assert parse_locales("pl,tr-TR") == ["pl-PL", "tr-TR"]  # the seven languages added to the dev file
    with pytest.raises(EvalInputError, match="Unknown language 'sv'"):
        parse_locales("sv")
    with pytest.raises(EvalInputError, match="--data-dir"):
        load_taxonomy(tmp_path)
    (tmp_path / "taxonomy_corpus_en.jsonl").write_text(json.dumps({"id": 1, "path": "A"}) + "\n")
    with pytest.raises(EvalInputError, match=r"not found: \S*/taxonomy_dev_queries\.jsonl\. Pass"):
        load_taxonomy(tmp_path)


class _FakeSearcher:
    """Answers each query with fixed ids; "???" is refused as the real rewriter refuses it."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def search(self, text: str, *, lang: str | None, mode: str, size: int, index: str | None):
        from types import SimpleNamespace

        from query_rewriter.contracts import QueryError

        if text == "???":
            raise QueryError("The query has no letters or digits to search for.")
        if text == "down":
            raise QueryError("There is no index 'x'") from ConnectionError("404")
        hits = [SimpleNamespace(id=i, title=f"title {i}") for i in self.answers[text][:size]]
        query = SimpleNamespace(lang=lang or "en", translations={})
        return SimpleNamespace(hits=hits, query=query)


def test_run_queries_orders_by_mode_and_scores_each_query() -> None:
    from evaluation.runner import Query, run_queries
    from query_rewriter.contracts import QueryError

    searcher = _FakeSearcher({"a": ["d1", "d2"], "b": ["d3", "d2"]})
    queries = [Query("1", "a", "de"), Query("2", "b"), Query("3", "???", "de"), Query("4", "a")]
    qrels = {"1": {"d1": 1}, "2": {"d2": 1}, "3": {"d1": 1}}  # "4" is unjudged: left out
    for workers in (1, 3):
        results = run_queries(searcher, queries, qrels, ["bm25", "vector"], workers=workers)
        assert [(r.mode, r.qid) for r in results] == [(m, q) for m in ("bm25", "vector") for q in ("1", "2", "3")]
        by_qid = {r.qid: r for r in results if r.mode == "bm25"}
        assert by_qid["1"].metrics["mrr@10"] == 1.0 and by_qid["1"].first_relevant == 1
        assert by_qid["2"].metrics["mrr@10"] == 0.5 and by_qid["2"].lang == "en"  # detected language
        assert by_qid["3"].error and by_qid["3"].metrics["mrr@10"] == 0.0
    with pytest.raises(QueryError, match="no index"):
        run_queries(searcher, [Query("1", "down")], {"1": {"d1": 1}}, ["bm25"])
