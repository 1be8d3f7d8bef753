"""The Celery app: Redis broker, JSON only, at-least-once delivery.

``acks_late`` + ``reject_on_worker_lost`` + prefetch 1: a batch is acknowledged only after it
is written, so a worker killed mid-batch leaves it to be redelivered (after the broker's
visibility timeout); writes are idempotent (``_id`` = product id, versions decided against the
stored copy), so a redelivered batch duplicates nothing. A batch that reaches the hard time
limit is requeued, not acknowledged (``task_acks_on_timeout=False``).

What Redis really does with a retry: ``Task.retry`` publishes a new message with an ETA and then
acknowledges the old one; the worker holds the ETA message unacknowledged until it is due. Redis
redelivers any unacknowledged message older than ``visibility_timeout`` to another worker, so the
visibility timeout must exceed the hard time limit plus the longest retry backoff, or a batch
runs twice at once. :func:`check_limits` refuses such a configuration at start.

At worker start (``worker_init``, in the main process) the limits and the encoder's vector
width against the index are checked; pool processes load the models before taking a batch
(``worker_process_init``); every log handler masks URL passwords. A message in another
serialization than JSON (pickle) is refused with one log line, and its result is marked failed
so the producer learns why instead of waiting (:class:`JsonOnlyConsumer`).
"""

from __future__ import annotations

import logging
import sys

from celery import Celery, signals
from celery.worker.consumer import Consumer
from kombu.exceptions import ContentDisallowed

from common.errors import InputError, Unavailable
from common.redact import RedactingFilter, redact
from common.settings import Settings, get_settings

QUEUE_INDEX = "babelshop.index"
QUEUE_MAINTENANCE = "babelshop.maintenance"

log = logging.getLogger("babelshop.worker")


def make_app(settings: Settings | None = None) -> Celery:
    """The Celery app for ``settings`` (a producer for another broker passes its own)."""
    settings = settings or get_settings()
    broker = settings.broker_url.get_secret_value()
    backend = settings.result_backend.get_secret_value() if settings.result_backend else broker
    app = Celery("babelshop", broker=broker, backend=backend, include=["indexer.tasks"])
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_timeout=False,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        task_routes={"babelshop.reindex": {"queue": QUEUE_MAINTENANCE}},
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        # Sweep for abandoned batches every 10 s (kombu scans only every 10th sweep by default, so
        # a dead worker's batch would wait up to 100 s past its visibility timeout).
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s,
                                  "unacked_restore_interval": 10, "unacked_restore_throttle": 1},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        worker_hijack_root_logger=False,
        worker_consumer="indexer.celery_app:JsonOnlyConsumer",
        worker_proc_alive_timeout=settings.worker_start_timeout_s,
    )
    configure_limits(app, settings)
    return app


def configure_limits(app: Celery, settings: Settings, *, soft_time_limit: float | None = None,
                     time_limit: float | None = None, max_tasks_per_child: int | None = None,
                     max_memory_per_child_kb: int | None = None) -> None:
    """Time limits and recycling from ``settings``, each overridden by an explicit value. A hard
    limit given alone brings the configured soft limit under it (to nine tenths) if needed."""
    hard = time_limit or settings.task_time_limit_s
    soft = soft_time_limit or settings.task_soft_time_limit_s
    if soft_time_limit is None and time_limit is not None and soft >= hard:
        soft = hard * 0.9
    app.conf.update(
        task_soft_time_limit=soft,
        task_time_limit=hard,
        worker_max_tasks_per_child=max_tasks_per_child or settings.worker_max_tasks_per_child,
        worker_max_memory_per_child=max_memory_per_child_kb or settings.worker_max_memory_per_child_kb,
    )


def check_limits(app: Celery, settings: Settings) -> None:
    """Raise :class:`InputError` for limits a worker must not run with."""
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    if soft and hard and soft >= hard:
        msg = (f"The soft time limit ({soft:g} s) must be below the hard time limit ({hard:g} s), so a batch can "
               "give up cleanly before it is killed: lower --soft-time-limit or raise --time-limit.")
        raise InputError(msg)
    needed = (hard or 0) + settings.task_retry_backoff_max_s
    if settings.visibility_timeout_s < needed:
        msg = (f"BABELSHOP_VISIBILITY_TIMEOUT_S={settings.visibility_timeout_s} is shorter than the hard time limit "
               f"({hard:g} s) plus the longest retry backoff ({settings.task_retry_backoff_max_s:g} s): Redis would "
               f"hand a running or retrying batch to a second worker. Set it to at least {needed:g}, or lower "
               "--time-limit / BABELSHOP_TASK_RETRY_BACKOFF_MAX_S.")
        raise InputError(msg)


def install_redaction() -> None:
    """Mask URL passwords on every handler of the root and Celery loggers (records propagated from
    child loggers pass handler filters, not the filters of the loggers they bypass), and keep the
    OpenSearch client's failed-request lines to one line each."""
    names = [None, "celery", "celery.task", "celery.app.trace", "celery.worker", "babelshop", "indexer"]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
    client_log = logging.getLogger("opensearch")
    if not any(isinstance(f, ShortClientErrors) for f in client_log.filters):
        client_log.addFilter(ShortClientErrors())


class ShortClientErrors(logging.Filter):
    """opensearch-py logs every failed request with its traceback; a worker retrying against a down
    cluster needs the one line (the task's own retry line says what happens next)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


class JsonOnlyConsumer(Consumer):
    """Refuses a message in another serialization than JSON with one short log line (not its body)
    and marks its result failed, so the producer gets the reason at once."""

    def on_invalid_task(self, body, message, exc):
        if not isinstance(exc, ContentDisallowed):
            return super().on_invalid_task(body, message, exc)
        headers = message.headers or {}
        task_id, name = headers.get("id"), headers.get("task")
        log.warning("refused task %s[%s]: %s messages are not accepted; send JSON (serializer='json')",
                    name, task_id, message.content_type)
        message.reject_log_error(log, self.connection_errors)
        if task_id:
            reason = ContentDisallowed(f"babelshop workers accept JSON only; task {name} was sent as "
                                       f"{message.content_type}: send it with serializer='json'")
            try:
                self.app.backend.mark_as_failure(task_id, reason)
            except Exception as error:  # the refusal stands even if the result cannot be stored
                log.warning("could not store the refusal of task %s: %s", task_id, error)
        signals.task_rejected.send(sender=self, message=message, exc=exc)
        return None


def _fail_start(error: Exception, code: int) -> None:
    # Before the pool exists a refusal is one line on stderr and the exit code, as on the CLI.
    print(f"error: {redact(str(error))}", file=sys.stderr, flush=True)
    raise SystemExit(code)


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_logs(**_: object) -> None:
    install_redaction()


@signals.worker_init.connect
def _on_worker_init(sender=None, **_: object) -> None:
    install_redaction()
    settings = get_settings()
    try:
        check_limits(app, settings)
    except InputError as error:
        _fail_start(error, error.exit_code)
    from indexer.worker_process import check_width_at_start

    try:
        check_width_at_start(settings)
    except Unavailable as error:
        # A cluster down at start is no reason to refuse work: batches retry until it is back,
        # and each alias is checked before its first batch.
        log.warning("startup vector-width check skipped: %s", error)
    except InputError as error:
        _fail_start(error, error.exit_code)


@signals.worker_ready.connect
def _on_worker_ready(**_: object) -> None:
    settings = get_settings()
    # The raw URL on purpose: the handlers' RedactingFilter masks its password.
    log.info("babelshop worker: OpenSearch %s, alias %s, time limits %s/%s s", settings.opensearch_url,
             settings.index, app.conf.task_soft_time_limit, app.conf.task_time_limit)


@signals.worker_process_init.connect
def _on_worker_process_init(**_: object) -> None:
    install_redaction()
    if get_settings().worker_preload_models:
        from indexer.worker_process import warm_up

        warm_up()


app = make_app()
