"""Embeddings keyed by (encoder id, text hash): unchanged text is never embedded twice.

SQLite in the cache directory: one file every worker and CLI process on a machine shares
(WAL mode, so readers never wait for a writer).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

# Threads of one process open their connections one at a time; other processes are met by retrying.
_OPENING = threading.Lock()


def use_wal(conn: sqlite3.Connection, patience_s: float = 30.0) -> None:
    """Put the file in WAL mode unless it already is.

    The mode is stored in the file, so only its first opener switches it. Two connections
    switching at once get "database is locked" straight away: SQLite does not consult the busy
    timeout for that lock, so the wait is done here.
    """
    deadline = time.monotonic() + patience_s
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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
            with _OPENING:
                use_wal(conn)
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
