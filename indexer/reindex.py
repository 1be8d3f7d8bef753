"""Reindex: build a new versioned index, copy into it, swap the alias atomically.

The old index is kept (searchable by name, out of the alias) until ``prune_old`` deletes it.
``re_embed`` sends every product through the pipeline again (a new encoder or translator);
otherwise the copy is server-side ``_reindex`` (a new mapping or analyzers).
"""

from __future__ import annotations

from opensearchpy import helpers

from indexer.service import IndexingService
from mappings.install import alias_target, next_version, versioned_name
from mappings.template import index_body

ORIGINAL_FIELDS = ["id", "title", "description", "brand", "category", "attributes", "price", "currency",
                   "lang", "version"]


def reindex(service: IndexingService, *, alias: str | None = None, re_embed: bool = False) -> dict:
    settings = service.settings
    client = service.client
    alias = alias or settings.index
    old = alias_target(client, alias)
    if old is None:
        msg = f"There is no alias '{alias}' to reindex: run 'babelshop setup --index {alias}' first."
        raise ValueError(msg)
    new = versioned_name(alias, next_version(client, alias))
    dimension = service.enricher.encoder.dimension
    client.indices.create(index=new, body=index_body(settings.catalog_languages, dimension,
                                                          shards=settings.index_shards))
    if re_embed:
        copied = 0
        batch: list[dict] = []
        for hit in helpers.scan(client, index=old, _source_includes=ORIGINAL_FIELDS, size=500):
            batch.append({k: v for k, v in hit["_source"].items() if v is not None})
            if len(batch) == 256:
                copied += service.index_products(batch, index=new).indexed
                batch = []
        if batch:
            copied += service.index_products(batch, index=new).indexed
    else:
        response = client.reindex(body={"source": {"index": old}, "dest": {"index": new, "version_type": "external_gte"}},
                                  wait_for_completion=True, refresh=True, request_timeout=3600)
        copied = response.get("created", 0) + response.get("updated", 0)
    client.indices.refresh(index=new)
    client.indices.update_aliases(body={"actions": [
        {"remove": {"index": old, "alias": alias}},
        {"add": {"index": new, "alias": alias, "is_write_index": True}},
    ]})
    return {"alias": alias, "old_index": old, "new_index": new, "copied": copied}


def prune_old(client, alias: str) -> list[str]:
    """Delete the versioned indices of ``alias`` that it no longer points at."""
    current = alias_target(client, alias)
    existing = client.indices.get(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
    dropped = [name for name in existing if name != current]
    for name in dropped:
        client.indices.delete(index=name)
    return dropped
