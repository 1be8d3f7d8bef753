"""What babelshop takes from a cluster only where its version has it, asserted per line: each
line's own arithmetic, never the other's (``mappings/features.py`` decides)."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from mappings.features import RRF_WEIGHTS_FROM, cluster_version, rrf_weights
from mappings.pipelines import RRF_RANK_CONSTANT, rrf_pipeline

pytestmark = [pytest.mark.integration, pytest.mark.compat]


def _two_sided_index(client: OpenSearch, name: str) -> None:
    """"a" is found only by words, "b" only by its vector: each is first in one sub-query."""
    client.indices.create(index=name, body={
        "settings": {"number_of_shards": 1, "number_of_replicas": 0, "knn": True},
        "mappings": {"properties": {"title": {"type": "text"}, "v": {
            "type": "knn_vector", "dimension": 3,
            "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}}}})
    client.index(index=name, id="a", body={"title": "coffee grinder", "v": [0.0, 1.0, 0.0]})
    client.index(index=name, id="b", body={"title": "tea kettle", "v": [1.0, 0.0, 0.0]}, refresh=True)


def test_rrf_weights_where_the_line_takes_them(client: OpenSearch, index_name: str) -> None:
    _two_sided_index(client, index_name)
    wanted = (0.2, 0.8)
    weights = rrf_weights(client, wanted)
    takes_weights = cluster_version(client)[:2] >= RRF_WEIGHTS_FROM
    assert weights == (wanted if takes_weights else None)
    if not takes_weights:  # 2.19 refuses the parameter outright: babelshop must not send it there
        with pytest.raises(RequestError):
            client.search_pipeline.put(id=f"{index_name}-w", body=rrf_pipeline(weights=wanted))
    client.search_pipeline.put(id=f"{index_name}-rrf", body=rrf_pipeline(weights=weights))
    try:
        body = {"query": {"hybrid": {"queries": [{"match": {"title": "coffee"}},
                                                 {"knn": {"v": {"vector": [1.0, 0.0, 0.0], "k": 1}}}]}}}
        hits = client.search(index=index_name, body=body, params={"search_pipeline": f"{index_name}-rrf"})["hits"]["hits"]
        scores = {h["_id"]: h["_score"] for h in hits}
        lexical, vector = weights or (1.0, 1.0)
        # Each hit is first in exactly one sub-query: its score is that sub-query's weight / (k + 1).
        assert scores["a"] == pytest.approx(lexical / (RRF_RANK_CONSTANT + 1), rel=1e-4)
        assert scores["b"] == pytest.approx(vector / (RRF_RANK_CONSTANT + 1), rel=1e-4)
        if weights:
            assert [h["_id"] for h in hits] == ["b", "a"]  # the vector's weight puts its hit first
    finally:
        client.search_pipeline.delete(id=f"{index_name}-rrf", ignore=404)


def test_the_vector_is_stored_once_outside_source_and_comes_back_on_every_read(client: OpenSearch,
                                                                             index_name: str) -> None:
    """Both lines: babelshop's index keeps the vector only in the k-NN field's files (derived
    source), yet a GET, a partial update and a server-side _reindex all still see it."""
    import numpy as np

    from benchmarks.figures import segment_bytes
    from mappings.template import index_body

    dimension, n = 896, 150
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    body = index_body(("en",), dimension, shards=1)
    client.indices.create(index=f"{index_name}_v1", body={**body, "aliases": {index_name: {}}})
    actions = []
    for i, vector in enumerate(vectors):
        actions += [{"index": {"_index": f"{index_name}_v1", "_id": str(i)}},
                    {"id": str(i), "title": f"Trail running shoe {i}", "lang": "en", "title_vector": vector.tolist()}]
    assert not client.bulk(body=actions, refresh=True)["errors"]
    client.indices.forcemerge(index=index_name, max_num_segments=1, request_timeout=600)
    client.indices.refresh(index=index_name)
    per_doc = segment_bytes(client, f"{index_name}_v1") / n
    # As JSON in _source the vector alone would take about 20 bytes per dimension.
    assert per_doc < 12 * dimension, per_doc

    client.update(index=f"{index_name}_v1", id="3", body={"doc": {"price": 9.5}}, refresh=True)
    stored = client.get(index=f"{index_name}_v1", id="3")["_source"]
    assert stored["price"] == 9.5
    assert np.array_equal(np.asarray(stored["title_vector"], dtype=np.float32), vectors[3])

    client.indices.create(index=f"{index_name}_v2", body=body)
    client.reindex(body={"source": {"index": f"{index_name}_v1"}, "dest": {"index": f"{index_name}_v2"}},
                   refresh=True, request_timeout=600)
    knn = {"size": 1, "query": {"knn": {"title_vector": {"vector": vectors[42].tolist(), "k": 1}}}}
    assert client.search(index=f"{index_name}_v2", body=knn)["hits"]["hits"][0]["_id"] == "42"
    copied = client.get(index=f"{index_name}_v2", id="3")["_source"]
    assert np.array_equal(np.asarray(copied["title_vector"], dtype=np.float32), vectors[3])
