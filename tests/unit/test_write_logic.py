"""Pure logic of the write path (issue 11): what validation refuses before the bulk (#3), the
versioning rule's decisions (#16), partial-update merging (#5), the bulk writer's bisection and
retry bookkeeping (#3), and dead-letter identity (#9). The same behaviours are proven against the
real engine in tests/integration/test_write_guarantees.py."""

from __future__ import annotations

import json

import pytest
from opensearchpy.exceptions import RequestError, TransportError

from common.errors import ClusterUnavailable
from common.product import MAX_VERSION, Product
from indexer import bulk
from indexer.deadletter import letter_id
from indexer.enrich import content_hash
from indexer.service import Decision, Stored, _last_per_id, _waves, decide, merge
from indexer.validate import validate_items, validate_patches


# ---------------------------------------------------------------- validation (#3)
@pytest.mark.parametrize(("field", "value", "says"), [
    ("id", "é" * 300, "600 bytes"),
    ("updated_at", "1960-05-01T00:00:00Z", "1970"),
    ("version", MAX_VERSION + 1, "less than or equal"),
    ("version", -1, "greater than or equal"),
    ("price", float("nan"), "finite"),
    ("price", float("inf"), "finite"),
    ("price", 1e18, "less than or equal"),
])
def test_what_the_cluster_would_refuse_is_rejected_with_a_reason(field: str, value: object, says: str) -> None:
    good, bad = validate_items([{"id": "a", "title": "Kettle", field: value}, {"id": "b", "title": "Pan"}])
    assert [v.product.id for v in good] == ["b"]
    assert bad[0].reason.startswith(f"{field}:") and says in bad[0].reason


def test_limits_themselves_are_accepted() -> None:
    product = Product(id="é" * 256, title="Kettle", version=MAX_VERSION, updated_at="1970-01-01T00:00:00Z")
    assert product.ordering_version() == MAX_VERSION
    assert Product(id="a", title="t", updated_at="1970-01-01T00:00:00").ordering_version() == 0


def test_valid_items_keep_the_raw_dict_and_position() -> None:
    raw = {"id": 7, "title": "  Kettle  ", "unknown": 1}
    [valid], _ = validate_items([raw], positions=[12])
    assert valid.raw is raw and valid.position == 12 and valid.product.id == "7"


def test_patches_need_an_id_and_valid_fields_but_no_title() -> None:
    good, bad = validate_patches([{"id": "a", "price": 3, "stock": 2}, {"price": 3}, {"id": "b", "price": -1},
                                  {"id": "c", "title": None}, "x"])
    assert [(p.id, p.fields) for p in good] == [("a", {"price": 3})]
    assert [r.position for r in bad] == [1, 2, 3, 4]
    assert "id" in bad[0].reason and bad[1].reason.startswith("price:") and bad[2].reason.startswith("title:")


# ---------------------------------------------------------------- versioning rule (#16)
PIPELINE = "test-pipeline"


def _stored(product: Product, version: int | None, *, same_content: bool = False) -> Stored:
    stored_hash = content_hash(product, PIPELINE) if same_content else "other"
    return Stored({"content_hash": stored_hash, "version": version}, (3, 1))


@pytest.mark.parametrize(("incoming", "stored", "same", "expected"), [
    (None, None, False, Decision.REPLACE),  # unversioned over unversioned: last writer wins
    (None, 9, False, Decision.REPLACE),  # unversioned always replaces
    (2, None, False, Decision.REPLACE),  # versioned over unversioned (whatever OpenSearch's _version)
    (2, 3, False, Decision.STALE),  # older
    (3, 3, False, Decision.REPLACE),  # the same version may be re-applied
    (4, 3, False, Decision.REPLACE),
    (3, 3, True, Decision.UNCHANGED),
    (4, 3, True, Decision.BUMP),  # same content, newer version: only the version changes
    (None, 3, True, Decision.BUMP),  # same content sent unversioned: it keeps no version
])
def test_the_versioning_rule(incoming: int | None, stored: int | None, same: bool, expected: Decision) -> None:
    product = Product(id="a", title="Kettle", version=incoming)
    assert decide(product, _stored(product, stored, same_content=same), PIPELINE) is expected


def test_new_ids_are_created_and_a_copy_never_overwrites() -> None:
    product = Product(id="a", title="Kettle", version=9)
    assert decide(product, None, PIPELINE) is Decision.CREATE
    assert decide(product, _stored(product, 1), PIPELINE, only_new=True) is Decision.STALE


def test_within_a_batch_the_writes_apply_in_order_under_the_rule() -> None:
    products = [Product(id="a", title="v2", version=2), Product(id="a", title="v1", version=1),
                Product(id="b", title="b v5", version=5), Product(id="b", title="b unversioned"),
                Product(id="c", title="c"), Product(id="c", title="c later")]
    assert {p.id: p.title for p in _last_per_id(products)} == {"a": "v2", "b": "b unversioned", "c": "c later"}


# ---------------------------------------------------------------- partial updates (#5)
def test_merge_replaces_clears_and_merges_attributes_by_key() -> None:
    stored = {"id": "a", "title": "Kettle", "brand": "Acme", "attributes": {"color": "red", "size": "L"},
              "price": 20.0, "version": 4}
    merged = merge(stored, {"price": 9.5, "brand": None, "attributes": {"size": None, "stock": 3}})
    assert merged == {"id": "a", "title": "Kettle", "attributes": {"color": "red", "stock": "3"}, "price": 9.5,
                      "version": 4}
    assert merge(stored, {"updated_at": "2024-01-01T00:00:00Z"})["updated_at"] and \
        "version" not in merge(stored, {"updated_at": "2024-01-01T00:00:00Z"})


def test_updates_of_one_id_are_applied_in_waves_in_order() -> None:
    patches, _ = validate_patches([{"id": "a", "price": 1}, {"id": "b", "price": 1}, {"id": "a", "price": 2}])
    assert [[(p.id, p.fields["price"]) for p in wave] for wave in _waves(patches)] == \
        [[("a", 1), ("b", 1)], [("a", 2)]]


# ---------------------------------------------------------------- bulk writer (#3)
class ScriptedClient:
    """Answers bulk requests the way OpenSearch does, from a rule per item (no cluster: pure bookkeeping)."""

    def __init__(self, item_status=lambda action, call: 201, whole=lambda ids, call: None) -> None:
        self.item_status, self.whole = item_status, whole
        self.calls: list[list[str]] = []

    def bulk(self, body: str):
        lines = body.splitlines()
        metas = [json.loads(line) for line in lines if '"_index"' in line]
        ids = [next(iter(m.values()))["_id"] for m in metas]
        self.calls.append(ids)
        error = self.whole(ids, len(self.calls))
        if error is not None:
            raise error
        items = []
        for meta in metas:
            op, info = next(iter(meta.items()))
            status = self.item_status(info["_id"], len(self.calls))
            items.append({op: {"_id": info["_id"], "status": status,
                               **({"error": {"type": "x", "reason": "y"}} if status >= 300 else {})}})
        return {"errors": True, "items": items}


def _writer(client, **kwargs) -> bulk.Writer:
    return bulk.Writer(client, **{"max_bytes": 1 << 20, "max_retries": 3, "sleep": lambda s: None, **kwargs})


def _docs(n: int) -> list[dict]:
    return [{"id": f"d{i}", "title": "t"} for i in range(n)]


def test_a_request_refused_whole_is_bisected_to_the_bad_item() -> None:
    refuse = RequestError(400, "action_request_validation_exception", {})
    client = ScriptedClient(whole=lambda ids, call: refuse if "d5" in ids else None)
    outcome = _writer(client).write(bulk.index_actions("i", _docs(8)))
    assert sorted(outcome.landed) == sorted(f"d{i}" for i in range(8) if i != 5)
    assert [ident for ident, _ in outcome.failed] == ["d5"] and outcome.failed[0][1].startswith("400")
    assert len(client.calls) <= 1 + 2 * 3  # one level per halving


def test_item_429s_are_retried_and_other_statuses_filed() -> None:
    statuses = {"d0": 409, "d1": 404, "d2": 400}
    client = ScriptedClient(item_status=lambda ident, call: 429 if ident == "d3" and call == 1 else
                            statuses.get(ident, 201))
    actions = [*bulk.index_actions("i", _docs(4)[:1]), bulk.update_action("i", "d1", {"x": 1}, seq=(1, 1)),
               *bulk.index_actions("i", _docs(4)[2:])]
    outcome = _writer(client).write(actions)
    assert (outcome.conflicts, outcome.not_found, outcome.landed) == (["d0"], ["d1"], ["d3"])
    assert outcome.failed[0][0] == "d2" and client.calls[1] == ["d3"]


def test_429_to_the_end_and_5xx_are_transient_and_say_what_happened() -> None:
    always = ScriptedClient(whole=lambda ids, call: TransportError(429, "too_many_requests", {}))
    with pytest.raises(bulk.TransientClusterError, match=r"429.*3 retries") as caught:
        _writer(always).write(bulk.index_actions("i", _docs(2)))
    assert isinstance(caught.value, ClusterUnavailable) and len(always.calls) == 4
    item_5xx = ScriptedClient(item_status=lambda ident, call: 503)
    with pytest.raises(bulk.TransientClusterError, match=r"503.*not retried"):
        _writer(item_5xx).write(bulk.index_actions("i", _docs(2)))
    assert len(item_5xx.calls) == 1


def test_requests_are_bounded_in_bytes() -> None:
    client = ScriptedClient()
    docs = [{"id": f"d{i}", "title": "x" * 1000} for i in range(10)]
    outcome = _writer(client, max_bytes=2500).write(bulk.index_actions("i", docs))
    assert len(outcome.landed) == 10 and [len(c) for c in client.calls] == [2, 2, 2, 2, 2]


def test_conditional_actions_carry_the_read_and_never_an_external_version() -> None:
    doc = {"id": "a", "version": 7}
    assert bulk.index_action("i", doc, seq=(5, 2))["if_seq_no"] == 5
    created = bulk.index_action("i", doc, create=True)
    assert created["op"] == "create" and "if_seq_no" not in created and "version_type" not in created


# ---------------------------------------------------------------- dead letters (#9)
def test_a_letter_id_depends_on_operation_and_content_only() -> None:
    assert letter_id("index", {"id": "a", "b": 1}) == letter_id("index", {"b": 1, "id": "a"})
    assert letter_id("index", {"id": "a"}) != letter_id("update", {"id": "a"})
    assert letter_id("index", {"id": "a", "price": float("nan")})  # strict JSON whatever was received


def test_bulk_lines_carry_each_document_as_the_standard_encoder_wrote_it() -> None:
    import datetime
    import json

    doc = {"id": "p1", "title": "Laufschuhe «Trail» 跑鞋", "price": 59.9, "title_vector": [0.125, -0.000123, 1e-07],
           "indexed_at": datetime.datetime(2026, 11, 30, 21, 5), "attributes": None}
    lines = bulk._lines(bulk.index_action("shop_v1", doc, create=True))
    meta, source, end = lines.split(b"\n")
    assert json.loads(meta) == {"create": {"_index": "shop_v1", "_id": "p1"}} and end == b""
    assert json.loads(source) == json.loads(json.dumps(doc, default=str))  # types it does not know: str()
