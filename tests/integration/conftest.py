"""The sample catalog, indexed once for the search tests under its own alias."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from tests.helpers import SAMPLE_ALIAS, remove_alias


@pytest.fixture(scope="session")
def sample_alias(client: OpenSearch, settings: Settings) -> Iterator[str]:
    """Set up ``SAMPLE_ALIAS`` (unique to this session) and ingest the bundled catalog; the
    embedding cache keeps a repeated run quick. Everything set up for it is removed at the end."""
    from babelshop.sample import SAMPLE_CATALOG, load_sample
    from encoders import load_encoder
    from indexer.ingest import ingest_inline
    from mappings.install import setup

    try:
        setup(client, SAMPLE_ALIAS, settings.catalog_languages, load_encoder(settings).dimension,
              weights=settings.hybrid_weights)
        result = ingest_inline(SAMPLE_CATALOG, settings, index=SAMPLE_ALIAS)
        assert not result.rejected and not result.failed
        assert client.count(index=SAMPLE_ALIAS)["count"] == len(load_sample())
        yield SAMPLE_ALIAS
    finally:
        remove_alias(client, SAMPLE_ALIAS)


@pytest.fixture
def alias(client: OpenSearch, settings: Settings, index_name: str) -> str:
    """A fresh alias (``index_name``) set up for the configured encoder."""
    from encoders import load_encoder
    from mappings.install import setup

    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension)
    return index_name
