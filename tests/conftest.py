"""Shared fixtures. Integration tests use the real services `make test` starts; a test that
cannot reach them fails (it never skips)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

# huggingface_hub reads these at import time; no test may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from common.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def client(settings: Settings):
    from common.opensearch_client import make_client

    client = make_client(settings)
    try:
        client.info()
    except Exception as exc:
        pytest.fail(f"OpenSearch is not reachable at {settings.opensearch_url} ({exc}): run the tests with `make test`.")
    return client


@pytest.fixture
def index_name(client) -> Iterator[str]:
    """A uuid-named alias; its versioned indices are deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    client.indices.delete(index=f"{name}_v*,{name}-deadletter,{name}-querylog,{name}-rebuild", ignore_unavailable=True,
                          allow_no_indices=True,
                          ignore=404)
