"""The Celery task contract (shared/DESIGN.md): producers in any language enqueue these by name,
with JSON arguments only (a pickle message is refused, see :mod:`indexer.celery_app`).

Queues: index, update and delete batches go to ``BABELSHOP_QUEUE`` (default ``babelshop.index``);
``babelshop.reindex`` goes to ``babelshop.maintenance``. ``babelshop worker`` consumes both.

Tasks and payloads (``index`` is the alias to write to, default ``BABELSHOP_INDEX``):

- ``babelshop.index_products(products: list[dict], index: str | None = None)``: full products
  (``{"id", "title", ...}``, the Product schema of shared/DESIGN.md), each replacing the stored one.
- ``babelshop.update_products(products: list[dict], index: str | None = None)``: partial documents
  (``{"id", "price"}``, stock, attributes, ...) merged into the stored products; translated and
  embedded again only when a text field changed.
- ``babelshop.delete_products(ids: list[str], index: str | None = None)``
- ``babelshop.reindex(index: str | None = None, re_embed: bool = False)``

Each batch task returns a JSON summary (``indexer.results.BatchResult.to_dict()``): counts, and
``rejected`` / ``failed`` lists of ``{"position", "id", "reason"}``.

Delivery guarantees of a batch (no product lost):

- A transient cluster failure (connection lost, timeout, 429, 5xx: ``common.errors.Unavailable``)
  retries the batch with exponential backoff and jitter, ``BABELSHOP_TASK_MAX_RETRIES`` times.
  After that its products go to the dead letter (``<alias>-deadletter``, replayable) and the task
  succeeds with them listed as failed. If the dead letter cannot be written either (the cluster is
  still down), the batch stays in the broker and is tried again at the longest backoff, for as
  long as it takes: it is never acknowledged and dropped. Deletes are never dead-lettered; they
  wait in the broker the same way.
- Any other exception (a poison product) retries the batch ``BABELSHOP_TASK_POISON_RETRIES`` times,
  then splits it in halves until the failing product stands alone: the others land and it is
  dead-lettered by itself. The task succeeds with it listed as failed.
- Before any model work, a batch for an alias whose vectors have another width than the encoder
  is dead-lettered whole, with the reason naming both widths and ``babelshop reindex --re-embed``.
- A batch over the soft time limit is retried like a poison batch, then dead-lettered whole (a
  split would run past the hard limit); a batch killed at the hard limit is requeued.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from billiard.exceptions import SoftTimeLimitExceeded
from celery import Task
from opensearchpy.exceptions import OpenSearchException

from common.errors import BabelshopError, ClusterUnavailable, InputError, Unavailable, from_cluster
from common.settings import Settings, get_settings
from indexer.celery_app import app
from indexer.results import BatchResult, Rejection
from indexer.worker_process import check_width, service

log = logging.getLogger("babelshop.worker")

# ------------------------------------------------------------------------------- one batch
def _backoff(settings: Settings, retries: int) -> float:
    """Exponential, capped, with jitter (half fixed, half random) so retrying workers spread out."""
    ceiling = min(settings.task_retry_backoff_max_s, settings.task_retry_backoff_s * 2 ** retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # jitter, not cryptography


def _classify(exc: Exception, settings: Settings, doing: str) -> Exception:
    """Unavailable for anything transient, whatever layer raised it; other errors unchanged."""
    if isinstance(exc, BabelshopError):
        return exc
    if isinstance(exc, OpenSearchException):
        return from_cluster(exc, url=settings.opensearch_url, doing=doing)
    if isinstance(exc, ConnectionError | TimeoutError):
        return ClusterUnavailable(f"OpenSearch at {settings.opensearch_url} failed while {doing}: {exc}")
    return exc


class _Batch:
    """One delivery of a batch task: what it sends, to which alias, and how it ends."""

    def __init__(self, task: Task, kind: str, items: object, index: str | None) -> None:
        self.task = task
        self.kind = kind
        self.items = items if isinstance(items, list) else []
        self.bad_payload = not isinstance(items, list)
        self.settings = get_settings()
        self.alias = index or self.settings.index
        self.retries = task.request.retries or 0
        self.doing = f"{kind} batch of {len(self.items)} for {self.alias}"

    def run(self) -> dict:
        if self.bad_payload:
            what = "ids" if self.kind == "delete" else "products"
            return BatchResult(rejected=[Rejection(None, None, f"{what} must be a JSON list")]).to_dict()
        try:
            return self._attempt().to_dict()
        except Unavailable as error:
            return self._on_transient(error)

    def _send(self, items: list, positions: list[int] | None = None) -> BatchResult:
        svc = service()
        try:
            if self.kind == "delete":
                return svc.delete_products(items, index=self.alias)
            send: Callable[..., BatchResult] = svc.index_products if self.kind == "index" else svc.update_products
            return send(items, index=self.alias, positions=positions)
        except Exception as exc:  # classified here, handled by the caller
            raise _classify(exc, self.settings, self.doing) from exc

    def _attempt(self) -> BatchResult:
        if self.kind != "delete":
            try:
                check_width(self.alias, self.settings, service().client)
            except InputError as error:
                log.error("%s: %s", self.doing, error)
                return self._dead_letter(self.items, str(error))
        try:
            return self._send(self.items)
        except Unavailable:
            raise
        except SoftTimeLimitExceeded as exc:
            if self.retries < self.settings.task_poison_retries:
                raise self._retry(exc) from exc
            return self._dead_letter(self.items, "the batch ran past the soft time limit "
                                                 f"({self.task.app.conf.task_soft_time_limit} s) on every attempt")
        except Exception as exc:
            if self.retries < self.settings.task_poison_retries:
                raise self._retry(exc) from exc
            log.warning("%s failed %d times (%s): splitting it to find the product that fails",
                        self.doing, self.retries + 1, exc)
            return self._split(list(range(len(self.items))))

    def _split(self, positions: list[int]) -> BatchResult:
        """Send ``positions`` in halves until each failing product stands alone; it is dead-lettered."""
        result = BatchResult(received=len(positions))
        pending = [positions]
        while pending:
            part = pending.pop()
            try:
                landed = self._send([self.items[i] for i in part], positions=part)
            except Unavailable:
                raise
            except Exception as exc:
                if len(part) > 1:
                    middle = len(part) // 2
                    pending += [part[middle:], part[:middle]]
                    continue
                position = part[0]
                item = self.items[position]
                reason = f"{type(exc).__name__}: {exc}"
                log.error("%s: product at position %d dead-lettered: %s", self.doing, position, reason)
                landed = self._dead_letter([item], reason, first_position=position)
            landed.received = 0  # counted once, above
            result.merge(landed)
        return result

    def _on_transient(self, error: Unavailable) -> dict:
        if self.retries < self.settings.task_max_retries:
            raise self._retry(error)
        if self.kind != "delete":
            try:
                return self._dead_letter(self.items, str(error)).to_dict()
            except Exception as failure:  # whatever stops the letter, the batch must stay
                log.warning("%s: dead letter failed too (%s)", self.doing, failure)
        # Nothing may drop the batch: it stays in the broker and is tried again.
        log.warning("%s: cluster still unavailable after %d attempts; the batch stays queued",
                    self.doing, self.retries + 1)
        raise self.task.retry(exc=error, countdown=self.settings.task_retry_backoff_max_s, max_retries=None)

    def _retry(self, exc: Exception) -> Exception:
        return self.task.retry(exc=exc, countdown=_backoff(self.settings, self.retries), max_retries=None)

    def _dead_letter(self, items: list, reason: str, *, first_position: int = 0) -> BatchResult:
        from indexer import deadletter

        operation = "update" if self.kind == "update" else "index"
        pairs = [(item, reason) for item in items]
        try:
            deadletter.record(service().client, self.alias, pairs, attempts=self.retries + 1, operation=operation,
                              url=self.settings.opensearch_url)
        except OpenSearchException as exc:
            raise _classify(exc, self.settings, f"dead-lettering for {self.alias}") from exc
        failed = [Rejection(first_position + i, item.get("id") if isinstance(item, dict) else None, reason)
                  for i, item in enumerate(items)]
        return BatchResult(received=len(items), failed=failed)


# ------------------------------------------------------------------------------- the tasks
_TASK = {"bind": True, "max_retries": None}


@app.task(name="babelshop.index_products", **_TASK)
def index_products(self: Task, products: list[dict], index: str | None = None) -> dict:
    return _Batch(self, "index", products, index).run()


@app.task(name="babelshop.update_products", **_TASK)
def update_products(self: Task, products: list[dict], index: str | None = None) -> dict:
    return _Batch(self, "update", products, index).run()


@app.task(name="babelshop.delete_products", **_TASK)
def delete_products(self: Task, ids: list[str], index: str | None = None) -> dict:
    return _Batch(self, "delete", ids, index).run()


@app.task(name="babelshop.reindex", bind=True, max_retries=None)
def reindex(self: Task, index: str | None = None, re_embed: bool = False) -> dict:
    from indexer.reindex import reindex as run_reindex

    settings = get_settings()
    try:
        return run_reindex(service(), alias=index, re_embed=re_embed)
    except Exception as exc:
        error = _classify(exc, settings, f"reindexing {index or settings.index}")
        if isinstance(error, Unavailable) and (self.request.retries or 0) < settings.task_max_retries:
            raise self.retry(exc=error, countdown=_backoff(settings, self.request.retries or 0)) from exc
        raise error from exc
