"""The sample catalog, indexed once for the search tests under its own alias."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings

SAMPLE_ALIAS = "babelshop-test-sample"


@pytest.fixture(scope="session")
def sample_alias(client: OpenSearch, settings: Settings) -> str:
    """Set up ``SAMPLE_ALIAS`` and ingest the bundled catalog; products already indexed with the
    same content are skipped, so a warm run costs a few seconds."""
    from babelshop.sample import SAMPLE_CATALOG, load_sample
    from encoders import load_encoder
    from indexer.ingest import ingest_inline
    from mappings.install import setup

    # replace_incompatible: a sample index left by another encoder (a longer vector) is rebuilt.
    setup(client, SAMPLE_ALIAS, settings.catalog_languages, load_encoder(settings).dimension,
          weights=settings.hybrid_weights, replace_incompatible=True)
    result = ingest_inline(SAMPLE_CATALOG, settings, index=SAMPLE_ALIAS)
    assert not result.rejected and not result.failed
    assert client.count(index=SAMPLE_ALIAS)["count"] == len(load_sample())
    return SAMPLE_ALIAS


@pytest.fixture
def alias(client: OpenSearch, settings: Settings, index_name: str) -> str:
    """A fresh alias (``index_name``) set up for the configured encoder."""
    from encoders import load_encoder
    from mappings.install import setup

    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension)
    return index_name
