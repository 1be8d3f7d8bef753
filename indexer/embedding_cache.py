"""Embeddings keyed by (encoder id, text hash): unchanged text is never embedded twice.

SQLite in the cache directory: one file every worker and CLI process on a machine shares
(WAL mode, so readers never wait for a writer).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def cache_key(encoder_id: str, text: str) -> str:
    return hashlib.sha256(f"{encoder_id}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """``get_or_embed(texts, embed)`` returns one vector per text, calling ``embed`` on misses only."""

    def __init__(self, path: Path, encoder_id: str) -> None:
        self.path = path
        self.encoder_id = encoder_id
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            self._local.conn = conn
        return conn

    def lookup(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        keys = {cache_key(self.encoder_id, t): t for t in set(texts)}
        found: dict[str, np.ndarray] = {}
        conn = self._conn()
        items = list(keys)
        for start in range(0, len(items), 500):  # SQLite's host-parameter limit
            chunk = items[start:start + 500]
            marks = ",".join("?" * len(chunk))  # placeholders only; the keys are bound parameters
            rows = conn.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk)  # noqa: S608
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def store(self, vectors: dict[str, np.ndarray]) -> None:
        conn = self._conn()
        with conn:
            conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)",
                             [(cache_key(self.encoder_id, t), np.asarray(v, dtype=np.float32).tobytes())
                              for t, v in vectors.items()])

    def get_or_embed(self, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> tuple[list[np.ndarray], int]:
        """Vectors for ``texts`` in order, and how many distinct texts had to be embedded."""
        known = self.lookup(texts)
        missing = sorted({t for t in texts if t not in known})
        if missing:
            fresh = embed(missing)
            new = {t: fresh[i] for i, t in enumerate(missing)}
            self.store(new)
            known.update(new)
        return [known[t] for t in texts], len(missing)
