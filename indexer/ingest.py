"""``babelshop ingest``: read a product file and index it, in-process or through the workers.

The whole file is read and validated first (:func:`read_file`): every bad line is known, and an
unreadable file fails, before a model loads or a batch is sent; ``ingest --check`` is that step
alone. Queued batches are sent by task name (the task contract of shared/DESIGN.md), after one
quick check that the broker answers, so a down broker is one error line instead of minutes of
Celery's connection retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import BrokerUnavailable
from common.redact import redact
from common.settings import Settings
from indexer.reader import Row, read_products
from indexer.results import BatchResult, Rejection

if TYPE_CHECKING:
    from celery import Celery

    from indexer.service import IndexingService

DEFAULT_BATCH = 64
TASK_INDEX = "babelshop.index_products"
TASK_UPDATE = "babelshop.update_products"


@dataclass
class ProductFile:
    """A product file read and validated as a whole: the good products with their line
    numbers, and a rejection for every bad line."""

    path: Path
    products: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def read(self) -> int:
        return len(self.products) + len(self.rejected)

    def summary(self) -> BatchResult:
        """A result holding the read-time rejections; batches merge into it."""
        return BatchResult(received=len(self.rejected), rejected=list(self.rejected))

    def batches(self, size: int) -> Iterator[tuple[list[dict], list[int]]]:
        for start in range(0, len(self.products), size):
            yield self.products[start:start + size], self.lines[start:start + size]


def read_file(path: Path, *, update: bool = False) -> ProductFile:
    """Read all of ``path`` and validate every product (partial documents with ``update``)."""
    file = ProductFile(Path(path))
    for row in read_products(path):
        if row.error is not None:
            file.rejected.append(row.error)
        else:
            file.products.append(row.data)
            file.lines.append(row.line)
    invalid = _validate(file.products, file.lines, update=update)
    if invalid:
        bad_lines = {r.position for r in invalid}
        kept = [(p, n) for p, n in zip(file.products, file.lines, strict=True) if n not in bad_lines]
        file.products = [p for p, _ in kept]
        file.lines = [n for _, n in kept]
        file.rejected.extend(invalid)
    file.rejected.sort(key=lambda r: r.position or 0)
    return file


def _validate(products: list[dict], lines: list[int], *, update: bool) -> list[Rejection]:
    from indexer.validate import validate_patches, validate_products

    return (validate_patches if update else validate_products)(products, lines)[1]


def check_index_width(settings: Settings, index: str | None = None) -> None:
    """Fail (exit 2) before any model work when the index holds vectors of another width than
    the configured encoder makes; the encoder's width is read from its config, not by loading it."""
    from common.opensearch_client import make_client
    from encoders import load_encoder
    from mappings.width import check_vector_width

    check_vector_width(make_client(settings), index or settings.index, load_encoder(settings).dimension)


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


def _to_lines(part: BatchResult, batch: list[dict], lines: list[int], *, by_index: bool) -> BatchResult:
    """Report a batch's rejections and failures by file line: a task's batch positions
    (``by_index``) become lines, and a failure known only by id gets the line of that id."""
    by_id = {str(p.get("id")): n for p, n in zip(batch, lines, strict=True)}
    for item in (*part.rejected, *part.failed):
        if item.position is None:
            item.position = by_id.get(str(item.id)) if item.id is not None else None
        elif by_index and 0 <= item.position < len(lines):
            item.position = lines[item.position]
    return part


def ingest_inline(path: Path | ProductFile, settings: Settings, *, index: str | None = None,
                  batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None,
                  service: IndexingService | None = None, update: bool = False) -> BatchResult:
    """Index ``path`` in this process (``service`` lets a caller reuse loaded models), up to
    ``settings.inline_batches`` batches at a time (:mod:`indexer.overlap`)."""
    from indexer.overlap import overlapping
    from indexer.service import IndexingService

    file = path if isinstance(path, ProductFile) else read_file(path, update=update)
    service = service or IndexingService(inline_settings(settings, len(file.products) > batch_size))
    total = file.summary()

    def run(batch: list[dict], lines: list[int]) -> BatchResult:
        if update:
            return service.update_products(batch, index=index, positions=lines)
        return service.index_products(batch, index=index, positions=lines)

    for batch, lines, part in overlapping(file.batches(batch_size), run, settings.inline_batches):
        total.merge(_to_lines(part, batch, lines, by_index=False))
        if progress:
            progress(len(batch))
    service.client.indices.refresh(index=index or settings.index)
    return total


def inline_settings(settings: Settings, several_batches: bool) -> Settings:
    """The settings an inline ingest enriches with: when batches overlap, each encoder call
    runs on one thread (the cores are shared by the batches), unless the threads are set."""
    if several_batches and settings.inline_batches > 1 and not settings.encoder_threads:
        return settings.model_copy(update={"encoder_threads": 1})
    return settings


@dataclass
class QueuedBatch:
    """One batch sent to the workers, and what became of it."""

    number: int
    first_line: int
    last_line: int
    size: int
    state: str = "queued"  # queued | done | failed | pending (no result before the deadline)
    reason: str | None = None
    result: BatchResult | None = None

    def to_dict(self) -> dict:
        return {"batch": self.number, "lines": [self.first_line, self.last_line], "size": self.size,
                "state": self.state, "reason": self.reason}


@dataclass
class QueuedIngest:
    result: BatchResult
    batches: list[QueuedBatch]


def celery_app() -> Celery:
    from indexer.celery_app import app

    return app


def check_broker(app: Celery, settings: Settings, *, results: bool = False) -> None:
    """Raise :class:`BrokerUnavailable` (exit 3) within about ``broker_connect_timeout_s`` when
    the broker (and, with ``results``, the result backend) does not answer."""
    url = settings.broker_url.get_secret_value()
    try:
        with app.connection_for_write(connect_timeout=settings.broker_connect_timeout_s) as conn:
            conn.ensure_connection(max_retries=settings.broker_publish_retries, interval_start=0, interval_step=0.5,
                                   interval_max=1, timeout=settings.broker_connect_timeout_s)
    except Exception as exc:  # kombu raises its OperationalError, or the transport's own error
        raise BrokerUnavailable(f"Cannot reach the broker at {url} ({exc}): start Redis (make redis) or set "
                                "BABELSHOP_BROKER_URL.") from exc
    client = getattr(app.backend, "client", None) if results else None
    if client is not None:
        where = settings.result_backend.get_secret_value() if settings.result_backend else url
        try:
            client.ping()
        except Exception as exc:  # redis-py's ConnectionError or TimeoutError
            raise BrokerUnavailable(f"Cannot reach the result backend at {where} ({exc}): start Redis or set "
                                    "BABELSHOP_RESULT_BACKEND.") from exc


def ingest_queued_report(path: Path | ProductFile, settings: Settings, *, index: str | None = None,
                         batch_size: int = DEFAULT_BATCH, wait: bool = False, update: bool = False,
                         progress: Callable[[int], None] | None = None, timeout_s: float = 3600,
                         app: Celery | None = None) -> QueuedIngest:
    """Enqueue the file's batches; with ``wait``, follow every one of them until it is done,
    failed, or still unfinished at the deadline. A failed batch's products count as failed."""
    from kombu.exceptions import OperationalError

    file = path if isinstance(path, ProductFile) else read_file(path, update=update)
    app = app or celery_app()
    check_broker(app, settings, results=wait)
    total = file.summary()
    task = TASK_UPDATE if update else TASK_INDEX
    retry_policy = {"max_retries": settings.broker_publish_retries, "interval_start": 0, "interval_step": 0.5,
                    "interval_max": 1}
    sent: list[tuple[QueuedBatch, object, list[dict], list[int]]] = []
    chunks = list(file.batches(batch_size))
    for number, (batch, lines) in enumerate(chunks, start=1):
        info = QueuedBatch(number, lines[0], lines[-1], len(batch))
        try:
            handle = app.send_task(task, args=[batch], kwargs={"index": index}, retry=True, retry_policy=retry_policy)
        except OperationalError as exc:
            url = settings.broker_url.get_secret_value()
            raise BrokerUnavailable(f"The broker at {url} failed after {number - 1} of {len(chunks)} batches were "
                                    f"queued ({exc}): start Redis and run the ingest again (writes are idempotent).") from exc
        sent.append((info, handle, batch, lines))
    batches = [info for info, *_ in sent]
    if not wait:
        total.received += sum(info.size for info in batches)
        return QueuedIngest(total, batches)
    deadline = time.monotonic() + timeout_s
    for info, handle, batch, lines in sent:
        _follow(info, handle, batch, lines, deadline, timeout_s)
        total.merge(info.result)
        if progress:
            progress(info.size)
    return QueuedIngest(total, batches)


def _follow(info: QueuedBatch, handle, batch: list[dict], lines: list[int], deadline: float,
            timeout_s: float) -> None:
    """Wait for one batch's result and record it on ``info`` (never raises for the task's failure)."""
    from celery.exceptions import TimeoutError as ResultTimeout

    remaining = deadline - time.monotonic()
    try:
        if remaining <= 0 and not handle.ready():
            raise ResultTimeout
        part = BatchResult.from_dict(handle.get(timeout=max(remaining, 1.0), propagate=True))
    except ResultTimeout:
        info.state = "pending"
        info.reason = (f"no result within {timeout_s:.0f}s: still queued or retrying (see the worker log); "
                       "its products may land later")
    except Exception as exc:  # the task's own exception, re-raised here by Celery
        if _is_backend_failure(exc):
            raise
        info.state = "failed"
        info.reason = redact(f"{type(exc).__name__}: {exc}")
        if type(exc).__name__ == "NotRegistered":
            info.reason += ": the workers run an older babelshop; restart them (babelshop worker)"
    else:
        info.state = "done"
        info.result = _to_lines(part, batch, lines, by_index=True)
        return
    info.result = BatchResult(received=info.size, failed=[
        Rejection(line, str(p.get("id")) if p.get("id") is not None else None, f"batch {info.number} {info.state}: "
                  f"{info.reason}") for p, line in zip(batch, lines, strict=True)])


def _is_backend_failure(exc: BaseException) -> bool:
    """True when the result backend itself failed (the CLI reports that as exit 3), not the task."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError

    return isinstance(exc, OperationalError | RedisConnectionError)


def ingest_queued(path: Path, settings: Settings, *, index: str | None = None, batch_size: int = DEFAULT_BATCH,
                  wait: bool = False, progress: Callable[[int], None] | None = None,
                  timeout_s: float = 3600) -> tuple[BatchResult, int]:
    """Enqueue batches; with ``wait``, follow them until indexed. Returns (summary, batches sent)."""
    report = ingest_queued_report(path, settings, index=index, batch_size=batch_size, wait=wait, progress=progress,
                                  timeout_s=timeout_s)
    return report.result, len(report.batches)
