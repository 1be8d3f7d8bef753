"""The indexing write path under faults, bad items and concurrent writers, against the real
OpenSearch (issue 11: #3 one bad item, #5 partial updates, #9 dead letters, #16 versioning rule,
and the held cases: 429s, byte-bounded chunks, duplicate delivery).

Faults are injected by wrapping the real client (its ``bulk`` refuses or waits on cue), never by
replacing the cluster: every write that is let through lands in the real engine.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError, TransportError

from common.errors import ClusterUnavailable
from common.opensearch_client import make_client
from common.product import Product
from common.settings import Settings
from indexer import bulk, deadletter
from indexer.bulk import TransientClusterError
from indexer.enrich import Enricher
from indexer.service import IndexingService
from mappings.deadletter import deadletter_body
from mappings.install import setup
from mappings.template import index_body
from tests.helpers import count

pytestmark = [pytest.mark.integration, pytest.mark.compat]


@pytest.fixture(scope="module")
def fast(settings: Settings) -> Settings:
    """Short backoffs, so a retried request costs milliseconds."""
    return settings.model_copy(update={"bulk_initial_backoff_s": 0.01, "bulk_max_backoff_s": 0.05})


@pytest.fixture(scope="module")
def enricher(fast: Settings) -> Enricher:
    return Enricher(fast)  # models load once for the module


@pytest.fixture
def alias(client: OpenSearch, fast: Settings, enricher: Enricher, index_name: str) -> str:
    setup(client, index_name, fast.catalog_languages, enricher.encoder.dimension)
    return index_name


def _service(fast: Settings, enricher: Enricher, client, **settings) -> IndexingService:
    return IndexingService(fast.model_copy(update=settings) if settings else fast, client=client, enricher=enricher)


class FaultyClient:
    """The real client, whose ``bulk`` first asks ``fault(call_number, body)``: an exception it
    returns is raised instead of sending; ``None`` sends the request to the cluster."""

    def __init__(self, real: OpenSearch, fault: Callable[[int, str], Exception | None] = lambda n, b: None) -> None:
        self._real = real
        self.fault = fault
        self.bodies: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    def bulk(self, *args, body, **kwargs):
        self.bodies.append(body)
        error = self.fault(len(self.bodies), body)
        if error is not None:
            raise error
        return self._real.bulk(*args, body=body, **kwargs)


class RendezvousClient(FaultyClient):
    """Holds each writer's first bulk until every writer has read (``barrier``), then lets them
    write in turn (``turn``: the previous writer's first bulk has returned), so the writers race
    for the same documents on every run."""

    def __init__(self, real: OpenSearch, barrier: threading.Barrier, wait_for: threading.Event | None,
                 done: threading.Event) -> None:
        super().__init__(real)
        self.barrier, self.wait_for, self.done = barrier, wait_for, done

    def bulk(self, *args, body, **kwargs):
        first = not self.bodies
        if first:
            self.barrier.wait(timeout=60)
            if self.wait_for is not None:
                assert self.wait_for.wait(timeout=60)
        try:
            return super().bulk(*args, body=body, **kwargs)
        finally:
            if first:
                self.done.set()


def _products(n: int, **extra) -> list[dict]:
    tag = uuid.uuid4().hex[:6]
    return [{"id": f"w-{i}-{tag}", "title": f"Stainless steel kettle {i} {tag}", "lang": "en", "brand": "Acme",
             "description": f"A kettle, model {i}", "attributes": {"color": "red"}, "price": 20.0 + i, **extra}
            for i in range(n)]


def _stored(client: OpenSearch, alias: str, ident: str) -> dict:
    return client.get(index=alias, id=ident)["_source"]


def _letters(client: OpenSearch, alias: str) -> list[dict]:
    return deadletter.list_letters(client, alias)


# ---------------------------------------------------------------- #3 and held: bulk failures
def test_a_bulk_refused_whole_with_429_is_retried_and_lands(client, fast, enricher, alias) -> None:
    faulty = FaultyClient(client, lambda n, _: TransportError(429, "es_rejected_execution_exception", {}) if n <= 2
                          else None)
    products = _products(6)
    result = _service(fast, enricher, faulty).index_products(products, index=alias)
    assert result.indexed == 6 and not result.failed
    assert len(faulty.bodies) == 3
    assert count(client, alias) == 6


def test_429_through_every_retry_is_a_transient_error_that_says_so(client, fast, enricher, alias) -> None:
    faulty = FaultyClient(client, lambda n, _: TransportError(429, "es_rejected_execution_exception", {}))
    service = _service(fast, enricher, faulty, bulk_max_retries=2)
    with pytest.raises(TransientClusterError) as caught:
        service.index_products(_products(3), index=alias)
    assert isinstance(caught.value, ClusterUnavailable) and caught.value.status == 429
    assert "429" in str(caught.value) and "2 retries" in str(caught.value)
    assert len(faulty.bodies) == 3  # the first try and two retries


def test_a_5xx_raises_a_transient_error_with_the_real_status_not_retried_in_place(client, fast, enricher,
                                                                                  alias) -> None:
    faulty = FaultyClient(client, lambda n, _: TransportError(503, "unavailable_shards_exception", {}))
    with pytest.raises(TransientClusterError) as caught:
        _service(fast, enricher, faulty).index_products(_products(3), index=alias)
    assert caught.value.status == 503 and caught.value.reason == "overloaded"
    message = str(caught.value)
    assert "503" in message and "not retried" in message and "after 5 retries" not in message
    assert len(faulty.bodies) == 1
    assert count(client, alias) == 0 and deadletter.count(client, alias) == 0  # nothing acknowledged, nothing dropped


def test_a_chunk_refused_whole_for_one_item_is_bisected_and_only_that_item_is_dead_lettered(
        client, fast, enricher, alias) -> None:
    products = _products(9)
    poison = products[4]

    def refuse_poison(_: int, body: str) -> Exception | None:
        if json.dumps(poison["id"]) in body and bulk.deadletter_name(alias) not in body:  # the products' index only
            return RequestError(400, "action_request_validation_exception",
                                {"error": {"root_cause": [{"reason": "Validation Failed: 1: injected;"}]}})
        return None

    faulty = FaultyClient(client, refuse_poison)
    result = _service(fast, enricher, faulty).index_products(products, index=alias)
    assert result.indexed == 8
    assert [(f.id, f.position) for f in result.failed] == [(poison["id"], 4)]
    assert "400" in result.failed[0].reason and "injected" in result.failed[0].reason
    assert count(client, alias) == 8
    letters = _letters(client, alias)
    assert [(x["id"], x["product"], x["attempts"], x["operation"]) for x in letters] == \
        [(poison["id"], poison, 1, "index")]


def test_the_real_cluster_refuses_a_whole_request_for_one_item_and_bisection_isolates_it(client, alias) -> None:
    """A 600-byte id (past validation, as another producer could send it) makes OpenSearch refuse
    the whole bulk request with 400; the writer splits until that item stands alone."""
    docs = [{"id": f"real-{i}-{uuid.uuid4().hex[:4]}", "title": "Kettle"} for i in range(5)]
    docs.insert(2, {"id": "é" * 300, "title": "Kettle"})
    sent = FaultyClient(client)
    outcome = bulk.Writer(sent, max_bytes=1 << 20, max_retries=0).write(bulk.index_actions(alias, docs))
    assert sorted(outcome.landed) == sorted(d["id"] for d in docs if d["id"] != "é" * 300)
    assert [ident for ident, _ in outcome.failed] == ["é" * 300]
    assert "400" in outcome.failed[0][1] and "512" in outcome.failed[0][1]
    assert len(sent.bodies) > 1  # the first request was refused as a whole


def test_what_the_cluster_would_refuse_is_rejected_alone_before_the_bulk(client, fast, enricher, alias) -> None:
    good = _products(3)
    bad = [{"id": "é" * 300, "title": "Kettle"},
           {"id": "old", "title": "Kettle", "updated_at": "1960-05-01T00:00:00Z"},
           {"id": "huge", "title": "Kettle", "version": 2**63},
           {"id": "nan", "title": "Kettle", "price": float("nan")}]
    faulty = FaultyClient(client)
    result = _service(fast, enricher, faulty).index_products([*good, *bad], index=alias)
    assert result.indexed == 3 and not result.failed
    reasons = {r.id: r.reason for r in result.rejected}
    assert "600 bytes" in reasons["é" * 300] and "1970" in reasons["old"]
    assert "version" in reasons["huge"] and "finite" in reasons["nan"]
    assert len(faulty.bodies) == 1 and count(client, alias) == 3


def test_an_unreachable_cluster_is_a_transient_error_from_the_first_read(fast, enricher) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = make_client(fast, hosts=[f"http://127.0.0.1:{port}"], max_retries=0, timeout=2)
    with pytest.raises(TransientClusterError) as caught:
        _service(fast, enricher, down).index_products(_products(2), index="anything")
    assert caught.value.reason == "unreachable"
    with pytest.raises(TransientClusterError):
        _service(fast, enricher, down).update_products([{"id": "x", "price": 1}], index="anything")


def test_a_batch_larger_than_one_chunk_lands_whole_in_byte_bounded_requests(client, fast, enricher, alias) -> None:
    products = _products(12)
    faulty = FaultyClient(client)
    max_bytes = 40_000  # a document with its vector is about 20 kB
    result = _service(fast, enricher, faulty, bulk_max_bytes=max_bytes).index_products(products, index=alias)
    assert result.indexed == 12
    assert len(faulty.bodies) >= 6
    assert all(len(b.encode()) <= max_bytes or b.count("\n") == 2 for b in faulty.bodies)
    assert count(client, alias) == 12


def test_duplicate_delivery_of_a_batch_duplicates_nothing(client, fast, enricher, alias) -> None:
    products = _products(5)
    service = _service(fast, enricher, client)
    first = service.index_products(products, index=alias)
    again = service.index_products(products, index=alias)
    assert first.indexed == 5 and again.indexed == 0 and again.unchanged == 5
    assert count(client, alias) == 5


def test_a_reindex_copy_writes_only_ids_not_stored_yet(client, fast, enricher, alias) -> None:
    live = {"id": f"live-{uuid.uuid4().hex[:6]}", "title": "Espresso machine, new model", "lang": "en"}
    service = _service(fast, enricher, client)
    service.index_products([live], index=alias)
    copy = [{**live, "title": "Espresso machine, old model"}, *_products(2)]
    result = service.index_products(copy, index=alias, only_new=True)
    assert result.indexed == 2 and result.stale == 1
    assert _stored(client, alias, live["id"])["title"] == live["title"]


# ---------------------------------------------------------------- #16: the versioning rule
def test_a_version_after_unversioned_writes_replaces_and_the_rule_holds_both_ways(client, fast, enricher,
                                                                                   alias) -> None:
    service = _service(fast, enricher, client)
    ident = f"mix-{uuid.uuid4().hex[:6]}"

    def put(title: str, **order) -> object:
        return service.index_products([{"id": ident, "title": title, "lang": "en", **order}], index=alias)

    for i in range(3):
        assert put(f"Kettle draft {i}").indexed == 1  # OpenSearch's own counter reaches 3
    assert put("Kettle v2", version=2).indexed == 1
    assert _stored(client, alias, ident)["version"] == 2
    assert put("Kettle v1", version=1).stale == 1
    assert put("Kettle unversioned").indexed == 1  # last writer wins, keeps no version
    assert _stored(client, alias, ident)["version"] is None
    assert put("Kettle v1 again", version=1).indexed == 1  # versioned over unversioned
    assert put("Kettle 2020", updated_at="2020-01-01T00:00:00Z").indexed == 1
    assert put("Kettle 2019", updated_at="2019-01-01T00:00:00Z").stale == 1
    assert put("Kettle 2020 restock", updated_at="2020-01-01T00:00:00Z").indexed == 1  # the same order replaces
    assert _stored(client, alias, ident)["title"] == "Kettle 2020 restock"


@pytest.mark.parametrize("first", [5, 7], ids=["lower-writes-first", "higher-writes-first"])
def test_two_concurrent_writers_with_different_versions_the_higher_wins(client, fast, enricher, alias,
                                                                        first: int) -> None:
    ident = f"race-{uuid.uuid4().hex[:6]}"
    products = {v: {"id": ident, "title": f"Trail running shoes {ident} model {v}", "lang": "en", "version": v}
                for v in (5, 7)}
    enricher.enrich([Product.model_validate(p) for p in products.values()])  # models and vectors ready first
    barrier = threading.Barrier(2)
    done = {v: threading.Event() for v in (5, 7)}
    second = 12 - first
    clients = {first: RendezvousClient(client, barrier, None, done[first]),
               second: RendezvousClient(client, barrier, done[first], done[second])}
    results: dict[int, object] = {}

    def write(version: int) -> None:
        results[version] = _service(fast, enricher, clients[version]).index_products([products[version]], index=alias)

    threads = [threading.Thread(target=write, args=(v,)) for v in (5, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stored = _stored(client, alias, ident)
    assert (stored["version"], stored["title"]) == (7, products[7]["title"])
    # The second writer read before the first wrote, so its create met a 409; it read again and decided
    # again: the older one is stale, the newer one replaces (one more request).
    if first == 7:
        assert (results[5].stale, results[5].indexed, len(clients[5].bodies)) == (1, 0, 1)
    else:
        assert (results[7].indexed, len(clients[7].bodies)) == (1, 2)


# ---------------------------------------------------------------- #5: partial updates
class CountingTranslator:
    """The real translator, counting the texts it is asked to translate."""

    def __init__(self, real) -> None:
        self._real = real
        self.texts = 0

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    def translate_many(self, texts, *args, **kwargs):
        self.texts += len(texts)
        return self._real.translate_many(texts, *args, **kwargs)


def test_a_price_update_merges_and_neither_translates_nor_embeds(client, fast, enricher, alias) -> None:
    counting = CountingTranslator(enricher.translator)
    service = IndexingService(fast, client=client, enricher=Enricher(fast, encoder=enricher.encoder,
                                                                     translator=counting, cache=enricher.cache))
    product = _products(1)[0]
    assert service.index_products([product], index=alias).indexed == 1
    before = _stored(client, alias, product["id"])
    counting.texts = 0
    result = service.update_products([{"id": product["id"], "price": 9.99, "attributes": {"stock": 4}}], index=alias)
    assert (result.indexed, result.embedded, counting.texts) == (1, 0, 0)
    after = _stored(client, alias, product["id"])
    assert after["price"] == 9.99 and after["attributes"] == {"color": "red", "stock": "4"}
    assert after["title_vector"] == before["title_vector"] and after["description"] == product["description"]
    assert after["content_hash"] != before["content_hash"]
    # A full re-send of the merged product is recognised as unchanged: the hash was kept current.
    merged = {**product, "price": 9.99, "attributes": {"color": "red", "stock": "4"}}
    assert service.index_products([merged], index=alias).unchanged == 1
    # A title change is translated and embedded again.
    retitled = service.update_products([{"id": product["id"], "title": f"Glass kettle {uuid.uuid4().hex[:6]}"}],
                                       index=alias)
    assert retitled.indexed == 1 and retitled.embedded == 1 and counting.texts > 0


def test_updates_for_unknown_ids_older_versions_and_invalid_merges_are_refused_with_reasons(client, fast, enricher,
                                                                                            alias) -> None:
    service = _service(fast, enricher, client)
    product = _products(1, version=5)[0]
    service.index_products([product], index=alias)
    new_id = f"new-{uuid.uuid4().hex[:6]}"
    result = service.update_products([
        {"id": "nowhere", "price": 3},
        {"id": product["id"], "price": 1, "version": 4},
        {"id": product["id"], "title": None},
        {"id": new_id, "title": "Kettle inserted by an update", "lang": "en"},
    ], index=alias)
    reasons = {r.position: r.reason for r in result.rejected}
    assert "no product 'nowhere'" in reasons[0] and "title" in reasons[2]
    assert result.stale == 1 and result.indexed == 1
    assert _stored(client, alias, product["id"])["price"] == product["price"]
    assert _stored(client, alias, new_id)["title"] == "Kettle inserted by an update"


def test_concurrent_price_and_description_updates_lose_no_field(client, fast, enricher, alias) -> None:
    products = _products(4)
    _service(fast, enricher, client).index_products(products, index=alias)
    ids = [p["id"] for p in products]
    barrier = threading.Barrier(2)
    events = [threading.Event(), threading.Event()]
    clients = {"price": RendezvousClient(client, barrier, None, events[0]),
               "description": RendezvousClient(client, barrier, events[0], events[1])}
    rounds = 5
    results: dict[str, list] = {"price": [], "description": []}

    def updates(field: str) -> None:
        service = _service(fast, enricher, clients[field])
        for r in range(1, rounds + 1):
            value = float(r) if field == "price" else f"Description {r}"
            results[field].append(service.update_products([{"id": i, field: value} for i in ids], index=alias))

    threads = [threading.Thread(target=updates, args=(f,)) for f in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for field in clients:
        assert len(results[field]) == rounds
        assert all(r.indexed == len(ids) and r.embedded == 0 and not r.failed for r in results[field])
    assert len(clients["description"].bodies) > rounds  # at least one write met the other's and went round again
    for product in products:
        stored = _stored(client, alias, product["id"])
        assert stored["price"] == float(rounds) and stored["description"] == f"Description {rounds}"
        assert stored["brand"] == "Acme" and stored["attributes"] == {"color": "red"}
        assert stored["title"] == product["title"] and stored["title_vector"]


# ---------------------------------------------------------------- #9: replayable dead letters
def test_dead_letters_list_replay_purge_round_trip(client, fast, enricher, index_name) -> None:
    """A product the index mapping refuses is kept as received; replayed while the mapping is still
    wrong it stays (one more attempt); once the index is fixed, replay lands it and removes it."""
    alias = index_name
    body = index_body(fast.catalog_languages, enricher.encoder.dimension)
    body["mappings"]["properties"]["brand"] = {"type": "long"}  # the mistake
    client.indices.create(index=f"{alias}_v1", body={**body, "aliases": {alias: {"is_write_index": True}}})
    client.indices.create(index=bulk.deadletter_name(alias), body=deadletter_body())
    service = _service(fast, enricher, client)
    refused, fine = _products(2)
    fine.pop("brand")
    result = service.index_products([fine, refused], index=alias)
    assert result.indexed == 1 and [f.id for f in result.failed] == [refused["id"]]
    [letter] = _letters(client, alias)
    assert letter["product"] == refused and letter["attempts"] == 1 and letter["operation"] == "index"
    assert "brand" in letter["reason"] and letter["at"]

    again = deadletter.replay(service, alias)
    assert again.indexed == 0 and len(again.failed) == 1
    [letter] = _letters(client, alias)
    assert letter["attempts"] == 2

    client.indices.create(index=f"{alias}_v2", body=index_body(fast.catalog_languages, enricher.encoder.dimension))
    client.indices.update_aliases(body={"actions": [{"remove": {"index": f"{alias}_v1", "alias": alias}},
                                                    {"add": {"index": f"{alias}_v2", "alias": alias,
                                                             "is_write_index": True}}]})
    replayed = deadletter.replay(service, alias)
    assert replayed.indexed == 1 and not replayed.failed
    assert _letters(client, alias) == []
    assert _stored(client, alias, refused["id"])["brand"] == "Acme"

    # A partial update is replayed as an update; the command line lists and purges.
    deadletter.record(client, alias, [({"id": refused["id"], "price": 1.5}, "injected")], attempts=3,
                      operation="update")
    deadletter.record(client, alias, [({"id": "ghost", "price": 2}, "injected")], attempts=1, operation="update")
    from babelshop.cli import main

    env = {"BABELSHOP_OPENSEARCH_URL": fast.opensearch_url}
    listed = CliRunner().invoke(main, ["deadletter", "list", "--index", alias, "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["total"] == 2
    replay_out = deadletter.replay(service, alias)
    assert replay_out.indexed == 1 and [r.id for r in replay_out.rejected] == ["ghost"]
    assert _stored(client, alias, refused["id"])["price"] == 1.5
    assert [(x["id"], x["attempts"]) for x in _letters(client, alias)] == [("ghost", 2)]
    purged = CliRunner().invoke(main, ["deadletter", "purge", "--index", alias, "--json"], env=env)
    assert purged.exit_code == 0 and json.loads(purged.output)["purged"] == 1
    assert deadletter.count(client, alias) == 0
