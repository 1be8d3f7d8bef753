"""Bulk writes with opensearch-py's ``streaming_bulk``: 429s retried with backoff, chunks
bounded in bytes, version conflicts counted as stale, other failures dead-lettered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from indexer.results import BatchResult, Rejection
from mappings.install import DEADLETTER_SUFFIX


class TransientClusterError(RuntimeError):
    """The cluster is unreachable or overloaded (5xx, 429 after retries): retry the whole batch later."""


def index_actions(index: str, docs: Iterable[dict]) -> Iterable[dict]:
    for doc in docs:
        action = {"_op_type": "index", "_index": index, "_id": doc["id"], "_source": doc}
        if doc.get("version") is not None:
            # external_gte: an older update never overwrites a newer one, the same one may be re-applied.
            action["version"] = doc["version"]
            action["version_type"] = "external_gte"
        yield action


def delete_actions(index: str, ids: Iterable[str]) -> Iterable[dict]:
    for ident in ids:
        yield {"_op_type": "delete", "_index": index, "_id": ident}


def write(client: OpenSearch, actions: Iterable[dict], *, max_bytes: int, max_retries: int,
          deadletter_index: str | None = None) -> BatchResult:
    """Send ``actions``; return what landed, what was stale and what failed (and was dead-lettered)."""
    result = BatchResult()
    failures: list[tuple[dict, str]] = []
    try:
        for ok, item in helpers.streaming_bulk(
            client, actions, chunk_size=500, max_chunk_bytes=max_bytes, raise_on_error=False,
            raise_on_exception=False, max_retries=max_retries, initial_backoff=0.5, max_backoff=30,
            yield_ok=True,
        ):
            op, info = next(iter(item.items()))
            status = info.get("status", 0)
            if ok:
                if op == "delete":
                    result.deleted += 1
                else:
                    result.indexed += 1
            elif status == 409:
                result.stale += 1
            elif op == "delete" and status == 404:
                result.deleted += 0  # already gone: deleting is idempotent
            elif status == 429 or status >= 500:
                raise TransientClusterError(f"bulk item {info.get('_id')} failed with {status} after {max_retries} retries")
            else:
                failures.append((info, _reason(info)))
    except (OSConnectionError, ConnectionError) as exc:
        raise TransientClusterError(f"OpenSearch unreachable: {exc}") from exc
    except TransportError as exc:
        if exc.status_code == "N/A" or (isinstance(exc.status_code, int) and (exc.status_code >= 500 or exc.status_code == 429)):
            raise TransientClusterError(f"OpenSearch answered {exc.status_code}: {exc.error}") from exc
        raise
    for info, reason in failures:
        result.failed.append(Rejection(None, info.get("_id"), reason))
    if failures and deadletter_index:
        dead_letter(client, deadletter_index, failures)
    return result


def _reason(info: dict) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or info.get("status"))


def dead_letter(client: OpenSearch, index: str, failures: list[tuple[dict, str]]) -> None:
    """Keep each refused item with its reason, to inspect or replay."""
    now = datetime.now(UTC).isoformat()
    docs = [{"_index": index, "_source": {"id": info.get("_id"), "reason": reason, "at": now,
                                          "item": json.dumps(info, default=str)[:10000]}} for info, reason in failures]
    helpers.bulk(client, docs, raise_on_error=False)


def deadletter_name(alias: str) -> str:
    return alias + DEADLETTER_SUFFIX
