"""The query log: every search, with its language, mode, hit count and latency, in an index
operators chart in Dashboards (zero-result queries, queries per language, latency).

Writes go through a background thread in small bulks, so logging never slows a search.
"""

from __future__ import annotations

import atexit
import queue
import threading
from datetime import UTC, datetime

from opensearchpy import helpers

from mappings.query_log import query_log_body, query_log_index


class QueryLog:
    """Each search goes to ``<searched alias>-querylog`` (``alias`` is the default one)."""

    def __init__(self, client, alias: str, *, flush_every_s: float = 1.0) -> None:
        self.client = client
        self.index = query_log_index(alias)
        self._queue: queue.Queue[dict | None] = queue.Queue(maxsize=10000)
        self._flush_every_s = flush_every_s
        self._thread = threading.Thread(target=self._run, name="babelshop-querylog", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record(self, q, *, mode: str, hits: int, total: int, took_ms: float, alias: str | None = None) -> None:
        doc = {"_index": query_log_index(alias) if alias else self.index,
               "at": datetime.now(UTC).isoformat(), "query": q.normalized, "lang": q.lang,
               "lang_confidence": q.lang_confidence, "mode": mode, "hits": hits, "total": total,
               "zero_results": total == 0, "took_ms": round(took_ms, 2), "translated_to": sorted(q.translations)}
        try:
            self._queue.put_nowait(doc)
        except queue.Full:
            pass  # under overload the log drops entries rather than slowing searches

    def flush(self, timeout_s: float = 10.0) -> None:
        """Write everything recorded so far (tests and short-lived CLIs call this)."""
        done = threading.Event()
        self._queue.put({"_flush": done})  # type: ignore[dict-item]
        done.wait(timeout_s)

    def close(self) -> None:
        if self._thread.is_alive():
            self.flush()

    def _run(self) -> None:
        ensured: set[str] = set()
        pending: list[dict] = []
        while True:
            try:
                item = self._queue.get(timeout=self._flush_every_s)
            except queue.Empty:
                item = None
            marker = item.pop("_flush", None) if isinstance(item, dict) and "_flush" in item else None
            if item and marker is None:
                pending.append(item)
            if pending and (item is None or marker is not None or len(pending) >= 200):
                try:
                    for index in {d["_index"] for d in pending} - ensured:
                        self.client.indices.create(index=index, body=query_log_body(), ignore=400)
                        ensured.add(index)
                    helpers.bulk(self.client, ({"_index": d.pop("_index"), "_source": d} for d in pending),
                                 raise_on_error=False, refresh="wait_for" if marker else False)
                except Exception:  # noqa: S110 - the log must never break searching
                    pass
                pending = []
            if marker is not None:
                marker.set()
