"""Batches of an inline ingest run several at a time, a product's lines still in file order.

Enriching a batch is translation (which holds the interpreter), then the encoder and the
cluster's write (which do not): run one batch after another and a core idles through most of
each stage. Running a few at once fills those gaps. Two batches that share a product id never
overlap: the later waits, so the versioning rule sees that product's lines in file order, as it
does when batches run one by one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
Batch = tuple[list[dict], list[int]]


def batch_ids(batch: list[dict]) -> frozenset[str]:
    """The product ids a batch writes (a line that is no object has none)."""
    return frozenset(str(item["id"]) for item in batch if isinstance(item, dict) and item.get("id") is not None)


def overlapping(batches: Iterable[Batch], run: Callable[[list[dict], list[int]], T],
                limit: int) -> Iterator[tuple[list[dict], list[int], T]]:
    """``(batch, lines, run(batch, lines))`` for each batch, in order, with up to ``limit``
    batches running at once. An exception from ``run`` is raised in order too, once the batches
    already under way have finished."""
    pending: deque[tuple[Future[T], list[dict], list[int], frozenset[str]]] = deque()

    def oldest() -> tuple[list[dict], list[int], T]:
        future, batch, lines, _ = pending.popleft()
        return batch, lines, future.result()

    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="ingest-batch") as pool:
        for batch, lines in batches:
            ids = batch_ids(batch)
            while pending and (len(pending) >= limit or any(ids & other for *_, other in pending)):
                yield oldest()
            pending.append((pool.submit(run, batch, lines), batch, lines, ids))
        while pending:
            yield oldest()
