"""Bulk writes: chunks bounded in bytes, 429s retried with backoff, a request refused as a whole
bisected down to the item that caused it, and every cluster failure classified once.

Each item comes back in one of four lists of :class:`WriteOutcome`, keyed by its ``_id``:

- ``landed``: 2xx;
- ``conflicts``: 409, the stored document changed since it was read (or a create found one);
- ``not_found``: 404 on an update or a delete, the document is gone;
- ``failed``: any other refusal of that item, with the reason for its dead letter.

A request refused as a whole with 400 or 413 is split in halves until the item that causes it
stands alone, so its siblings land. Transient failures (connection lost, timeout, 5xx, 429 still
answered after the retries) raise :class:`TransientClusterError` for the whole batch: the task
retries it later, and the read-decide-write of ``IndexingService`` makes that replay harmless.
Nothing is swallowed.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from common.errors import BabelshopError, ClusterUnavailable, from_cluster, is_transient_status, root_cause, status_of
from mappings.install import DEADLETTER_SUFFIX

#: Most items in one bulk request, whatever their size.
CHUNK_ITEMS = 500
#: Request-level refusals a smaller request may not meet: bisect instead of failing every item.
BISECT_STATUSES = (400, 413)


class TransientClusterError(ClusterUnavailable):
    """The cluster is unreachable, slow or overloaded (5xx, 429 after retries): retry the whole batch later."""


def cluster_error(exc: Exception, *, url: str, doing: str) -> BabelshopError:
    """:func:`common.errors.from_cluster`, with every transient failure as a TransientClusterError."""
    error = from_cluster(exc, url=url, doing=doing)
    if isinstance(error, ClusterUnavailable):
        return TransientClusterError(str(error), reason=error.reason, status=error.status)
    return error


# ------------------------------------------------------------------------------------------ actions
def index_action(index: str, doc: dict, *, seq: tuple[int, int] | None = None, create: bool = False) -> dict:
    """Write ``doc`` whole: ``create`` only if the id is new, else only over the stored copy read at ``seq``
    (``(_seq_no, _primary_term)``), else unconditionally."""
    action = {"op": "create" if create else "index", "_index": index, "_id": doc["id"], "source": doc}
    if seq is not None and not create:
        action["if_seq_no"], action["if_primary_term"] = seq
    return action


def update_action(index: str, ident: str, fields: dict, *, seq: tuple[int, int]) -> dict:
    """Merge ``fields`` into the stored document, only if it is still the copy read at ``seq``."""
    return {"op": "update", "_index": index, "_id": ident, "source": {"doc": fields},
            "if_seq_no": seq[0], "if_primary_term": seq[1]}


def delete_action(index: str, ident: str) -> dict:
    return {"op": "delete", "_index": index, "_id": ident}


def index_actions(index: str, docs: list[dict]) -> list[dict]:
    """Unconditional writes (last writer wins); the service adds the conditions it has read."""
    return [index_action(index, doc) for doc in docs]


def delete_actions(index: str, ids: list[str]) -> list[dict]:
    return [delete_action(index, ident) for ident in ids]


def _lines(action: dict) -> bytes:
    meta = {k: action[k] for k in ("_index", "_id", "if_seq_no", "if_primary_term") if k in action}
    out = _json({action["op"]: meta})
    if action["op"] != "delete":
        out += b"\n" + _json(action["source"])
    return out + b"\n"


def _json(value: object) -> bytes:
    # orjson: each product carries its vector, which the standard encoder wrote slowly enough
    # to show in indexing's profile. What orjson refuses (a lone surrogate in a text) goes to
    # the standard encoder, as every line did before.
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str).encode("utf-8")


# ------------------------------------------------------------------------------------------ writing
@dataclass
class WriteOutcome:
    landed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    requests: int = 0


@dataclass
class Writer:
    """Sends actions in bulk requests under ``max_bytes``; see the module docstring for what comes back."""

    client: OpenSearch
    max_bytes: int
    max_retries: int
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    url: str = "OpenSearch"
    sleep: Callable[[float], None] = time.sleep

    def write(self, actions: list[dict], outcome: WriteOutcome | None = None) -> WriteOutcome:
        """Send ``actions``, filing each item in ``outcome`` as its answer comes (so a caller still
        knows what landed when a transient failure ends the write half way)."""
        outcome = outcome if outcome is not None else WriteOutcome()
        chunk: list[tuple[dict, bytes]] = []
        size = 0
        for action in actions:
            lines = _lines(action)
            if chunk and (size + len(lines) > self.max_bytes or len(chunk) >= CHUNK_ITEMS):
                self._send(chunk, outcome)
                chunk, size = [], 0
            chunk.append((action, lines))
            size += len(lines)
        if chunk:
            self._send(chunk, outcome)
        return outcome

    def _send(self, chunk: list[tuple[dict, bytes]], outcome: WriteOutcome) -> None:
        pending = chunk
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._backoff(attempt))
            outcome.requests += 1
            try:
                response = self.client.bulk(body=b"".join(lines for _, lines in pending).decode("utf-8"))
            except TransportError as exc:
                status = status_of(exc)
                if status == 429:
                    continue  # refused as a whole: the same request again, after the backoff
                if status in BISECT_STATUSES:
                    self._bisect(pending, exc, outcome)
                    return
                raise cluster_error(exc, url=self.url,
                                    doing=f"writing a bulk request of {len(pending)} items (sent once, not retried "
                                          "in place: the whole batch is retried)") from exc
            pending = self._collect(pending, response, outcome)
            if not pending:
                return
        raise TransientClusterError(
            f"OpenSearch at {self.url} answered 429 (too many requests) for {len(pending)} bulk items through "
            f"{self.max_retries} retries with backoff: the cluster is overloaded; the whole batch is retried later.",
            reason="overloaded", status=429)

    def _bisect(self, pending: list[tuple[dict, bytes]], exc: TransportError, outcome: WriteOutcome) -> None:
        if len(pending) == 1:
            outcome.failed.append((pending[0][0]["_id"], f"{status_of(exc)} {exc.error}: {root_cause(exc)}"))
            return
        half = len(pending) // 2
        self._send(pending[:half], outcome)
        self._send(pending[half:], outcome)

    def _collect(self, pending: list[tuple[dict, bytes]], response: dict,
                 outcome: WriteOutcome) -> list[tuple[dict, bytes]]:
        """File each item's answer; return the items to send again (429)."""
        retry: list[tuple[dict, bytes]] = []
        transient: list[tuple[int, str]] = []
        for (action, lines), item in zip(pending, response["items"], strict=True):
            info = next(iter(item.values()))
            status = int(info.get("status", 0))
            ident = action["_id"]
            if 200 <= status < 300:
                outcome.landed.append(ident)
            elif status == 429:
                retry.append((action, lines))
            elif is_transient_status(status):
                transient.append((status, _reason(info)))
            elif status == 409:
                outcome.conflicts.append(ident)
            elif status == 404 and action["op"] in ("update", "delete"):
                outcome.not_found.append(ident)
            else:
                outcome.failed.append((ident, f"{status} {_reason(info)}"))
        if transient:
            status, reason = transient[0]
            raise TransientClusterError(
                f"OpenSearch at {self.url} failed {len(transient)} bulk items with {status} ({reason}); not retried "
                "in place: the whole batch is retried later.", reason="overloaded", status=status)
        return retry

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)  # jitter: workers retrying together do not collide again


def _reason(info: dict) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or info.get("status"))


def deadletter_name(alias: str) -> str:
    return alias + DEADLETTER_SUFFIX
