"""babelshop train: pair mining on tiny dictionaries, the held-out metrics, batching, and a
fine-tune smoke run on a tiny random BERT the test builds itself (nothing is downloaded)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sample_dictionaries import install
from tiny_models import build_tiny_sentence_transformer

from training.finetune import (
    REPORT_FILE,
    TrainConfig,
    check_out_dir,
    evaluate,
    finetune,
    no_duplicate_batches,
    retrieval_metrics,
)
from training.pairs import (
    Pair,
    PairsFileError,
    clean_gloss,
    clean_term,
    dedupe,
    dictionary_candidates,
    is_product_gloss,
    mine_dictionary_pairs,
    read_pairs_file,
    split_heldout,
    training_examples,
)

WORDS = ["running", "shoes", "coffee", "maker", "red", "blue", "phone", "case", "laptop", "bag", "trail",
         "laufschuhe", "kaffeemaschine", "handyhülle", "rot", "blau", "tasche"]


@pytest.fixture(scope="module")
def dictionaries(tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Path, ...], Path]:
    return install(tmp_path_factory.mktemp("dicts"))


# --- pairs ------------------------------------------------------------------------------


def test_clean_term_and_gloss() -> None:
    assert clean_term("Laufschuhe", "de") == "Laufschuhe"
    assert clean_term("machine à café", "fr") == "machine à café"
    assert clean_term("etw graphitieren", "de") is None  # verb frame
    assert clean_term("ABS Bremse", "de") is None  # abbreviation
    assert clean_term("Schuh (Herren)", "de") is None
    assert clean_term("跑鞋", "zh") == "跑鞋" and clean_term("跑鞋2", "zh") is None
    assert clean_gloss("running shoes") == "running shoes"
    assert clean_gloss("Mississippi River") is None  # a name
    assert clean_gloss("of") is None and clean_gloss("be invincible") is None
    assert clean_gloss("dark or deep green") is None
    assert clean_gloss("one two three four five") is None
    assert is_product_gloss("running shoes") and is_product_gloss("coffee maker") and is_product_gloss("batteries")
    assert not is_product_gloss("kitchen")


def test_dictionary_candidates_read_both_directions(dictionaries) -> None:
    dirs, cedict = dictionaries
    de = set(dictionary_candidates("de", dict_dirs=dirs, cedict_path=cedict))
    assert ("Laufschuhe", "running shoes") in de and ("Kaffeemaschine", "coffee maker") in de
    assert ("Gipfel", "acme") in de  # only in the English-German dictionary, read backwards
    assert not any(english == "with" for _, english in de)
    zh = set(dictionary_candidates("zh", dict_dirs=dirs, cedict_path=cedict))
    assert ("跑鞋", "running shoes") in zh and ("黑", "black") in zh
    assert not any(term in ("咔", "咖啡機") for term, _ in zh)  # a variant note; traditional form
    with pytest.raises(FileNotFoundError, match="dict-freedict-ita-eng"):
        list(dictionary_candidates("it", dict_dirs=dirs, cedict_path=cedict))


def test_mining_caps_prefers_products_and_is_seeded(dictionaries) -> None:
    dirs, cedict = dictionaries
    mined = mine_dictionary_pairs(["de", "zh"], max_per_lang=4, seed=1, dict_dirs=dirs, cedict_path=cedict)
    assert [len(v) for v in mined.values()] == [4, 4]
    assert all(is_product_gloss(p.passage) for p in mined["de"])  # 6 product glosses to pick 4 from
    assert len({p.query for p in mined["de"]}) == 4  # each headword once
    assert all(p.lang == "de" and p.source == "dictionary" for p in mined["de"])
    again = mine_dictionary_pairs(["de", "zh"], max_per_lang=4, seed=1, dict_dirs=dirs, cedict_path=cedict)
    assert again == mined
    everything = mine_dictionary_pairs(["de"], max_per_lang=100, dict_dirs=dirs, cedict_path=cedict)["de"]
    assert {p.query for p in everything} >= {"Damen", "Küche", "Gipfel"}  # nouns outside the list fill up
    assert not any(p.query in ("schwarz", "laufen") for p in everything)  # German non-nouns stay out


def test_read_pairs_file(tmp_path: Path) -> None:
    good = tmp_path / "clicks.jsonl"
    good.write_text('{"query": "跑鞋", "product": "Trail running shoes"}\n\n'
                    '{"query": "kaffeemaschine", "product": "Coffee maker", "lang": "de"}\n', encoding="utf-8")
    assert read_pairs_file(good) == [Pair("跑鞋", "Trail running shoes", "user", "user"),
                                     Pair("kaffeemaschine", "Coffee maker", "de", "user")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x", "product": "y"}\n{"query": "x"}\n', encoding="utf-8")
    with pytest.raises(PairsFileError, match=r"bad.jsonl:2: .*\"product\""):
        read_pairs_file(bad)
    with pytest.raises(PairsFileError, match="no such file"):
        read_pairs_file(tmp_path / "missing.jsonl")


def test_split_keeps_each_passage_on_one_side_and_examples_go_both_ways() -> None:
    pairs = [Pair(f"t{i}-{lang}", f"gloss {i}", lang) for i in range(400) for lang in ("de", "fr")]
    train, heldout = split_heldout(pairs, 0.1, seed=3)
    assert 40 < len(heldout) < 120 and len(train) + len(heldout) == len(pairs)
    assert not {p.passage for p in train} & {p.passage for p in heldout}
    assert split_heldout(pairs, 0.1, seed=3) == (train, heldout)
    assert len(split_heldout(pairs, 0.1, seed=3, max_heldout=10)[1]) == 10
    with pytest.raises(ValueError, match="held-out fraction"):
        split_heldout(pairs, 1.5)
    assert dedupe([Pair("A", "b", "de"), Pair("a", "B", "fr")]) == [Pair("A", "b", "de")]
    user = Pair("phone case blue", "Blue phone case", "user", "user")
    assert training_examples([Pair("跑鞋", "running shoes", "zh"), user]) == [
        ("跑鞋", "running shoes"), ("running shoes", "跑鞋"), ("phone case blue", "Blue phone case")]


def test_batches_never_repeat_a_text() -> None:
    examples = training_examples([Pair(f"w{i}", f"g{i % 7}", "de") for i in range(60)])
    batches = no_duplicate_batches(examples, 8, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(len(examples)))
    for batch in batches:
        texts = [t for i in batch for t in examples[i]]
        assert len(texts) == len(set(texts)) and 1 <= len(batch) <= 8


# --- metrics ------------------------------------------------------------------------------


def test_retrieval_metrics_on_hand_made_vectors() -> None:
    docs = np.eye(3, dtype=np.float32)
    queries = np.array([[1, 0, 0], [0.6, 0.8, 0], [0, 0.2, 0.1]], dtype=np.float32)
    # query 0 -> doc 0 at rank 1; query 1 -> doc 0 at rank 2; query 2 -> doc 0 at rank 3
    metrics = retrieval_metrics(queries, docs, [{0}, {0}, {0}])
    assert metrics["recall@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 3, abs=1e-4)
    assert metrics["recall@10"] == 1.0 and metrics["queries"] == 3
    assert retrieval_metrics(queries, docs, [{0}, {1, 0}, {1}])["recall@1"] == 1.0  # best relevant counts
    far = retrieval_metrics(np.arange(12, 0, -1)[None, :], np.eye(12), [{11}], k=10)  # the relevant doc is 12th
    assert far["mrr@10"] == 0.0
    with pytest.raises(ValueError, match="one set per query"):
        retrieval_metrics(queries, docs, [{0}])


def test_evaluate_both_directions_per_language() -> None:
    heldout = [Pair("Schuh", "shoe", "de"), Pair("Tasche", "bag", "de"), Pair("chaussure", "shoe", "fr")]
    vectors = {"shoe": [1, 0, 0], "bag": [0, 1, 0], "schuh": [1, 0, 0], "tasche": [0, 1, 0], "chaussure": [0.1, 0.9, 0]}

    def encode(texts: list[str]) -> np.ndarray:
        return np.array([vectors[t.split(": ", 1)[1].lower()] for t in texts], dtype=np.float32)

    result = evaluate(encode, heldout, TrainConfig())
    assert result["forward"]["de"]["recall@1"] == 1.0 and result["forward"]["fr"]["recall@1"] == 0.0
    assert result["forward"]["all"]["queries"] == 3
    assert result["forward"]["all"]["recall@1"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["reverse"]["de"]["queries"] == 2 and result["reverse"]["fr"]["queries"] == 1


# --- fine-tuning on a tiny model -------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sentence_transformer(tmp_path_factory.mktemp("tiny-e5"), WORDS,
                                           prompts={"query": "query: ", "passage": "passage: "})


TRAIN = [Pair("laufschuhe", "running shoes", "de"), Pair("kaffeemaschine", "coffee maker", "de"),
         Pair("handyhülle", "phone case", "de"), Pair("tasche", "laptop bag", "de"),
         Pair("rot", "red", "de"), Pair("blau", "blue", "de")]
HELDOUT = [Pair("laufschuhe", "trail running shoes", "de"), Pair("tasche", "bag", "de")]


@pytest.mark.slow
def test_finetune_smoke_writes_a_loadable_model(tiny_model: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    out = tmp_path / "ft"
    lines: list[str] = []
    config = TrainConfig(max_steps=3, batch_size=4, device="cpu", lr=1e-3)
    report = finetune(tiny_model, TRAIN, HELDOUT, out, config, log=lines.append, extra={"note": "smoke"})
    assert report["steps"] == 3 and report["note"] == "smoke" and report["device"] == "cpu"
    assert report["pairs"] == {"train": {"de": 6}, "heldout": {"de": 2}, "examples": 12}
    for moment in ("before", "after"):
        assert set(report["heldout"][moment]) == {"forward", "reverse"}
        assert 0 <= report["heldout"][moment]["forward"]["all"]["mrr@10"] <= 1
    assert json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))["steps"] == 3
    assert any(line.startswith("step 3/3") for line in lines)
    model = SentenceTransformer(str(out), device="cpu")
    assert model.encode(["query: laufschuhe"]).shape == (1, 32)
    assert model.max_seq_length == 32  # the base's own limit, not the training one
    base, tuned = SentenceTransformer(str(tiny_model), device="cpu"), model
    assert not np.allclose(base.encode(["red"]), tuned.encode(["red"]))  # the weights moved


def test_out_dir_is_never_clobbered(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--out"):
        check_out_dir(tmp_path)
    check_out_dir(tmp_path / "new")  # absent is fine


@pytest.mark.slow
def test_cli_trains_on_user_pairs(tiny_model: Path, tmp_path: Path) -> None:
    from training.cli import train

    clicks = tmp_path / "clicks.jsonl"
    rows = [{"query": p.query, "product": p.passage} for p in TRAIN * 3]
    clicks.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "ft"
    args = ["--pairs", str(clicks), "--no-dictionary-pairs", "--base", str(tiny_model), "--out", str(out),
            "--max-steps", "2", "--batch-size", "4", "--device", "cpu", "--heldout", "0.3"]
    result = CliRunner().invoke(train, args)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().splitlines()[-3:] == [
        "BABELSHOP_EMBEDDER=sentence-transformers", f"BABELSHOP_EMBEDDER_MODEL={out.resolve()}",
        "reindex with: babelshop reindex --re-embed"]
    assert "MRR@10" in result.output
    as_json = CliRunner().invoke(train, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["pairs"]["examples"] > 0
    missing = CliRunner().invoke(train, ["--pairs", str(tmp_path / "nope.jsonl"), "--no-dictionary-pairs",
                                         "--out", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "no such file" in missing.output
