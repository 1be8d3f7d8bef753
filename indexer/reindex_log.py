"""The writer's half of a rebuild (``mappings.rebuild``): writes that arrive while ``babelshop
reindex`` or a synonym reload runs are not lost.

Every write path of ``IndexingService`` calls :func:`before_write` before a bulk request to an
alias and :func:`after_write` with the ids it changed once the request returned. Outside a
rebuild each costs one realtime ``get`` that finds nothing.
"""

from __future__ import annotations

import time

from opensearchpy import OpenSearch

from common.errors import ClusterUnavailable
from mappings.rebuild import FROZEN, log_changes, read_state

#: How long a writer waits for a rebuild to swap indices before giving the batch back to be
#: retried later.
FREEZE_WAIT_S = 60.0
POLL_S = 0.1


def before_write(client: OpenSearch, alias: str, *, wait_s: float = FREEZE_WAIT_S) -> None:
    """Wait while a rebuild of ``alias`` is swapping indices (bounded)."""
    deadline = time.monotonic() + wait_s
    while (state := read_state(client, alias)) is not None and state.get("phase") == FROZEN:
        if time.monotonic() > deadline:
            msg = (f"'{alias}' is being swapped to {state.get('new')} by a reindex and stayed frozen for {wait_s:.0f} s: "
                   "the batch will be retried.")
            raise ClusterUnavailable(msg, reason="overloaded")
        time.sleep(POLL_S)


def after_write(client: OpenSearch, alias: str, ids: list[str], *, deleted: bool = False) -> None:
    """Log ``ids`` as written (or ``deleted``) if a rebuild of ``alias`` is running, so that it
    replays them."""
    if ids and read_state(client, alias) is not None:
        log_changes(client, alias, ids, deleted=deleted)
