"""``babelshop ingest``: read a product file and index it, in-process or through the workers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from babelcore.settings import Settings
from indexer.reader import Row, read_products
from indexer.results import BatchResult

if TYPE_CHECKING:
    from indexer.service import IndexingService

DEFAULT_BATCH = 64


def batches(rows: Iterator[Row], size: int, result: BatchResult) -> Iterator[tuple[list[dict], list[int]]]:
    """Good rows in batches of ``size``; unreadable rows go straight to ``result.rejected``."""
    batch: list[dict] = []
    lines: list[int] = []
    for row in rows:
        if row.error is not None:
            result.received += 1
            result.rejected.append(row.error)
            continue
        batch.append(row.data)
        lines.append(row.line)
        if len(batch) == size:
            yield batch, lines
            batch, lines = [], []
    if batch:
        yield batch, lines


def ingest_inline(path: Path, settings: Settings, *, index: str | None = None, batch_size: int = DEFAULT_BATCH,
                  progress: Callable[[int], None] | None = None, service: IndexingService | None = None) -> BatchResult:
    """Index ``path`` in this process (``service`` lets a caller reuse loaded models)."""
    from indexer.service import IndexingService

    service = service or IndexingService(settings)
    total = BatchResult()
    for batch, lines in batches(read_products(path), batch_size, total):
        total.merge(service.index_products(batch, index=index, positions=lines))
        if progress:
            progress(len(batch))
    service.client.indices.refresh(index=index or settings.index)
    return total


def ingest_queued(path: Path, settings: Settings, *, index: str | None = None, batch_size: int = DEFAULT_BATCH,
                  wait: bool = False, progress: Callable[[int], None] | None = None,
                  timeout_s: float = 3600) -> tuple[BatchResult, int]:
    """Enqueue batches; with ``wait``, follow them until indexed. Returns (summary, batches sent)."""
    from indexer.tasks import index_products

    total = BatchResult()
    pending = []
    for batch, lines in batches(read_products(path), batch_size, total):
        # Line numbers travel in the ids' reports only for the CLI: the task contract stays list[dict].
        pending.append((index_products.apply_async(args=[batch], kwargs={"index": index}), lines, len(batch)))
    if not wait:
        total.received += sum(n for _, _, n in pending)
        return total, len(pending)
    deadline = time.monotonic() + timeout_s
    for async_result, lines, n in pending:
        remaining = max(1.0, deadline - time.monotonic())
        part = BatchResult.from_dict(async_result.get(timeout=remaining, propagate=True))
        for rejection in part.rejected:
            if rejection.position is not None and rejection.position < len(lines):
                rejection.position = lines[rejection.position]
        total.merge(part)
        if progress:
            progress(n)
    return total, len(pending)
