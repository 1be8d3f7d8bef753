"""Reindex: build a new versioned index, copy into it, swap the alias atomically, and lose no
write made meanwhile (the protocol is ``mappings.rebuild``; writers take part through
``indexer.reindex_log``).

The old index is kept (searchable by name, out of the alias) until ``prune_old`` deletes it.
``re_embed`` sends every product through the pipeline again (a new encoder or translator);
otherwise the copy is server-side ``_reindex`` (a new mapping or analyzers).
"""

from __future__ import annotations

import time

from opensearchpy import helpers

from common.errors import InputError
from indexer.service import IndexingService
from mappings.analysis import SYNONYM_DIR
from mappings.install import alias_target, next_version, versioned_name
from mappings.rebuild import Rebuild, copy_server_side
from mappings.template import index_body

ORIGINAL_FIELDS = ["id", "title", "description", "brand", "category", "attributes", "price", "currency",
                   "lang", "version"]
RE_EMBED_BATCH = 256
RENEW_EVERY_S = 30.0


def original(source: dict) -> dict:
    """The product as a producer would send it, from a stored document."""
    return {k: source[k] for k in ORIGINAL_FIELDS if source.get(k) is not None}


def reindex(service: IndexingService, *, alias: str | None = None, re_embed: bool = False) -> dict:
    settings = service.settings
    client = service.client
    alias = alias or settings.index
    old = alias_target(client, alias)
    if old is None:
        msg = f"There is no alias '{alias}' to reindex: run 'babelshop setup --index {alias}' first."
        raise InputError(msg)
    new = versioned_name(alias, next_version(client, alias))
    dimension = service.enricher.encoder.dimension
    client.indices.create(index=new, body=index_body(settings.catalog_languages, dimension,
                                                     synonym_dir=settings.synonyms_dir or SYNONYM_DIR,
                                                     shards=settings.index_shards,
                                                     replicas=settings.index_replicas))

    def re_enrich(docs: list[dict], only_new: bool) -> None:
        service.index_products([original(d) for d in docs], index=new, only_new=only_new)

    rebuild = Rebuild(client, alias, old, new, put=re_enrich if re_embed else None, grace_s=settings.reindex_grace_s)
    since = rebuild.begin()
    try:
        copied = _copy_re_embedding(service, rebuild) if re_embed else copy_server_side(rebuild)
        rebuild.finish(rebuild.catch_up(since))
    except BaseException:
        rebuild.abandon()
        client.indices.delete(index=new, ignore=404)
        raise
    return {"alias": alias, "old_index": old, "new_index": new, "copied": copied}


def _copy_re_embedding(service: IndexingService, rebuild: Rebuild) -> int:
    copied = 0
    batch: list[dict] = []
    renewed = time.monotonic()
    for hit in helpers.scan(service.client, index=rebuild.old, _source_includes=ORIGINAL_FIELDS, size=500):
        batch.append(original(hit["_source"]))
        if len(batch) == RE_EMBED_BATCH:
            copied += service.index_products(batch, index=rebuild.new).indexed
            batch = []
            if time.monotonic() - renewed > RENEW_EVERY_S:
                rebuild.renew()
                renewed = time.monotonic()
    if batch:
        copied += service.index_products(batch, index=rebuild.new).indexed
    return copied


def prune_old(client, alias: str) -> list[str]:
    """Delete the versioned indices of ``alias`` that it no longer points at."""
    current = alias_target(client, alias)
    existing = client.indices.get(index=f"{alias}_v*", ignore_unavailable=True, allow_no_indices=True)
    dropped = [name for name in existing if name != current]
    for name in dropped:
        client.indices.delete(index=name)
    return dropped
