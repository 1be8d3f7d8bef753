"""Several encoders as one: weighted, concatenated unit vectors.

Each part's unit vector is scaled by the square root of its weight and the parts are
concatenated. With weights summing to 1 the result is a unit vector again, and the cosine
of two such vectors is exactly the weighted sum of the parts' cosines::

    cos([√a·e, √b·u], [√a·e', √b·u']) = a·cos(e, e') + b·cos(u, u')

So one k-NN field and one query score two models together: the engine, the hybrid
pipeline and the explanations need no change, and the ensemble costs one vector field.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from encoders.base import Encoder, TextKind, l2_normalize

T = TypeVar("T")

#: Threads that run the parts after the first, shared by every composite of the process:
#: enough that concurrent searches never queue behind one another's companion encoding.
PART_THREADS = 8

_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def _part_pool() -> ThreadPoolExecutor:
    """This process's pool (a forked worker makes its own: threads do not survive a fork)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=PART_THREADS, thread_name_prefix="encoder-part")
            _pool_pid = os.getpid()
        return _pool


class CompositeEncoder(Encoder):
    """:class:`Encoder` whose vectors concatenate its ``parts``, each ``(encoder, weight)``.

    Weights must be positive; they are scaled to sum to 1. The id names every part and its
    weight, so changing either never reuses stored vectors.
    """

    def __init__(self, parts: Sequence[tuple[Encoder, float]]) -> None:
        if len(parts) < 2:
            msg = "A composite encoder needs at least two (encoder, weight) parts."
            raise ValueError(msg)
        total = sum(weight for _, weight in parts)
        for encoder, weight in parts:
            if not weight > 0:
                msg = (f"Encoder {encoder.id!r} has weight {weight}: every part of a composite "
                       "encoder needs a weight above 0 (drop the part instead).")
                raise ValueError(msg)
        self.parts = [(encoder, weight / total) for encoder, weight in parts]
        self.id = "+".join(f"{encoder.id}*{weight:.3g}" for encoder, weight in self.parts)
        self.batch_size = max(encoder.batch_size for encoder, _ in self.parts)
        self.max_alternatives = max(encoder.max_alternatives for encoder, _ in self.parts)

    @property
    def dimension(self) -> int:
        return sum(encoder.dimension for encoder, _ in self.parts)

    def encode_alternatives(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """Each part pools the alternatives its own way, and reads as many as it pools well
        (see :meth:`Encoder.encode_alternatives`)."""
        blocks = self._each_part(lambda encoder: encoder.encode_alternatives(groups))
        return l2_normalize(np.concatenate(self._weighted(blocks), axis=1))

    def encode_query_and_alternatives(self, text: str, alternatives: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        pairs = self._each_part(lambda encoder: encoder.encode_query_and_alternatives(text, alternatives))
        original = np.concatenate(self._weighted([pair[0] for pair in pairs]))
        pooled = np.concatenate(self._weighted([pair[1] for pair in pairs]))
        both = l2_normalize(np.stack([original, pooled]))
        return both[0], both[1]

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        encode = "encode_queries" if kind == "query" else "encode_documents"
        blocks = self._each_part(lambda encoder: getattr(encoder, encode)(texts))
        return np.concatenate(self._weighted(blocks), axis=1)

    def _each_part(self, work: Callable[[Encoder], T]) -> list[T]:
        """``work`` for every part, the others' beside the first's: the models are independent,
        and one of them rarely keeps both cores busy on a short batch."""
        others = [_part_pool().submit(work, encoder) for encoder, _ in self.parts[1:]]
        first = work(self.parts[0][0])
        return [first, *(future.result() for future in others)]

    def _weighted(self, blocks: list[np.ndarray]) -> list[np.ndarray]:
        return [np.sqrt(weight) * block for block, (_, weight) in zip(blocks, self.parts, strict=True)]


class PrimaryOnly(Encoder):
    """The first part of a composite encoder, in the composite's vector space: its block as
    the composite scales it, every other block zero. The cosine of such a query with a stored
    composite vector ranks documents exactly as the first model alone would (a reference
    search, and the share a model gets for a language the others were not trained on)."""

    def __init__(self, composite: CompositeEncoder) -> None:
        self.composite = composite
        first, _ = composite.parts[0]
        self.id = f"{first.id}@{composite.id}"
        self.batch_size = first.batch_size
        self.max_alternatives = first.max_alternatives

    @property
    def dimension(self) -> int:
        return self.composite.dimension

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        first, _ = self.composite.parts[0]
        block = getattr(first, "encode_queries" if kind == "query" else "encode_documents")(texts)
        return np.concatenate([block, np.zeros((len(texts), self.dimension - first.dimension), np.float32)], axis=1)


def primary_only(encoder: Encoder) -> Encoder:
    """:class:`PrimaryOnly` of a composite encoder; any other encoder is its own primary."""
    return PrimaryOnly(encoder) if isinstance(encoder, CompositeEncoder) else encoder
