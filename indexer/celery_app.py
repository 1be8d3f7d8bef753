"""The Celery app: Redis broker, JSON only, at-least-once delivery.

``acks_late`` + ``reject_on_worker_lost`` + prefetch 1: a batch is acknowledged only after it
is written, so a worker killed mid-batch leaves it to be redelivered (after the broker's
visibility timeout); writes are idempotent (``_id`` = product id, external versions), so a
redelivered batch duplicates nothing.
"""

from __future__ import annotations

from celery import Celery

from babelcore.settings import get_settings

QUEUE_INDEX = "babelshop.index"
QUEUE_MAINTENANCE = "babelshop.maintenance"


def make_app() -> Celery:
    settings = get_settings()
    broker = settings.broker_url.get_secret_value()
    backend = settings.result_backend.get_secret_value() if settings.result_backend else broker
    app = Celery("babelshop", broker=broker, backend=backend, include=["indexer.tasks"])
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        task_routes={"babelshop.reindex": {"queue": QUEUE_MAINTENANCE}},
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        worker_hijack_root_logger=False,
    )
    return app


app = make_app()
