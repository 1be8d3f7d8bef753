"""Opening the shared embedding cache while other threads and processes open it too."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding_cache import EmbeddingCache, use_wal


def test_threads_opening_a_new_cache_at_once_all_get_their_vectors(tmp_path: Path) -> None:
    # Overlapping ingest batches each open their own connection on their own thread.
    for trial in range(20):
        path = tmp_path / f"e{trial}.sqlite"
        start = threading.Barrier(4)
        errors: list[BaseException] = []
        found: list[int] = []

        def open_and_embed(cache: EmbeddingCache) -> None:
            start.wait()
            try:
                vectors, _ = cache.get_or_embed(["a", "b"], lambda texts: np.ones((len(texts), 2), np.float32))
                found.append(len(vectors))
            except BaseException as error:  # collected for the assertion below
                errors.append(error)

        threads = [threading.Thread(target=open_and_embed, args=(EmbeddingCache(path, "enc"),)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and found == [2, 2, 2, 2]
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _locked_by_another_connection(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_switching_to_wal_waits_for_another_connection_that_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite"
    holder = _locked_by_another_connection(path)
    threading.Timer(0.3, holder.rollback).start()
    conn = sqlite3.connect(path, timeout=0)  # no busy timeout: only use_wal's own wait can succeed
    use_wal(conn, patience_s=10)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_switching_to_wal_gives_up_after_its_patience(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite"
    holder = _locked_by_another_connection(path)
    conn = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(conn, patience_s=0.2)
    holder.rollback()
