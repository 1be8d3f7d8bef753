"""Dead letters: products the cluster refused, kept as received so they can be fixed and replayed.

They live in ``<alias>-deadletter`` (mapping: :mod:`mappings.deadletter`), one document per
product: the product exactly as the producer sent it, the reason, the attempt count, the time of
the last attempt, and the operation that replays it (``index`` for a full product, ``update`` for a
partial one). A letter's id is derived from its operation and content, so the same product refused
twice (a redelivered batch) is one letter, not two.

:func:`replay` sends each letter through its operation again: the letters whose product landed
(or is now older than the stored one) are removed; the rest stay with one more attempt and the
new reason.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, TransportError

from common.errors import BabelshopError
from common.settings import Settings
from indexer.bulk import Writer, cluster_error, deadletter_name
from indexer.results import BatchResult
from mappings.deadletter import deadletter_body


class ProductWriter(Protocol):
    """What a replay needs of ``indexer.service.IndexingService`` (named by its shape, so that the
    service can import this module)."""

    settings: Settings
    client: OpenSearch

    def index_products(self, raw: list[object], **options: object) -> BatchResult: ...

    def update_products(self, raw: list[object], **options: object) -> BatchResult: ...

OPERATIONS = ("index", "update")
#: Letters per bulk request when recording or settling them.
_MAX_BYTES = 5 * 1024 * 1024


def letter_id(operation: str, product: object) -> str:
    raw = json.dumps(_jsonable(product), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{operation}\x00{raw}".encode()).hexdigest()


def record(client: OpenSearch, alias: str, items: list[tuple[object, str]], *, attempts: int,
           operation: str = "index", url: str = "OpenSearch") -> int:
    """Keep each ``(product as received, reason)``; return how many letters were written."""
    if not items:
        return 0
    if operation not in OPERATIONS:
        msg = f"dead-letter operation {operation!r} is not one of {', '.join(OPERATIONS)}"
        raise ValueError(msg)
    name = deadletter_name(alias)
    at = _now()
    actions = []
    for product, reason in items:
        stored = _jsonable(product) if isinstance(product, dict) else {"value": _jsonable(product)}
        ident = product.get("id") if isinstance(product, dict) else None
        actions.append({"op": "index", "_index": name, "_id": letter_id(operation, product), "source": {
            "id": None if ident is None else str(ident), "operation": operation, "reason": reason[:10000],
            "attempts": attempts, "at": at, "product": stored}})
    try:
        client.indices.create(index=name, body=deadletter_body(), ignore=400)  # 400: it exists already
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"creating the dead-letter index {name}") from exc
    outcome = _writer(client, url).write(actions)
    _refresh(client, name, url)  # a letter is listed as soon as its product is reported failed
    if outcome.failed:
        ident, reason = outcome.failed[0]
        msg = (f"{len(outcome.failed)} dead letters could not be written to {name} (first: {reason}); those "
               "products are in this error only: fix the dead-letter index (babelshop setup) and send them again.")
        raise BabelshopError(msg)
    return len(outcome.landed)


def list_letters(client: OpenSearch, alias: str, size: int = 100, *, url: str = "OpenSearch") -> list[dict]:
    """The oldest ``size`` letters, each with its ``letter`` id."""
    try:
        body = {"size": size, "sort": [{"at": {"order": "asc", "unmapped_type": "date"}}], "query": {"match_all": {}}}
        hits = client.search(index=deadletter_name(alias), body=body)["hits"]["hits"]
    except NotFoundError:
        return []
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"listing the dead letters of {alias}") from exc
    return [{"letter": h["_id"], **h["_source"]} for h in hits]


def count(client: OpenSearch, alias: str, *, url: str = "OpenSearch") -> int:
    try:
        return int(client.count(index=deadletter_name(alias))["count"])
    except NotFoundError:
        return 0
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"counting the dead letters of {alias}") from exc


def replay(service: ProductWriter, alias: str | None = None) -> BatchResult:
    """Send every letter through its operation again; remove those that landed, keep the rest
    with ``attempts + 1`` and the new reason."""
    alias = alias or service.settings.index
    url = service.settings.opensearch_url
    client = service.client
    letters = list(_scan(client, alias, url))
    total = BatchResult()
    settle: list[dict] = []
    name = deadletter_name(alias)
    now = _now()
    for operation in OPERATIONS:
        group = [letter for letter in letters if letter.get("operation") == operation and
                 isinstance(letter.get("product"), dict)]
        if not group:
            continue
        send = service.index_products if operation == "index" else service.update_products
        part = send([letter["product"] for letter in group], index=alias, positions=list(range(len(group))),
                    dead_letter=False)
        again = {r.position: r.reason for r in [*part.rejected, *part.failed]}
        for position, letter in enumerate(group):
            if position in again:
                settle.append({"op": "update", "_index": name, "_id": letter["letter"], "source": {"doc": {
                    "attempts": int(letter.get("attempts") or 0) + 1, "reason": again[position][:10000],
                    "at": now}}})
            else:
                settle.append({"op": "delete", "_index": name, "_id": letter["letter"]})
        total.merge(part)
    if settle:
        _writer(client, url).write(settle)
        _refresh(client, name, url)
    return total


def purge(client: OpenSearch, alias: str, *, url: str = "OpenSearch") -> int:
    """Delete every letter of ``alias``; return how many there were."""
    try:
        response = client.delete_by_query(index=deadletter_name(alias), body={"query": {"match_all": {}}},
                                          refresh=True, conflicts="proceed")
    except NotFoundError:
        return 0
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"purging the dead letters of {alias}") from exc
    return int(response.get("deleted", 0))


def _scan(client: OpenSearch, alias: str, url: str) -> Iterable[dict]:
    try:
        for hit in helpers.scan(client, index=deadletter_name(alias), query={"query": {"match_all": {}}}):
            yield {"letter": hit["_id"], **hit["_source"]}
    except NotFoundError:
        return
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"reading the dead letters of {alias}") from exc


def _refresh(client: OpenSearch, name: str, url: str) -> None:
    try:
        client.indices.refresh(index=name)
    except TransportError as exc:
        raise cluster_error(exc, url=url, doing=f"refreshing {name}") from exc


def _writer(client: OpenSearch, url: str) -> Writer:
    return Writer(client, max_bytes=_MAX_BYTES, max_retries=3, url=url)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _jsonable(value: object) -> object:
    """``value`` as strict JSON: NaN and infinities (which a producer's JSON may hold) become text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
