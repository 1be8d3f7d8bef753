"""``babelshop eval`` end to end against the real engine: ``run`` and ``diff`` on a tiny catalog
this test writes itself, and a quick ``taxonomy`` run (5 queries a language) on ../shared/eval.

The taxonomy test reuses the ``taxonomy-dev`` index when it is already built; on a fresh
cluster its first run indexes every English category once (a few minutes on 2 cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from babelshop.cli import main
from common.settings import Settings
from evaluation.taxonomy import LOCALES, default_data_dir
from indexer.service import IndexingService
from mappings.install import setup

pytestmark = pytest.mark.integration

PRODUCTS = [
    {"id": "shoe-en", "title": "Trail running shoes", "lang": "en", "category": "Apparel > Shoes > Athletic Shoes"},
    {"id": "shoe-de", "title": "Herren Laufschuhe leicht", "lang": "de",
     "category": "Apparel > Shoes > Athletic Shoes"},
    {"id": "bag-es", "title": "Mochila de senderismo 30 litros", "lang": "es",
     "category": "Luggage & Bags > Backpacks"},
    {"id": "coffee-fr", "title": "Machine à café expresso", "lang": "fr",
     "category": "Home & Garden > Kitchen Appliances > Espresso Machines"},
    {"id": "kettle-en", "title": "Electric kettle stainless steel", "lang": "en",
     "category": "Home & Garden > Kitchen Appliances > Kettles"},
]
QUERIES = [
    {"qid": "exact", "query": "Trail running shoes", "lang": "en"},
    {"qid": "cross", "query": "Laufschuhe", "lang": "de"},
    {"qid": "coffee", "query": "espresso machine"},  # language detected
    {"qid": "unjudged", "query": "kettle"},
    {"qid": "junk", "query": "???", "lang": "en"},  # nothing to search: scored 0, the run goes on
]
QRELS = ("exact 0 shoe-en 2\nexact 0 shoe-de 1\ncross 0 shoe-de 2\ncross 0 shoe-en 1\n"
         "coffee 0 coffee-fr 1\njunk 0 kettle-en 1\n")
MODES = ("hybrid", "rrf", "bm25", "vector")


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def tiny_catalog(client: OpenSearch, settings: Settings, index_name: str) -> str:
    from encoders import load_encoder

    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension)
    local = settings.model_copy(update={"index": index_name})
    assert IndexingService(local, client=client).index_products(PRODUCTS).indexed == len(PRODUCTS)
    client.indices.refresh(index=index_name)
    return index_name


def test_eval_run_scores_every_mode_and_writes_a_diffable_run(tiny_catalog: str, tmp_path: Path) -> None:
    queries, qrels, out = tmp_path / "queries.jsonl", tmp_path / "qrels.txt", tmp_path / "run.jsonl"
    queries.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUERIES), encoding="utf-8")
    qrels.write_text(QRELS, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "run", "--queries", str(queries), "--qrels", str(qrels),
                                  "--index", tiny_catalog, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    figures = _last_json(result.stdout)
    assert figures["queries"] == 4  # "unjudged" has nothing to score
    assert set(figures["modes"]) == set(MODES)
    for mode, summary in figures["modes"].items():
        assert summary["errors"] == 1, mode  # "junk"
        assert set(summary["languages"]) >= {"en", "de"}, mode
        for values in [*summary["languages"].values(), summary["mean"]]:
            for metric in ("ndcg@10", "mrr@10", "recall@10", "recall@100"):
                assert 0.0 <= values[metric] <= 1.0, (mode, metric)

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4 * len(MODES)
    for line in lines:
        assert set(line) >= {"qid", "mode", "ranked", "metrics", "first_relevant", "error"}
        if line["qid"] == "junk":
            assert line["error"] and line["ranked"] == [] and line["metrics"]["ndcg@10"] == 0.0
        else:  # five products, 100 hits deep: every relevant product is somewhere in the list
            assert line["error"] is None and line["metrics"]["recall@100"] == 1.0, line
        if line["first_relevant"] == 1:
            assert line["metrics"]["mrr@10"] == 1.0
    exact_bm25 = next(x for x in lines if x["qid"] == "exact" and x["mode"] == "bm25")
    assert exact_bm25["ranked"][0] == "shoe-en"  # the exact title comes first...
    assert exact_bm25["metrics"]["mrr@10"] == 1.0  # ...so its MRR is 1
    assert exact_bm25["metrics"]["ndcg@10"] > 0.6

    diff = runner.invoke(main, ["eval", "diff", str(out), str(out), "--mode-a", "bm25", "--mode-b", "vector",
                                "--top", "5", "--json"])
    assert diff.exit_code == 0, diff.output
    compared = _last_json(diff.stdout)
    assert compared["queries"] == 4
    assert compared["improved"] + compared["regressed"] + compared["unchanged"] == 4

    mixed = runner.invoke(main, ["eval", "diff", str(out), str(out)])
    assert mixed.exit_code == 2 and "--mode-a" in mixed.output


def test_eval_run_names_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "run", "--queries", str(tmp_path / "nope.jsonl"),
                                       "--qrels", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.jsonl: no such file" in result.output


def test_taxonomy_benchmark_quick_run(tmp_path: Path) -> None:
    data_dir = default_data_dir()
    assert (data_dir / "taxonomy_dev_queries.jsonl").is_file(), f"the evaluation data is missing from {data_dir}"
    out = tmp_path / "taxonomy-run.jsonl"
    result = CliRunner().invoke(main, ["eval", "taxonomy", "--data-dir", str(data_dir), "--limit", "3",
                                       "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    figures = _last_json(result.stdout)
    corpus = data_dir / "taxonomy_corpus_en.jsonl"
    assert figures["documents"] == sum(1 for line in corpus.open(encoding="utf-8") if line.strip())
    codes = set(LOCALES.values())  # the dev file's eleven languages, by default
    assert len(codes) == 11 and figures["queries"] == {code: 3 for code in codes}
    assert set(figures["modes"]) == {*MODES, "bm25_untranslated", "vector_e5"}
    for mode, summary in figures["modes"].items():
        assert set(summary["languages"]) == codes, mode
        for metric in ("mrr@10", "recall@10", "ndcg@10"):
            assert 0.0 <= summary["mean"][metric] <= 1.0, (mode, metric)
    # Dense retrieval of a leaf in another language finds something for a few of 20 queries.
    assert figures["modes"]["vector"]["mean"]["recall@100"] > 0.0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 33 * 6


def test_taxonomy_measures_a_language_as_unseen(tmp_path: Path) -> None:
    def run(*extra: str) -> tuple[dict, list[dict]]:
        out = tmp_path / f"run-{len(list(tmp_path.iterdir()))}.jsonl"
        result = CliRunner().invoke(main, ["eval", "taxonomy", "--data-dir", str(default_data_dir()), "--langs", "it",
                                           "--limit", "4", "--modes", "hybrid", "--out", str(out), "--json", *extra])
        assert result.exit_code == 0, result.output
        return _last_json(result.stdout), [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    figures, seen = run()
    assert "unseen" not in figures and all(row["translations"].get("en") for row in seen)
    figures, unseen = run("--unseen", "it", "--unseen-dictionaries", "none")
    assert figures["unseen"] == {"languages": ["it"], "dictionaries": "none", "companion": False}
    assert [row["translations"] for row in unseen] == [{}] * 4  # no dictionary: nothing translated
    _, freedict = run("--unseen", "it")
    assert all(row["translations"].get("en") for row in freedict)
    # The process-wide translator was left alone: the next plain run translates as before.
    _, again = run()
    assert [row["translations"] for row in again] == [row["translations"] for row in seen]
    refused = CliRunner().invoke(main, ["eval", "taxonomy", "--data-dir", str(default_data_dir()), "--unseen", "de"])
    assert refused.exit_code == 2 and "'de' is a catalog language" in refused.output


def test_taxonomy_names_a_missing_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "taxonomy", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--data-dir" in result.output
