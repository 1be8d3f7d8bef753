"""Worker guarantees of issue 11 against the real Redis, OpenSearch and Celery worker processes.

Every worker here is a subprocess of its own (``babelshop worker``) on a unique queue of a Redis
database apart from the shared worker's (``BROKER_DB``), so killing it or shortening its
visibility timeout touches no one else's batches. Faults are injected around the real services:
a loopback TCP proxy that refuses or forwards (the cluster down and back) or drops every
connection (the broker connection lost), signals to the worker's process group, a client wrapper
whose searches and bulk writes answer 503, a pickle message on the worker's queue.
"""

from __future__ import annotations

import enum
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from celery import Celery
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from babelshop.sample import synthetic_catalog
from common.settings import Settings
from mappings.install import setup
from tests.fault_proxy import engine_address
from tests.helpers import count

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
#: A Redis database of these tests' own: the shared worker never restores their messages (nor
#: they its) with another visibility timeout.
BROKER_DB = 13
POISON = "\u2620poison"
# Quick retries for every worker started here; visibility >= time limit + longest backoff.
FAST = {"BABELSHOP_TASK_RETRY_BACKOFF_S": "0.2", "BABELSHOP_TASK_RETRY_BACKOFF_MAX_S": "1",
        "BABELSHOP_TASK_POISON_RETRIES": "2"}


# ------------------------------------------------------------------------------------ helpers
class Proxy:
    """A loopback TCP proxy to ``upstream`` that forwards, or refuses while ``refusing`` (accepts and
    resets at once, as a down service), and drops every open connection on :meth:`drop`."""

    def __init__(self, upstream: tuple[str, int], *, refusing: bool = False) -> None:
        self.upstream = upstream
        self.refusing = refusing
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refusing:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()  # RST: the client sees the connection fail at once
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def drop(self) -> int:
        """Close every connection made through the proxy; new ones are still forwarded."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()
        return len(sockets) // 2

    def close(self) -> None:
        self._stop.set()
        self.drop()
        self._server.close()


def _redis_port() -> int:
    from urllib.parse import urlsplit

    return urlsplit(Settings().broker_url.get_secret_value()).port or 6379


def _broker(port: int | None = None) -> str:
    return f"redis://127.0.0.1:{port or _redis_port()}/{BROKER_DB}"


def _producer(**settings: object) -> Celery:
    from indexer.celery_app import make_app

    return make_app(Settings(broker_url=_broker(), **settings))


class Worker:
    """``babelshop worker`` in a process group of its own, logging to ``log``."""

    def __init__(self, queue: str, log: Path, env: dict[str, str], *options: str) -> None:
        self.queue, self.log = queue, log
        self.name = f"{queue}@%h"
        # Its default alias is its own (and absent), so the startup width check never meets an
        # index another test built; batches name their alias.
        full_env = {**os.environ, "BABELSHOP_BROKER_URL": _broker(), "BABELSHOP_INDEX": queue, **FAST, **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "babelshop.cli", "worker", "--concurrency", "1", "--queues", queue,
             "--hostname", self.name, *options],
            cwd=ROOT, env=full_env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(timeout=10)


def _ids(client: OpenSearch, alias: str) -> list[str]:
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, body={"size": 1000, "_source": False, "query": {"match_all": {}}})
    return [h["_id"] for h in hits["hits"]["hits"]]


def _products(n: int) -> list[dict]:
    # Fresh ids and titles every run: the shared embedding cache cannot hide the work.
    tag = uuid.uuid4().hex[:6]
    return [{**p, "id": f"{p['id']}-{tag}", "title": f"{p['title']} {tag}"} for p in synthetic_catalog(n)]


def _letters(client: OpenSearch, alias: str) -> list[dict]:
    from indexer import deadletter

    return deadletter.list_letters(client, alias)


def _wait_until(check, what: str, worker: Worker | None = None, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n" + (worker.text() if worker else "")
        if worker is not None:
            assert worker.process.poll() is None, f"worker died while waiting for {what}\n{worker.text()}"
        time.sleep(0.2)


# ------------------------------------------------------------------ one steady worker for many tests
STEADY_OPTIONS = ("--max-tasks-per-child", "50", "--max-memory-per-child", "4000000",
                  "--soft-time-limit", "100", "--time-limit", "120")


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """A worker with the poison hook on and the recycling options set, shared by the tests that do
    not kill it."""
    queue = f"test-steady-{uuid.uuid4().hex[:6]}"
    worker = Worker(queue, tmp_path_factory.mktemp("steady") / "worker.log",
                    {"BABELSHOP_FAULT_POISON_MARKER": POISON}, *STEADY_OPTIONS)
    try:
        yield worker
    finally:
        worker.stop()


def _send(app: Celery, worker: Worker, name: str, items: list, alias: str, **options: object):
    return app.send_task(name, args=[items], kwargs={"index": alias}, queue=worker.queue, **options)


# ------------------------------------------------------------------------------------------ #13
def test_worker_refuses_a_visibility_timeout_shorter_than_limit_plus_backoff() -> None:
    """#13: at start, visibility_timeout < hard limit + longest backoff is one line and exit 2."""
    env = {**os.environ, "BABELSHOP_BROKER_URL": _broker(), "BABELSHOP_VISIBILITY_TIMEOUT_S": "100",
           "BABELSHOP_TASK_RETRY_BACKOFF_MAX_S": "300"}
    done = subprocess.run([sys.executable, "-m", "babelshop.cli", "worker", "--time-limit", "90"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "BABELSHOP_VISIBILITY_TIMEOUT_S=100" in lines[0] and "at least 390" in lines[0]
    # A long enough visibility timeout passes the same check (the worker itself is not started).
    from indexer.celery_app import check_limits, make_app

    ok = Settings(broker_url=_broker(), visibility_timeout_s=390, task_time_limit_s=90, task_soft_time_limit_s=80,
                  task_retry_backoff_max_s=300)
    check_limits(make_app(ok), ok)


def test_worker_options_reach_celery(steady: Worker, client: OpenSearch) -> None:
    """#13: --max-memory-per-child, --max-tasks-per-child and both time limits as the running
    worker reports them (celery inspect)."""
    inspect = _producer().control.inspect(destination=[steady.name.replace("%h", socket.gethostname())], timeout=2)
    stats = conf = None
    deadline = time.monotonic() + 300
    while not (stats and conf):
        assert time.monotonic() < deadline, steady.text()
        assert steady.process.poll() is None, steady.text()
        stats, conf = inspect.stats(), inspect.conf()
    (pool,) = [s["pool"] for s in stats.values()]
    (worker_conf,) = conf.values()
    assert pool["max-tasks-per-child"] == 50
    assert pool["timeouts"] == [100, 120]
    assert worker_conf["worker_max_memory_per_child"] == 4000000
    assert worker_conf["accept_content"] == ["json"]
    assert worker_conf["task_acks_late"] is True and worker_conf["task_acks_on_timeout"] is False


# ------------------------------------------------------------------------------------------ #8
def test_a_poison_product_is_dead_lettered_alone_and_the_batch_lands(steady: Worker, client: OpenSearch,
                                                                      alias: str) -> None:
    """#8: the batch is retried a bounded number of times, then split: the valid products land, the
    poison one alone goes to the dead letter as received, and the task succeeds listing it."""
    products = _products(6)
    poison = {**products[3], "title": f"{products[3]['title']} {POISON}", "attributes": {"note": "as sent"}}
    products[3] = poison
    sent = _send(_producer(), steady, "babelshop.index_products", products, alias)
    summary = sent.get(timeout=600)
    assert summary["indexed"] == 5, summary
    assert [(f["position"], f["id"]) for f in summary["failed"]] == [(3, poison["id"])]
    assert "injected poison" in summary["failed"][0]["reason"]
    assert sorted(_ids(client, alias)) == sorted(p["id"] for p in products if p is not poison)
    (letter,) = _letters(client, alias)
    assert letter["product"] == poison and letter["attempts"] == 3
    retries = [line for line in steady.text().splitlines() if sent.id in line and "Retry in" in line]
    assert len(retries) == 2, steady.text()  # the bound, then the split


# ------------------------------------------------------------------------------------------ #12
def test_a_pickle_message_is_refused_in_one_line_and_the_worker_goes_on(steady: Worker, client: OpenSearch,
                                                                        alias: str) -> None:
    """#12: a pickle-serialized task is refused (JSON only), the worker logs one short line without
    the body, the producer gets the reason instead of a timeout, and JSON tasks still run."""
    from kombu.exceptions import ContentDisallowed

    marker = f"pickled-{uuid.uuid4().hex[:8]}"
    body = [{"id": marker, "title": "x" * 2000}]
    refused = _send(_producer(), steady, "babelshop.index_products", body, alias, serializer="pickle")
    with pytest.raises(ContentDisallowed, match="JSON only"):
        refused.get(timeout=300)
    products = _products(2)
    summary = _send(_producer(), steady, "babelshop.index_products", products, alias).get(timeout=300)
    assert summary["indexed"] == 2
    log = steady.text()
    about = [line for line in log.splitlines() if refused.id in line]
    assert len(about) == 1 and "refused task babelshop.index_products" in about[0], log
    assert marker not in log and "xxxxxxxxxx" not in log and "full contents of the message body" not in log


def test_the_same_batch_delivered_twice_duplicates_nothing(steady: Worker, client: OpenSearch, alias: str) -> None:
    """Held case: duplicate delivery of one batch indexes each product once."""
    products = _products(8)
    app = _producer()
    first = _send(app, steady, "babelshop.index_products", products, alias).get(timeout=300)
    second = _send(app, steady, "babelshop.index_products", products, alias).get(timeout=300)
    assert first["indexed"] == 8 and second["indexed"] == 0 and second["unchanged"] == 8
    assert sorted(_ids(client, alias)) == sorted(p["id"] for p in products)


def test_update_products_task_merges_partial_documents(steady: Worker, client: OpenSearch, alias: str) -> None:
    """Task contract: babelshop.update_products merges {"id", "price"} into the stored product."""
    (product,) = _products(1)
    app = _producer()
    assert _send(app, steady, "babelshop.index_products", [product], alias).get(timeout=300)["indexed"] == 1
    summary = _send(app, steady, "babelshop.update_products", [{"id": product["id"], "price": 12.5}],
                    alias).get(timeout=300)
    assert not summary["failed"] and not summary["rejected"], summary
    client.indices.refresh(index=alias)
    stored = client.get(index=alias, id=product["id"])["_source"]
    assert stored["price"] == 12.5 and stored["title"] == product["title"]


# ------------------------------------------------------------------------------------------ #10
def test_a_worker_refuses_to_start_when_the_encoder_width_differs_from_the_index(alias: str, tmp_path: Path) -> None:
    """#10: BABELSHOP_COMPANION_ENCODER=none (384 wide) against an 896-wide index: the worker exits
    non-zero before any model work, naming both widths and the fix."""
    env = {**os.environ, "BABELSHOP_BROKER_URL": _broker(), "BABELSHOP_COMPANION_ENCODER": "none",
           "BABELSHOP_INDEX": alias}
    done = subprocess.run([sys.executable, "-m", "babelshop.cli", "worker", "--queues", f"test-{alias}"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "896" in errors[0] and "384" in errors[0] and "babelshop reindex --re-embed" in errors[0]
    assert "loaded" not in done.stderr  # no lexicon or model was loaded


def test_a_batch_for_an_index_of_another_width_is_dead_lettered_before_model_work(client: OpenSearch,
                                                                                   settings: Settings,
                                                                                   index_name: str) -> None:
    """#10, per alias: a batch for an alias built with another encoder embeds nothing; its products
    wait in the dead letter with the reason (replayable after ``reindex --re-embed``)."""
    from indexer import tasks

    setup(client, index_name, settings.catalog_languages, 384)
    products = _products(3)
    summary = tasks.index_products.apply(args=[products], kwargs={"index": index_name}).get()
    assert summary["embedded"] == 0 and summary["indexed"] == 0
    assert [f["id"] for f in summary["failed"]] == [p["id"] for p in products]
    assert "reindex --re-embed" in summary["failed"][0]["reason"]
    assert sorted(letter["product"]["id"] for letter in _letters(client, index_name)) == sorted(p["id"] for p in products)


# ------------------------------------------------------------------------------------------ #2
def test_a_batch_outlives_a_cluster_outage_and_lands_when_it_is_back(client: OpenSearch, alias: str,
                                                                    tmp_path: Path) -> None:
    """#2: with OpenSearch unreachable the batch is not marked FAILURE; past the retry bound the dead
    letter is unreachable too, and the batch stays in the broker (never acknowledged and dropped);
    once the cluster answers again every product is indexed. Secrets: the URL's password never
    reaches the worker's log."""
    proxy = Proxy(engine_address(), refusing=True)
    queue = f"test-outage-{uuid.uuid4().hex[:6]}"
    env = {"BABELSHOP_OPENSEARCH_URL": f"http://babel:s3cret-pw@127.0.0.1:{proxy.port}",
           "BABELSHOP_TASK_MAX_RETRIES": "2", "BABELSHOP_INDEX": alias}
    worker = Worker(queue, tmp_path / "worker.log", env)
    products = _products(5)
    try:
        pending = _send(_producer(), worker, "babelshop.index_products", products, alias)
        # Past the bound: two retries, then a dead letter that cannot be written, then queued again.
        _wait_until(lambda: "the batch stays queued" in worker.text(), "the bound to pass", worker)
        assert pending.state not in ("FAILURE", "SUCCESS"), pending.state
        assert count(client, alias) == 0
        proxy.refusing = False
        summary = pending.get(timeout=300)
    finally:
        worker.stop()
        proxy.close()
    assert summary["indexed"] == 5 and not summary["failed"], summary
    assert sorted(_ids(client, alias)) == sorted(p["id"] for p in products)
    assert _letters(client, alias) == []
    log = worker.text()
    assert "s3cret-pw" not in log
    assert f"babelshop worker: OpenSearch http://babel:***@127.0.0.1:{proxy.port}" in log  # logged raw, masked
    assert "Traceback" not in log  # each failed request is one line


class FailingReads:
    """The real client, except that reading or writing products answers 503 (the dead letter and
    index administration go through)."""

    def __init__(self, real: OpenSearch) -> None:
        self._real = real

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    def _fail(self, *args, **kwargs):
        raise TransportError(503, "unavailable_shards_exception", {"error": "injected"})

    mget = search = get = _fail

    def bulk(self, *args, body, **kwargs):
        text = body if isinstance(body, str) else "".join(
            line.decode() if isinstance(line, bytes) else str(line) for line in body)
        if "-deadletter" not in text:
            self._fail()
        return self._real.bulk(*args, body=body, **kwargs)


def test_past_the_retry_bound_a_batch_goes_to_the_dead_letter(client: OpenSearch, settings: Settings, alias: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """#2: a batch still failing with 503 on its last allowed attempt is dead-lettered whole, each
    product as received with the attempt count; the task succeeds listing them."""
    from indexer import tasks
    from indexer.service import IndexingService

    failing = IndexingService(settings, client=FailingReads(client))  # type: ignore[arg-type]
    monkeypatch.setattr(tasks, "service", lambda: failing)
    products = _products(4)
    bound = settings.task_max_retries
    summary = tasks.index_products.apply(args=[products], kwargs={"index": alias}, retries=bound).get()
    assert summary["indexed"] == 0 and [f["id"] for f in summary["failed"]] == [p["id"] for p in products]
    letters = {letter["product"]["id"]: letter for letter in _letters(client, alias)}
    assert {i: letters[i]["product"] for i in letters} == {p["id"]: p for p in products}
    assert {letter["attempts"] for letter in letters.values()} == {bound + 1}
    assert "503" in next(iter(letters.values()))["reason"]


# ------------------------------------------------------------------------------- held: worker kills
class Kill(enum.Enum):
    SIGKILL = "sigkill"  # parent and pool die at once: unacknowledged batches are redelivered
    SIGTERM = "sigterm"  # to the main process, warm shutdown: the running batch finishes, the reserved one goes back
    BROKER_DROP = "broker_drop"  # every broker connection of the worker is cut; it reconnects


def _in_flight(log: str) -> int:
    """Batches the worker has received and not finished. The kill waits for one: kombu's Redis
    transport pops a message (BRPOP) before it records it as unacknowledged, so a kill landing
    between the two loses that message; the README states that window. With prefetch 1 and a
    batch in flight, no pop is outstanding."""
    received = len(re.findall(r"\] received", log))
    finished = len(re.findall(r"\] (?:succeeded|raised|retry)", log))
    return received - finished


KILL_ENV = {"BABELSHOP_VISIBILITY_TIMEOUT_S": "20", "BABELSHOP_TASK_TIME_LIMIT_S": "15",
            "BABELSHOP_TASK_SOFT_TIME_LIMIT_S": "12", "BABELSHOP_TASK_RETRY_BACKOFF_MAX_S": "2"}


@pytest.mark.parametrize("kill", list(Kill), ids=lambda k: k.value)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(kill: Kill, client: OpenSearch, alias: str,
                                                                          tmp_path: Path) -> None:
    """Held cases: kill the worker once the first batch has landed; a worker (the same one after a
    broker drop, a new one after a signal) gets the unacknowledged batches back after the short
    visibility timeout, and every product is indexed exactly once."""
    proxy = Proxy(("127.0.0.1", _redis_port()))
    queue = f"test-kill-{uuid.uuid4().hex[:6]}"
    log = tmp_path / "worker.log"
    env = {**KILL_ENV, "BABELSHOP_BROKER_URL": _broker(proxy.port)}
    worker = Worker(queue, log, env)
    products = _products(120)
    app = _producer()
    results = [_send(app, worker, "babelshop.index_products", products[i:i + 20], alias) for i in range(0, 120, 20)]
    def first_batch_landed_and_the_next_in_flight() -> bool:
        for done in (r for r in results if r.ready()):
            assert isinstance(done.result, dict) and not done.result["failed"], done.result  # a broken pipeline
        return count(client, alias) > 0 and _in_flight(worker.text()) > 0

    try:
        _wait_until(first_batch_landed_and_the_next_in_flight, "the first batch", worker, timeout=600)
        if kill is Kill.BROKER_DROP:
            assert proxy.drop() > 0
        else:
            if kill is Kill.SIGKILL:
                worker.signal(signal.SIGKILL)  # the whole process group, pool included
            else:
                worker.process.send_signal(signal.SIGTERM)  # what a service manager sends to stop it
            worker.process.wait(timeout=120)
            assert count(client, alias) < 120  # it really stopped mid-run
            worker = Worker(queue, log, env)
        summaries = [r.get(timeout=600) for r in results]
    finally:
        worker.stop()
        proxy.close()
    ids = _ids(client, alias)
    assert len(ids) == len(set(ids)) == 120
    assert set(ids) == {p["id"] for p in products}
    assert not any(s["failed"] or s["rejected"] for s in summaries)
    assert sum(s["indexed"] + s["unchanged"] for s in summaries) >= 120
