"""Shared fixtures. Integration tests use the real services `make test` starts; a test that
cannot reach them fails (it never skips)."""

from __future__ import annotations

import os
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
    """A uuid-named alias; everything set up for it (indices, template, pipelines) is removed afterwards."""
    from tests.helpers import remove_alias, unique_name

    name = unique_name("test")
    yield name
    remove_alias(client, name)
