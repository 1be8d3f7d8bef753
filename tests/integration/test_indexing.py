"""Indexing against the real OpenSearch, Redis and Celery workers (issue: indexing)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from babelshop.sample import synthetic_catalog, write_jsonl
from common.settings import Settings
from indexer.embedding_cache import EmbeddingCache
from indexer.enrich import Enricher
from indexer.ingest import ingest_inline, ingest_queued
from indexer.service import IndexingService
from tests.helpers import count

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _unique_products(n: int) -> list[dict]:
    # Fresh titles every run, so the shared embedding cache cannot hide the work.
    tag = uuid.uuid4().hex[:6]
    return [{**p, "id": f"{p['id']}-{tag}", "title": f"{p['title']} {tag}"} for p in synthetic_catalog(n)]


def test_1000_products_through_the_queue_are_all_searchable(client: OpenSearch, settings: Settings, alias: str,
                                                             tmp_path: Path) -> None:
    path = write_jsonl(iter(_unique_products(1000)), tmp_path / "catalog.jsonl")
    result, sent = ingest_queued(path, settings, index=alias, batch_size=100, wait=True, timeout_s=900)
    assert sent == 10
    assert result.indexed == 1000 and not result.rejected and not result.failed
    assert count(client, alias) == 1000
    # Searchable by text and by vector.
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    hits = client.search(index=alias, body={"query": {"match": {"title": first["title"]}}})["hits"]["hits"]
    assert first["id"] in [h["_id"] for h in hits]
    doc = client.get(index=alias, id=first["id"])["_source"]
    assert len(doc["title_vector"]) == 384 + 512  # e5 + USE
    assert set(doc["title_i18n"]) == set(settings.catalog_languages)


class FailingBulkClient:
    """Wraps the real client: the first bulk call is refused with 429 as a whole, the second
    answers 429 for the first half of its items (sending only the other half to the cluster)."""

    def __init__(self, real: OpenSearch) -> None:
        self._real = real
        self.bulk_calls = 0

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    def bulk(self, *args, body, **kwargs):
        self.bulk_calls += 1
        if self.bulk_calls == 1:
            raise TransportError(429, "es_rejected_execution_exception", {"error": "injected"})
        if self.bulk_calls == 2:
            lines = (body.decode() if isinstance(body, bytes) else body).splitlines()
            pairs = [lines[i:i + 2] for i in range(0, len(lines), 2)]  # index/create: action and source
            half = len(pairs) // 2
            rejected = [{op: {"_id": meta["_id"], "status": 429,
                              "error": {"type": "es_rejected_execution_exception", "reason": "injected"}}}
                        for op, meta in (next(iter(json.loads(p[0]).items())) for p in pairs[:half])]
            sent = self._real.bulk(*args, body="\n".join(x for p in pairs[half:] for x in p) + "\n", **kwargs)
            return {"took": 1, "errors": True, "items": rejected + sent["items"]}
        return self._real.bulk(*args, body=body, **kwargs)


def test_bulk_429s_are_retried_and_nothing_is_lost(client: OpenSearch, settings: Settings, alias: str) -> None:
    products = _unique_products(60)
    failing = FailingBulkClient(client)
    service = IndexingService(settings, client=failing)  # type: ignore[arg-type]
    result = service.index_products(products, index=alias)
    assert result.indexed == 60 and not result.failed
    assert failing.bulk_calls == 3  # refused whole, half refused, the rest retried
    assert count(client, alias) == 60


def test_malformed_rows_are_rejected_with_reasons_and_the_rest_lands(client: OpenSearch, settings: Settings,
                                                                      alias: str, tmp_path: Path) -> None:
    good = _unique_products(5)
    lines = [json.dumps(good[0]), "{broken json", json.dumps({"id": "no-title"}), json.dumps(good[1]),
             json.dumps({"id": "neg", "title": "Cheap", "price": -3}), "[]", *[json.dumps(p) for p in good[2:]]]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_inline(path, settings, index=alias)
    assert result.indexed == 5
    assert sorted((r.position, r.id) for r in result.rejected) == [(2, None), (3, "no-title"), (5, "neg"), (6, None)]
    assert any("title" in r.reason for r in result.rejected)
    assert count(client, alias) == 5


def test_a_bad_item_in_a_queued_batch_does_not_sink_the_batch(client: OpenSearch, settings: Settings,
                                                                alias: str) -> None:
    from indexer.tasks import index_products

    products = [*_unique_products(3), {"title": "no id"}, {"id": "x", "title": ""}]
    summary = index_products.apply_async(args=[products], kwargs={"index": alias}).get(timeout=300)
    assert summary["indexed"] == 3
    assert [r["position"] for r in summary["rejected"]] == [3, 4]
    assert count(client, alias) == 3


def test_an_older_version_arriving_late_changes_nothing(client: OpenSearch, settings: Settings, alias: str) -> None:
    service = IndexingService(settings)
    newer = {"id": "sku-v", "title": "Trail running shoes, 2025 model", "lang": "en", "version": 3}
    older = {"id": "sku-v", "title": "Trail running shoes, 2023 model", "lang": "en", "version": 2}
    assert service.index_products([newer], index=alias).indexed == 1
    late = service.index_products([older], index=alias)
    assert late.indexed == 0 and late.stale == 1
    assert client.get(index=alias, id="sku-v")["_source"]["title"] == newer["title"]
    same = service.index_products([{**newer, "title": "Trail running shoes, 2025 model (restock)"}], index=alias)
    assert same.indexed == 1  # the same version may be re-applied (external_gte)


def _service_with_private_cache(settings: Settings, path: Path) -> IndexingService:
    # Only the embedding cache is private to the test; dictionaries keep their shared disk cache.
    enricher = Enricher(settings)
    enricher._cache = EmbeddingCache(path / "embeddings.sqlite", enricher.encoder.id)
    return IndexingService(settings, enricher=enricher)


def test_reingesting_an_unchanged_catalog_embeds_nothing(client: OpenSearch, settings: Settings, alias: str,
                                                          tmp_path: Path) -> None:
    path = write_jsonl(iter(_unique_products(120)), tmp_path / "c.jsonl")
    service = _service_with_private_cache(settings, tmp_path)
    first = ingest_inline(path, settings, index=alias, service=service)
    assert first.indexed == 120 and first.embedded == 120
    second = ingest_inline(path, settings, index=alias, service=_service_with_private_cache(settings, tmp_path))
    assert second.embedded == 0 and second.unchanged == 120 and second.indexed == 0


def test_identical_text_is_embedded_once_across_products(settings: Settings, alias: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    products = [{"id": f"twin-{i}-{tag}", "title": f"Espresso machine {tag}", "lang": "en"} for i in range(4)]
    service = _service_with_private_cache(settings, tmp_path)
    assert service.index_products(products, index=alias).embedded == 1

