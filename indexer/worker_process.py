"""What a worker process holds and checks before its first batch: the indexing service (models
and client, loaded once), the warm-up, and the vector-width check per alias.

Apart from ``indexer.tasks`` so that the Celery app's start-up signals (``indexer.celery_app``)
can use it without importing the tasks that import the app.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from common.errors import from_cluster
from common.settings import Settings
from indexer.service import IndexingService

log = logging.getLogger("babelshop.worker")

#: Aliases whose vector width matched the encoder in this process (a match is checked once).
_WIDTH_CHECKED: set[str] = set()


class PoisonError(RuntimeError):
    """Raised by enrichment for a product carrying ``BABELSHOP_FAULT_POISON_MARKER`` (tests only)."""


@lru_cache(maxsize=1)
def service() -> IndexingService:
    # One per worker process: models and the client load once.
    svc = IndexingService()
    marker = svc.settings.fault_poison_marker
    if marker:
        _poison_enrichment(svc, marker)
    return svc


def _poison_enrichment(svc: IndexingService, marker: str) -> None:
    """Make enrichment raise on a product whose title holds ``marker``: a reproducible poison
    product for the tests, honoured only when the test setting is on."""
    enrich = svc.enricher.enrich

    def poisoned(products, *args, **kwargs):
        for product in products:
            if marker in (product.title or ""):
                msg = f"enrichment crashed on product {product.id} (injected poison)"
                raise PoisonError(msg)
        return enrich(products, *args, **kwargs)

    svc.enricher.enrich = poisoned  # type: ignore[method-assign]


def warm_up() -> None:
    """Load the models in this pool process before its first batch, so the task time limits bound
    batch work and not model loading (:meth:`Enricher.warm_up`). A failure here is left for the
    first batch to report."""
    svc = service()
    try:
        svc.enricher.warm_up()
    except Exception as error:
        log.warning("model warm-up failed, models load with the first batch: %s", error)


def pool_encoder_threads(configured: int, concurrency: int, cores: int) -> int:
    """ONNX Runtime threads per call in each pool process: as configured, else (0) every core
    for a pool of one, and the cores shared out among a larger pool, whose processes encode at
    the same time and would otherwise each start a thread per core."""
    if configured or concurrency <= 1:
        return configured
    return max(1, cores // concurrency)


# ------------------------------------------------------------------------------- vector width
def check_width_at_start(settings: Settings) -> None:
    """Raise ``VectorWidthError`` (an InputError) when the index behind ``settings.index`` holds
    vectors of another width than the encoder; ``Unavailable`` when the cluster cannot be asked."""
    from common.opensearch_client import make_client

    # A client of its own: the main process forks the pool, and pooled connections must not be shared.
    client = make_client(settings)
    try:
        check_width(settings.index, settings, client)
    finally:
        client.close()


def check_width(alias: str, settings: Settings, client: OpenSearch) -> None:
    if alias in _WIDTH_CHECKED:
        return
    from encoders import load_encoder
    from mappings.width import check_vector_width

    try:
        check_vector_width(client, alias, load_encoder(settings).dimension)
    except OpenSearchException as exc:
        raise from_cluster(exc, url=settings.opensearch_url, doing=f"reading the mapping of {alias}") from exc
    _WIDTH_CHECKED.add(alias)


