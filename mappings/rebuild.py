"""Rebuild the index behind an alias while it stays open and writable, losing no write.

Used by ``babelshop reindex`` (new mapping, new encoder) and by synonym reloads (new search
analyzers, which OpenSearch only changes on a closed index: a copy keeps searches answering).

The protocol, with the writer's half in ``indexer.reindex_log``:

1. The new versioned index is created and a state document is published in ``<alias>-rebuild``
   (phase ``copying``). From then on every writer, after each bulk request to the alias, logs the
   ids it changed there.
2. The old index is refreshed (writes that finished before the state existed become visible)
   and copied into the new one.
3. The logged ids are replayed from the old index into the new one (a delete where the old index
   no longer has the id), pass after pass, until a pass finds little to do.
4. Phase ``frozen``: writers wait before their next bulk request. After a grace period (writes
   already in flight land), a last pass replays what remains and the alias is swapped atomically.
5. Phase ``swapped``: writers go to the new index; a write that was still in flight to the old one
   is logged too, and a final pass, after another grace period, copies a product the new index
   lacks (never over one it holds: that one is newer) and repeats deletes logged meanwhile. The
   state document is then removed. A write in flight for longer than both grace periods that
   replaced an existing product is the one case this cannot see (see the README's Guarantees).

The state expires unless the rebuild renews it, so a rebuild that dies never leaves writers
waiting.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from opensearchpy import OpenSearch, helpers

from common.errors import BabelshopError

STATE_SUFFIX = "-rebuild"
STATE_ID = "state"
#: How long a published state stays valid without being renewed.
STATE_TTL_S = 600.0
#: Log entries this much older than a pass's start are still replayed: writers' clocks and
#: requests in flight make ``at`` a little late or early; replaying twice is harmless.
CLOCK_MARGIN_S = 5.0
MAX_CATCH_UP_PASSES = 5
#: A catch-up pass replaying fewer ids than this is the last before the freeze.
SMALL_PASS = 100
REPLAY_CHUNK = 500

COPYING, FROZEN, SWAPPED = "copying", "frozen", "swapped"

STATE_BODY = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {"dynamic": False, "properties": {"kind": {"type": "keyword"}, "at": {"type": "double"}}},
}


class RebuildError(BabelshopError):
    """The copy into the new index failed; the alias still points at the old one."""


def state_index(alias: str) -> str:
    return alias + STATE_SUFFIX


def read_state(client: OpenSearch, alias: str) -> dict | None:
    """The live rebuild state of ``alias`` (``old``, ``new``, ``phase``), or None when no rebuild runs."""
    # ignore=404: no rebuild is the usual case, not a failure worth a log line. 503: the state
    # index of a first rebuild exists but its shard has not started: nothing is published yet.
    doc = client.get(index=state_index(alias), id=STATE_ID, ignore=(404, 503))
    if not doc.get("found"):
        return None
    state = doc["_source"]
    return state if state.get("expires_at", 0) > time.time() else None


def log_changes(client: OpenSearch, alias: str, ids: Iterable[str], *, deleted: bool = False) -> None:
    """Record that ``ids`` were written (or deleted) through ``alias`` now; an id's last entry wins."""
    now = time.time()
    actions = [{"_index": state_index(alias), "_id": "log:" + hashlib.sha1(i.encode()).hexdigest(),  # noqa: S324
                "_source": {"kind": "log", "id": i, "at": now, "deleted": deleted}} for i in ids]
    if actions:
        helpers.bulk(client, actions)


@dataclass
class Rebuild:
    """One rebuild of ``alias`` from ``old`` into ``new`` (created by the caller)."""

    client: OpenSearch
    alias: str
    old: str
    new: str
    #: Writes these documents (``_source`` of the old index, ``_id`` as ``id``) into ``new``, only
    #: those it lacks when the flag is set: a plain copy by default, re-enrichment for
    #: ``reindex --re-embed``.
    put: Callable[[list[dict], bool], None] | None = None
    grace_s: float = 5.0

    def _publish(self, phase: str) -> None:
        self.client.index(index=state_index(self.alias), id=STATE_ID, refresh=True, body={
            "kind": "state", "old": self.old, "new": self.new, "phase": phase,
            "expires_at": time.time() + STATE_TTL_S})

    def renew(self) -> None:
        """Keep the state alive during a long copy."""
        self._publish(COPYING)

    def begin(self) -> float:
        self.client.indices.create(index=state_index(self.alias), body=STATE_BODY, ignore=400)
        self.client.cluster.health(index=state_index(self.alias), wait_for_status="yellow")
        self.client.delete_by_query(index=state_index(self.alias), body={"query": {"term": {"kind": "log"}}},
                                    refresh=True, conflicts="proceed")
        started = time.time()
        self._publish(COPYING)
        self.client.indices.refresh(index=self.old)
        return started

    def logged_since(self, since: float) -> dict[str, bool]:
        """The ids logged from ``since`` on, each with whether its last change was a delete."""
        self.client.indices.refresh(index=state_index(self.alias))
        query = {"query": {"bool": {"filter": [{"term": {"kind": "log"}}, {"range": {"at": {"gte": since}}}]}}}
        return {hit["_source"]["id"]: bool(hit["_source"].get("deleted")) for hit in
                helpers.scan(self.client, index=state_index(self.alias), query=query, size=1000)}

    def replay(self, logged: dict[str, bool], *, after_swap: bool = False) -> int:
        """Make ``new`` hold what ``old`` holds for the ``logged`` ids. ``after_swap``: writers now
        reach ``new`` directly, so only a product ``new`` lacks is copied (and only if it still
        lacks it at write time), and a delete logged last stays a delete."""
        ids = sorted(logged)
        for start in range(0, len(ids), REPLAY_CHUNK):
            chunk = ids[start:start + REPLAY_CHUNK]
            olds = _by_id(self.client.mget(index=self.old, body={"ids": chunk}))
            news = _by_id(self.client.mget(index=self.new, body={"ids": chunk}, _source_includes=["indexed_at"])) \
                if after_swap else {}
            put, gone = [], []
            for ident in chunk:
                doc, current = olds.get(ident), news.get(ident)
                if after_swap:
                    if logged[ident]:
                        doc = None
                    elif doc is None or current is not None:
                        continue
                if doc is not None:
                    put.append({**doc, "id": doc.get("id", ident)})
                else:
                    gone.append(ident)
            if put:
                (self.put or self._copy)(put, after_swap)
            if gone:
                helpers.bulk(self.client, ({"_op_type": "delete", "_index": self.new, "_id": i} for i in gone),
                             raise_on_error=False)
        return len(ids)

    def _copy(self, docs: list[dict], only_new: bool) -> None:
        op = "create" if only_new else "index"
        helpers.bulk(self.client, ({"_op_type": op, "_index": self.new, "_id": d["id"], "_source": d} for d in docs),
                     raise_on_error=not only_new)  # with only_new, a 409 means a writer got there first

    def catch_up(self, since: float) -> float:
        """Replay logged changes pass after pass; returns the start of the last pass."""
        for _ in range(MAX_CATCH_UP_PASSES):
            started = time.time()
            replayed = self.replay(self.logged_since(since - CLOCK_MARGIN_S))
            since = started
            self.renew()
            if replayed < SMALL_PASS:
                break
        return since

    def finish(self, since: float) -> None:
        """Freeze writers, replay the rest, swap the alias, then pick up writes still in flight."""
        self._publish(FROZEN)
        time.sleep(self.grace_s)
        self.replay(self.logged_since(since - CLOCK_MARGIN_S))
        self.client.indices.refresh(index=self.new)
        swapped_at = time.time()
        self.client.indices.update_aliases(body={"actions": [
            {"remove": {"index": self.old, "alias": self.alias}},
            {"add": {"index": self.new, "alias": self.alias, "is_write_index": True}},
        ]})
        self._publish(SWAPPED)
        time.sleep(self.grace_s)
        final = time.time()
        self.replay(self.logged_since(swapped_at - CLOCK_MARGIN_S), after_swap=True)
        # A delete that reached the new index while the pass above copied that product over.
        deletes = {i: True for i, gone in self.logged_since(final - CLOCK_MARGIN_S).items() if gone}
        self.replay(deletes, after_swap=True)
        self.client.indices.refresh(index=self.new)
        self.clear()

    def abandon(self) -> None:
        """A failed rebuild: writers stop logging; the alias still points at the old index."""
        self.clear()

    def clear(self) -> None:
        """Remove the state and the log. The (empty) state index stays: deleting it while writers
        read it would fail their reads."""
        index = state_index(self.alias)
        self.client.delete(index=index, id=STATE_ID, refresh=True, ignore=404)
        self.client.delete_by_query(index=index, body={"query": {"term": {"kind": "log"}}}, refresh=True,
                                    conflicts="proceed", ignore=404)


def _by_id(response: dict) -> dict[str, dict]:
    return {d["_id"]: d.get("_source", {}) for d in response["docs"] if d.get("found")}


def copy_server_side(rebuild: Rebuild, *, poll_s: float = 1.0, renew_every_s: float = 30.0) -> int:
    """Copy every document of the old index into the new one inside the cluster (vectors
    included, nothing re-enriched); returns how many were copied."""
    client = rebuild.client
    task = client.reindex(body={"source": {"index": rebuild.old}, "dest": {"index": rebuild.new}},
                          wait_for_completion=False, refresh=True)["task"]
    renewed = time.monotonic()
    while True:
        status = client.tasks.get(task_id=task)
        if status.get("completed"):
            break
        time.sleep(poll_s)
        if time.monotonic() - renewed > renew_every_s:
            rebuild.renew()
            renewed = time.monotonic()
    response = status.get("response", {})
    if status.get("error") or response.get("failures"):
        msg = f"copying {rebuild.old} into {rebuild.new} failed: {status.get('error') or response['failures'][:3]}"
        raise RebuildError(msg)
    return response.get("created", 0) + response.get("updated", 0)
