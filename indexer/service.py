"""One batch of products end to end: validate, decide against the stored copy, enrich, write.

Used in-process by ``babelshop ingest --inline`` and by the Celery tasks alike.

Versioning rule (mixed versioned and unversioned writes)
--------------------------------------------------------
A product is ordered by its own ``version`` field (``version``, else ``updated_at`` in
milliseconds), stored in the document; OpenSearch's internal ``_version`` counter plays no part:

- a versioned write older than the stored version is stale: ignored, and counted as ``stale``;
- a versioned write of the same or a newer version replaces the stored product;
- an unversioned write always replaces (last writer wins), and the product keeps no version;
- a versioned write over an unversioned product replaces it.

Each decision is made on a read of the stored copy and holds only if nobody wrote in between:
existing documents are written with ``if_seq_no``/``if_primary_term`` from that read, new ids with
``op_type: create``. A 409 means another writer came first; those ids are read and decided again,
at most ``write_conflict_retries`` more times (then they are dead-lettered, never retried forever).
So the rule holds under concurrent writers and across a reindex, whose copy (``only_new``) writes
only ids the new index does not hold yet and carries no external version.

Full and partial writes
-----------------------
``index_products`` replaces the whole product. ``update_products`` merges partial documents
(``{"id", "price"}``) into the stored product by the same read-decide-write loop, so two writers
changing different fields of one product both keep theirs. Sent fields replace stored ones, a null
clears one, ``attributes`` merge by key (a null value removes the key). A partial update is
translated and embedded again only when ``title``, ``category`` or ``lang`` changed; any other
field is written in place with a new content hash. An update with no ``version``/``updated_at``
keeps the stored version (it changes only the fields it names); one with an older version is
stale. An update for an id that is not stored is rejected, unless it carries a title: then it is
validated as a whole product and inserted. The merged product is validated like a full one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from pydantic import ValidationError

from common.errors import BabelshopError
from common.opensearch_client import make_client
from common.product import PRODUCT_FIELDS, Product
from common.settings import Settings, get_settings
from indexer import bulk, deadletter, reindex_log
from indexer.enrich import Enricher, content_hash
from indexer.results import BatchResult, Rejection
from indexer.validate import Patch, Valid, describe, validate_items, validate_patches

#: Fields whose change needs translation or embedding again; any other is written in place.
ENRICHED_FIELDS = frozenset({"title", "category", "lang"})
#: What a partial update reads of the stored document to merge into.
_STORED_FIELDS = [f for f in PRODUCT_FIELDS if f != "updated_at"]

T = TypeVar("T")


class Decision(Enum):
    CREATE = "create"  # no stored copy: op_type create
    REPLACE = "replace"  # write the whole document over the copy read
    BUMP = "bump"  # same content, another version: only the version changes
    UNCHANGED = "unchanged"
    STALE = "stale"


@dataclass
class Stored:
    """The stored copy of a document as read, and the ``(_seq_no, _primary_term)`` to write over it."""

    source: dict
    seq: tuple[int, int]


def decide(product: Product, stored: Stored | None, pipeline: str, *, only_new: bool = False) -> Decision:
    """What a full write of ``product`` does to ``stored`` (the versioning rule of this module)."""
    if stored is None:
        return Decision.CREATE
    if only_new:
        return Decision.STALE
    version = product.ordering_version()
    current = stored.source.get("version")
    if version is not None and current is not None and version < current:
        return Decision.STALE
    if stored.source.get("content_hash") == content_hash(product, pipeline):
        return Decision.UNCHANGED if version == current else Decision.BUMP
    return Decision.REPLACE


def merge(stored: dict, fields: dict) -> dict:
    """``fields`` of a partial update merged into a stored product (see the module docstring)."""
    merged = dict(stored)
    if "version" in fields or "updated_at" in fields:
        merged.pop("version", None)  # the update carries its own order
    for key, value in fields.items():
        if key == "attributes" and isinstance(value, dict):
            # As text, the way the stored document holds them, so the content hash matches it.
            attributes = {**(merged.get("attributes") or {}), **value}
            merged["attributes"] = {k: str(v) for k, v in attributes.items() if v is not None}
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class IndexingService:
    """Holds the models and the client for the life of a worker process."""

    def __init__(self, settings: Settings | None = None, *, client: OpenSearch | None = None,
                 enricher: Enricher | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client or make_client(self.settings)
        self.enricher = enricher or Enricher(self.settings)

    # ---------------------------------------------------------------------------------- full writes
    def index_products(self, raw: list[object], *, index: str | None = None, positions: list[int] | None = None,
                       only_new: bool = False, dead_letter: bool = True) -> BatchResult:
        """Replace each product whole (the versioning rule decides); ``only_new`` writes only ids not
        stored yet (a reindex copy). Items the cluster refuses are dead-lettered unless ``dead_letter``
        is false (a replay keeps its letters itself)."""
        alias = index or self.settings.index
        valid, rejected = validate_items(raw, positions)
        result = BatchResult(received=len(raw), rejected=rejected)
        latest = _last_per_id(valid, lambda v: v.product)
        result.stale += len(valid) - len(latest)  # superseded within the batch
        pending = {v.product.id: v for v in latest}
        pipeline = self.enricher.pipeline_id if pending else ""
        docs: dict[str, dict] = {}  # enriched once, even when a conflict sends an id round again

        def plan(item: Valid, stored: Stored | None, actions: list[dict], enrich: list[tuple[Valid, Stored | None]]):
            decision = decide(item.product, stored, pipeline, only_new=only_new)
            if decision is Decision.STALE:
                result.stale += 1
            elif decision is Decision.UNCHANGED:
                result.unchanged += 1
            elif decision is Decision.BUMP:
                actions.append(bulk.update_action(alias, item.product.id, {
                    "version": item.product.ordering_version(), "indexed_at": _now()}, seq=stored.seq))
            else:
                enrich.append((item, stored))

        def build(batch: list[tuple[Valid, Stored | None]], actions: list[dict]) -> None:
            fresh = [item.product for item, _ in batch if item.product.id not in docs]
            made, embedded = self.enricher.enrich(fresh)
            result.embedded += embedded
            docs.update((doc["id"], doc) for doc in made)
            for item, stored in batch:
                doc = docs[item.product.id]
                actions.append(bulk.index_action(alias, doc, seq=stored.seq if stored else None, create=stored is None))

        failures = self._rounds(alias, pending, ["content_hash", "version"], plan, build, result,
                                conflicts_are_stale=only_new)
        self._fail(alias, failures, "index", result, dead_letter=dead_letter)
        return result

    # ------------------------------------------------------------------------------- partial writes
    def update_products(self, raw: list[object], *, index: str | None = None, positions: list[int] | None = None,
                        dead_letter: bool = True) -> BatchResult:
        """Merge partial documents into the stored products (see the module docstring)."""
        alias = index or self.settings.index
        patches, rejected = validate_patches(raw, positions)
        result = BatchResult(received=len(raw), rejected=rejected)
        pipeline = self.enricher.pipeline_id if patches else ""
        failures: list[tuple[Patch, str]] = []

        def plan(patch: Patch, stored: Stored | None, actions: list[dict],
                 enrich: list[tuple[Product, Patch, Stored | None]]):
            if stored is None:
                self._insert_or_reject(alias, patch, enrich, result)
                return
            version = _patch_version(patch)
            current = stored.source.get("version")
            if version is not None and current is not None and version < current:
                result.stale += 1
                return
            before = {k: v for k, v in stored.source.items() if k in _STORED_FIELDS and v is not None}
            try:
                merged = Product.model_validate(merge(before, patch.fields))
            except ValidationError as exc:
                result.rejected.append(Rejection(patch.position, patch.id, "the merged product is invalid: "
                                                 + describe(exc)))
                return
            changed = _changed_fields(before, merged)
            if not changed and merged.ordering_version() == current:
                result.unchanged += 1
            elif changed & ENRICHED_FIELDS or stored.source.get("encoder") != self.enricher.encoder.id:
                # (a document embedded by another encoder is brought up to date while it is rewritten)
                enrich.append((merged, patch, stored))
            else:
                fields = {f: _doc_value(merged, f) for f in changed}
                fields.update(version=merged.ordering_version(), content_hash=content_hash(merged, pipeline),
                              indexed_at=_now())
                actions.append(bulk.update_action(alias, patch.id, fields, seq=stored.seq))

        def build(batch: list[tuple[Product, Patch, Stored | None]], actions: list[dict]) -> None:
            docs, embedded = self.enricher.enrich([product for product, _, _ in batch])
            result.embedded += embedded
            for doc, (_, _, stored) in zip(docs, batch, strict=True):
                actions.append(bulk.index_action(alias, doc, seq=stored.seq if stored else None, create=stored is None))

        for wave in _waves(patches):  # the k-th update of each id, in the order received
            failures += self._rounds(alias, {p.id: p for p in wave}, [*_STORED_FIELDS, "encoder"], plan, build,
                                     result)
        self._fail(alias, failures, "update", result, dead_letter=dead_letter)
        return result

    def _insert_or_reject(self, alias: str, patch: Patch, enrich: list, result: BatchResult) -> None:
        if "title" not in patch.fields:
            result.rejected.append(Rejection(patch.position, patch.id, (
                f"no product '{patch.id}' in {alias} to update: index the whole product first, or send a title "
                "with the update to insert it")))
            return
        try:
            product = Product.model_validate({**patch.fields, "id": patch.id})
        except ValidationError as exc:
            result.rejected.append(Rejection(patch.position, patch.id, describe(exc)))
            return
        enrich.append((product, patch, None))

    # -------------------------------------------------------------------------------------- deletes
    def delete_products(self, ids: list[str], *, index: str | None = None) -> BatchResult:
        alias = index or self.settings.index
        idents = [str(i) for i in ids]
        outcome = self._write(alias, bulk.delete_actions(alias, idents), deleting=True)
        result = BatchResult(received=len(ids), deleted=len(outcome.landed))  # a missing id: nothing to delete
        result.failed.extend(Rejection(None, ident, reason) for ident, reason in outcome.failed)
        return result

    # --------------------------------------------------------------------------------------- shared
    def _rounds(self, alias: str, pending: dict[str, T], fields: list[str],
                plan: Callable[[T, Stored | None, list[dict], list], None],
                build: Callable[[list, list[dict]], None], result: BatchResult, *,
                conflicts_are_stale: bool = False) -> list[tuple[T, str]]:
        """Read, decide (``plan``), enrich what needs it (``build``), write; ids another writer changed
        in between (409, or an update whose document vanished) go round again, a bounded number of
        times. Returns the items the cluster refused, with the reason."""
        failures: list[tuple[T, str]] = []
        rounds = self.settings.write_conflict_retries + 1
        for _ in range(rounds):
            if not pending:
                break
            stored = self._read(alias, list(pending), fields)
            actions: list[dict] = []
            enrich: list = []
            for ident, item in pending.items():
                plan(item, stored.get(ident), actions, enrich)
            if enrich:
                build(enrich, actions)
            outcome = self._write(alias, actions)
            result.indexed += len(outcome.landed)
            failures += [(pending[ident], reason) for ident, reason in outcome.failed]
            if conflicts_are_stale:
                result.stale += len(outcome.conflicts)  # created meanwhile by a live write: it is newer
                pending = {ident: pending[ident] for ident in outcome.not_found}
            else:
                pending = {ident: pending[ident] for ident in [*outcome.conflicts, *outcome.not_found]}
        failures += [(item, f"changed by concurrent writers on each of {rounds} attempts; replay it later")
                     for item in pending.values()]
        return failures

    def _read(self, alias: str, ids: list[str], fields: list[str]) -> dict[str, Stored]:
        """The stored copies of ``ids`` (realtime), with what a conditional write over them needs."""
        try:
            found = self.client.mget(index=alias, body={"ids": ids}, _source_includes=fields)
        except TransportError as exc:
            raise bulk.cluster_error(exc, url=self.settings.opensearch_url,
                                     doing=f"reading {len(ids)} stored products of {alias}") from exc
        stored = {}
        for doc in found["docs"]:
            if "error" in doc:
                msg = f"reading product {doc.get('_id')} of {alias} failed: {doc['error']}"
                raise BabelshopError(msg)
            if doc.get("found"):
                stored[doc["_id"]] = Stored(doc.get("_source", {}), (doc["_seq_no"], doc["_primary_term"]))
        return stored

    def _write(self, alias: str, actions: list[dict], *, deleting: bool = False) -> bulk.WriteOutcome:
        outcome = bulk.WriteOutcome()
        if not actions:
            return outcome
        reindex_log.before_write(self.client, alias)
        writer = bulk.Writer(self.client, max_bytes=self.settings.bulk_max_bytes,
                             max_retries=self.settings.bulk_max_retries,
                             initial_backoff_s=self.settings.bulk_initial_backoff_s,
                             max_backoff_s=self.settings.bulk_max_backoff_s, url=self.settings.opensearch_url)
        try:
            writer.write(actions, outcome)
        finally:
            # Also after a transient failure half way: what landed must reach a running reindex.
            changed = [*outcome.landed, *outcome.not_found] if deleting else outcome.landed
            reindex_log.after_write(self.client, alias, changed, deleted=deleting)
        return outcome

    def _fail(self, alias: str, failures: list[tuple[Valid | Patch, str]], operation: str, result: BatchResult, *,
              dead_letter: bool) -> None:
        """Report the items the cluster refused and keep each as a dead letter, as it was received."""
        for item, reason in failures:
            ident = item.product.id if isinstance(item, Valid) else item.id
            result.failed.append(Rejection(item.position, ident, reason))
        if failures and dead_letter:
            deadletter.record(self.client, alias, [(item.raw, reason) for item, reason in failures], attempts=1,
                              operation=operation, url=self.settings.opensearch_url)


def _last_per_id(items: list[T], product_of: Callable[[T], Product] = lambda p: p) -> list[T]:
    """Within one batch, what a sequence of writes of each id would leave (the versioning rule):
    a later item replaces the kept one unless both are versioned and it is older."""
    best: dict[str, T] = {}
    for item in items:
        product = product_of(item)
        kept = best.get(product.id)
        if kept is not None:
            new, old = product.ordering_version(), product_of(kept).ordering_version()
            if new is not None and old is not None and new < old:
                continue
        best[product.id] = item
    return list(best.values())


def _waves(patches: list[Patch]) -> list[list[Patch]]:
    """Patches grouped so that no id appears twice in a group, in the order they came."""
    waves: list[list[Patch]] = []
    seen: dict[str, int] = defaultdict(int)
    for patch in patches:
        k = seen[patch.id]
        seen[patch.id] += 1
        if k == len(waves):
            waves.append([])
        waves[k].append(patch)
    return waves


def _patch_version(patch: Patch) -> int | None:
    if patch.fields.get("version") is None and patch.fields.get("updated_at") is None:
        return None
    probe = Product.model_validate({"id": patch.id, "title": "-", **{
        k: patch.fields[k] for k in ("version", "updated_at") if k in patch.fields}})
    return probe.ordering_version()


def _changed_fields(before: dict, merged: Product) -> set[str]:
    """The product fields (not the order) whose value the merge changed."""
    try:
        old = Product.model_validate(before)
    except ValidationError:
        return {f for f in PRODUCT_FIELDS if f not in ("id", "version", "updated_at")}
    return {f for f in PRODUCT_FIELDS if f not in ("id", "version", "updated_at")
            and getattr(merged, f) != getattr(old, f)}


def _doc_value(product: Product, name: str) -> object:
    """A product field as the enriched document holds it (see ``Enricher.enrich``)."""
    if name == "attributes":
        return {k: str(v) for k, v in product.attributes.items()} or None
    return getattr(product, name)


def _now() -> str:
    return datetime.now(UTC).isoformat()
