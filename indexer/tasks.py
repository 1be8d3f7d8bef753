"""The Celery task contract (shared/DESIGN.md): producers in any language enqueue these by name
with JSON arguments.

- ``babelshop.index_products(products: list[dict], index: str | None = None)``
- ``babelshop.delete_products(ids: list[str], index: str | None = None)``
- ``babelshop.reindex(index: str | None = None, re_embed: bool = False)``

Each returns a JSON summary (``indexer.results.BatchResult``). Transient cluster errors
(connection loss, 5xx, 429 after the bulk retries) retry the whole batch with exponential
backoff and jitter, at most ``MAX_RETRIES`` times.
"""

from __future__ import annotations

from functools import lru_cache

from indexer.bulk import TransientClusterError
from indexer.celery_app import app
from indexer.service import IndexingService

MAX_RETRIES = 6


@lru_cache(maxsize=1)
def service() -> IndexingService:
    # One per worker process: models and the client load once, on the first batch.
    return IndexingService()


_RETRY = {"autoretry_for": (TransientClusterError,), "retry_backoff": 2, "retry_backoff_max": 300,
          "retry_jitter": True, "max_retries": MAX_RETRIES}


@app.task(name="babelshop.index_products", **_RETRY)
def index_products(products: list[dict], index: str | None = None) -> dict:
    return service().index_products(products, index=index).to_dict()


@app.task(name="babelshop.delete_products", **_RETRY)
def delete_products(ids: list[str], index: str | None = None) -> dict:
    return service().delete_products(ids, index=index).to_dict()


@app.task(name="babelshop.reindex", **_RETRY)
def reindex(index: str | None = None, re_embed: bool = False) -> dict:
    from indexer.reindex import reindex as run_reindex

    return run_reindex(service(), alias=index, re_embed=re_embed)
