"""Small helpers the integration tests share."""

from __future__ import annotations

from opensearchpy import OpenSearch


def count(client: OpenSearch, alias: str) -> int:
    """How many documents ``alias`` holds, after a refresh."""
    client.indices.refresh(index=alias)
    return client.count(index=alias)["count"]
