"""One batch of products end to end: validate, skip unchanged, enrich, write.

Used in-process by ``babelshop ingest --inline`` and by the Celery tasks alike.
"""

from __future__ import annotations

from opensearchpy import OpenSearch

from babelcore.opensearch_client import make_client
from babelcore.product import Product
from babelcore.settings import Settings, get_settings
from indexer import bulk
from indexer.enrich import Enricher, content_hash
from indexer.results import BatchResult
from indexer.validate import validate_products


class IndexingService:
    """Holds the models and the client for the life of a worker process."""

    def __init__(self, settings: Settings | None = None, *, client: OpenSearch | None = None,
                 enricher: Enricher | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client or make_client(self.settings)
        self.enricher = enricher or Enricher(self.settings)

    def index_products(self, raw: list[object], *, index: str | None = None,
                       positions: list[int] | None = None) -> BatchResult:
        alias = index or self.settings.index
        products, rejected = validate_products(raw, positions)
        result = BatchResult(received=len(raw), rejected=rejected)
        latest = _last_per_id(products)
        result.stale += len(products) - len(latest)  # older duplicates within the batch
        products = latest
        fresh = self._changed(alias, products)
        result.unchanged = len(products) - len(fresh)
        docs, result.embedded = self.enricher.enrich(fresh)
        written = bulk.write(self.client, bulk.index_actions(alias, docs), max_bytes=self.settings.bulk_max_bytes,
                             max_retries=self.settings.bulk_max_retries, deadletter_index=bulk.deadletter_name(alias))
        return result.merge(written)

    def delete_products(self, ids: list[str], *, index: str | None = None) -> BatchResult:
        alias = index or self.settings.index
        result = bulk.write(self.client, bulk.delete_actions(alias, [str(i) for i in ids]),
                            max_bytes=self.settings.bulk_max_bytes, max_retries=self.settings.bulk_max_retries)
        result.received = len(ids)
        return result

    def _changed(self, alias: str, products: list[Product]) -> list[Product]:
        """Products whose content differs from the indexed copy (or that are not indexed)."""
        if not products:
            return []
        found = self.client.mget(index=alias, body={"ids": [p.id for p in products]},
                                 _source_includes=["content_hash", "version"])
        indexed = {d["_id"]: d.get("_source", {}) for d in found["docs"] if d.get("found")}
        pipeline = self.enricher.pipeline_id
        changed = []
        for p in products:
            current = indexed.get(p.id)
            if current and current.get("content_hash") == content_hash(p, pipeline) and \
                    (p.ordering_version() or 0) <= (current.get("version") or 0):
                continue
            changed.append(p)
        return changed


def _last_per_id(products: list[Product]) -> list[Product]:
    """Within one batch, the highest version of each id wins (OpenSearch would refuse the rest)."""
    best: dict[str, Product] = {}
    for p in products:
        kept = best.get(p.id)
        if kept is None or (p.ordering_version() or 0) >= (kept.ordering_version() or 0):
            best[p.id] = p
    return list(best.values())
