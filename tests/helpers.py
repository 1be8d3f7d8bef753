"""Small helpers the integration tests share: counting, unique names, free ports, cleanup.

Every resource a test creates gets a name no other run (or other checkout on the same cluster)
can hold, and is removed afterwards, so runs neither collide nor pile up leftovers."""

from __future__ import annotations

import socket
import uuid

from opensearchpy import OpenSearch

# Deletes everything set up for an alias: its indices, template and search pipelines.
from mappings.install import remove as remove_alias  # noqa: F401  (the tests' name for it)

#: The sample catalog's alias for this test session (tests/integration/conftest.py indexes it
#: and removes it at the end); a module constant so parametrized tests can name it too.
SAMPLE_ALIAS = f"babelshop-test-sample-{uuid.uuid4().hex[:8]}"


def count(client: OpenSearch, alias: str) -> int:
    """How many documents ``alias`` holds, after a refresh."""
    client.indices.refresh(index=alias)
    return client.count(index=alias)["count"]


def unique_name(prefix: str = "test") -> str:
    """A name for an alias, queue or directory that no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def free_port() -> int:
    """A loopback TCP port nothing listens on right now, for a server a test starts: the system
    picks it, so parallel runs and other services never meet on a hard-coded number."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_shop(client: OpenSearch, settings, alias: str, products: list[dict]):
    """``products`` indexed into a fresh ``alias`` of the catalog languages through the real
    indexing path, refreshed; the settings that search it (no query log)."""
    from encoders import load_encoder
    from indexer.service import IndexingService
    from mappings.install import setup

    setup(client, alias, settings.catalog_languages, load_encoder(settings).dimension)
    local = settings.model_copy(update={"index": alias, "query_log": False})
    assert IndexingService(local, client=client).index_products(products).indexed == len(products)
    client.indices.refresh(index=alias)
    return local
