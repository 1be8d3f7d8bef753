"""Pure logic of the indexing side: validation, readers, results, actions, the embedding cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from common.product import Product
from common.text import category_leaf
from indexer.bulk import index_actions
from indexer.embedding_cache import EmbeddingCache
from indexer.enrich import content_hash, embedding_text
from indexer.ingest import batches
from indexer.reader import read_products
from indexer.results import BatchResult, Rejection
from indexer.service import _last_per_id
from indexer.validate import validate_products


def test_validation_rejects_with_reasons_and_keeps_the_rest() -> None:
    raw = [
        {"id": "a", "title": "Shoes"},
        {"id": "b"},
        "junk",
        {"id": "c", "title": "Pan", "price": -1},
        {"id": 7, "title": "Numeric id"},
    ]
    good, bad = validate_products(raw, positions=[10, 11, 12, 13, 14])
    assert [p.id for p in good] == ["a", "7"]
    assert [(r.position, r.id) for r in bad] == [(11, "b"), (12, None), (13, "c")]
    assert "title: Field required" in bad[0].reason
    assert "JSON object" in bad[1].reason
    assert bad[2].reason.startswith("price:")


def test_jsonl_reader_reports_bad_lines_with_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": "1", "title": "ok"}\n\n{not json\n[1, 2]\n{"id": "2", "title": "ok too"}\n', encoding="utf-8"
    )
    rows = list(read_products(path))
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert rows[1].error is not None and "not valid JSON" in rows[1].error.reason
    assert rows[2].error is not None and rows[3].data == {"id": "2", "title": "ok too"}


def test_csv_reader_types_numbers_and_attributes(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,title,price,version,attr_color,lang\n1,Laufschuhe,59.9,3,rot,de\n2,Pan,abc,1,,en\n", encoding="utf-8"
    )
    rows = list(read_products(path))
    assert rows[0].data == {
        "id": "1",
        "title": "Laufschuhe",
        "price": 59.9,
        "version": 3,
        "attributes": {"color": "rot"},
        "lang": "de",
    }
    assert rows[1].error is not None and rows[1].error.position == 3


def test_batches_split_and_collect_unreadable_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join([json.dumps({"id": str(i), "title": "t"}) for i in range(5)] + ["oops"]) + "\n")
    total = BatchResult()
    got = list(batches(read_products(path), 2, total))
    assert [lines for _, lines in got] == [[1, 2], [3, 4], [5]]
    assert total.received == 1 and total.rejected[0].position == 6


def test_results_merge_and_round_trip() -> None:
    a = BatchResult(received=2, indexed=1, rejected=[Rejection(1, "x", "bad")])
    b = BatchResult(received=3, indexed=2, stale=1, embedded=2)
    merged = a.merge(b)
    assert (merged.received, merged.indexed, merged.stale, merged.embedded) == (5, 3, 1, 2)
    assert BatchResult.from_dict(merged.to_dict()) == merged


def test_index_actions_never_use_external_versions() -> None:
    # Ordering is by the stored version field (indexer.service), never by OpenSearch's _version.
    actions = list(index_actions("products", [{"id": "a", "version": 3}, {"id": "b", "version": None}]))
    assert all("version_type" not in a and "if_seq_no" not in a for a in actions)
    assert [a["_id"] for a in actions] == ["a", "b"]


def test_newest_version_wins_within_a_batch() -> None:
    products = [
        Product(id="a", title="old", version=1),
        Product(id="a", title="new", version=2),
        Product(id="b", title="b"),
    ]
    kept = {p.id: p.title for p in _last_per_id(products)}
    assert kept == {"a": "new", "b": "b"}


def test_content_hash_ignores_version_but_not_content_or_pipeline() -> None:
    p1 = Product(id="a", title="Shoes", version=1)
    p2 = Product(id="a", title="Shoes", version=2)
    p3 = Product(id="a", title="Boots", version=1)
    assert content_hash(p1, "enc") == content_hash(p2, "enc")
    assert content_hash(p1, "enc") != content_hash(p3, "enc")
    assert content_hash(p1, "enc") != content_hash(p1, "other-enc")


def test_embedding_text_adds_the_category_leaf() -> None:
    assert category_leaf("Apparel > Shoes > Athletic Shoes") == "Athletic Shoes"
    assert embedding_text("Trail runner", "Athletic Shoes") == "Trail runner (Athletic Shoes)"
    assert embedding_text("Athletic Shoes", "Athletic Shoes") == "Athletic Shoes"
    assert embedding_text("Trail runner", None) == "Trail runner"


def test_embedding_cache_embeds_each_distinct_text_once(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    cache = EmbeddingCache(tmp_path / "e.sqlite", "enc-1")
    vectors, n = cache.get_or_embed(["aa", "b", "aa"], embed)
    assert n == 2 and calls == [["aa", "b"]]
    assert vectors[0].tolist() == [2.0, 1.0] and vectors[2].tolist() == [2.0, 1.0]
    again = EmbeddingCache(tmp_path / "e.sqlite", "enc-1")  # another process, same file
    _, n = again.get_or_embed(["b", "aa"], embed)
    assert n == 0 and len(calls) == 1
    other = EmbeddingCache(tmp_path / "e.sqlite", "enc-2")  # another encoder never shares vectors
    _, n = other.get_or_embed(["b"], embed)
    assert n == 1
