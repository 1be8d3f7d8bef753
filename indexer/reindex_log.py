"""Writes that arrive while ``babelshop reindex`` runs: the writer's side of the protocol.

Every write path of ``IndexingService`` calls :func:`before_write` before it sends a bulk request
to an alias and :func:`after_write` with the ids it changed once the request returned.
(Implementation in progress: both are no-ops until the reindex side lands.)
"""

from __future__ import annotations

from opensearchpy import OpenSearch


def before_write(client: OpenSearch, alias: str) -> None:
    """Wait while a reindex of ``alias`` is swapping indices (bounded)."""


def after_write(client: OpenSearch, alias: str, ids: list[str]) -> None:
    """Log ``ids`` as changed if a reindex of ``alias`` is running, so that it replays them."""
