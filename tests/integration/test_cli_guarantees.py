"""The command line's guarantees (issue 11, defects 11 and 12), through the real ``babelshop``
process against the real OpenSearch, Redis and worker: documented exit codes (0 done, 1 some
lines rejected or failed, 2 unreadable input or usage, 3 cluster or broker unavailable), one
error line and never a traceback, every bad line reported, every queued batch reported.

A down cluster or broker is a port that is bound and never listens: connecting is refused at
once, and no other process can take the port meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from mappings.install import setup
from tests.helpers import count

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
#: A model-loading inline ingest on a busy 2-core machine; everything else answers in seconds.
INLINE_TIMEOUT_S = 600


def babelshop(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "babelshop.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=ROOT, timeout=timeout, check=False)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    no_traceback(proc)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.fixture
def closed_port() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, never listening
    yield sock.getsockname()[1]
    sock.close()


def _write_jsonl(path: Path, items: list[dict | str]) -> Path:
    lines = [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _products(n: int, tag: str | None = None) -> list[dict]:
    tag = tag or uuid.uuid4().hex[:6]
    return [{"id": f"p{i}-{tag}", "title": f"Ceramic coffee mug {i} {tag}", "price": 10.0 + i} for i in range(n)]


# ------------------------------------------------------------------ exit 2: unreadable input (defect 11)
def test_unreadable_files_are_one_line_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    latin_header = tmp_path / "latin.csv"
    latin_header.write_bytes(b"id,d\xe9signation\n1,Tasse\n")
    cases = [(tmp_path, "is a directory", mode) for mode in ([], ["--inline"], ["--check"])]
    cases += [(tmp_path / "missing.jsonl", "no such file", []), (empty, "empty", ["--inline"]),
              (latin_header, "not valid UTF-8", ["--check"])]
    for path, words, mode in cases:
        proc = babelshop("ingest", str(path), *mode)
        assert proc.returncode == 2, (path, mode, proc.stderr)
        line = one_error_line(proc)
        assert str(path) in line and words in line


def test_inline_and_wait_together_is_a_usage_error(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "p.jsonl", _products(1))
    proc = babelshop("ingest", str(path), "--inline", "--wait")
    assert proc.returncode == 2 and "give one of them" in proc.stderr
    no_traceback(proc)


# ------------------------------------------------------------------ --check (defect 11)
def test_check_reports_every_bad_line_and_indexes_nothing(client: OpenSearch, alias: str, tmp_path: Path) -> None:
    good = _products(3)
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\n".join([
        json.dumps(good[0]).encode(),
        b"{not json",
        b'{"id": "x-latin", "title": "Caf\xe9 mug"}',
        json.dumps({"id": "x-notitle"}).encode(),
        json.dumps({"id": "\u00e9" * 300, "title": "id of 600 bytes"}).encode(),
        json.dumps({"id": "x-version", "title": "too new", "version": 2**63}).encode(),
        json.dumps(good[1]).encode(),
    ]) + b"\n")
    proc = babelshop("ingest", str(path), "--check", "--index", alias)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "read 7  valid 2  rejected 5" in proc.stdout
    listed = [line for line in proc.stdout.splitlines() if line.strip().startswith("rejected: line")]
    assert [int(re.search(r"line (\d+)", line)[1]) for line in listed] == [2, 3, 4, 5, 6]
    assert "not valid UTF-8" in listed[1] and "re-encode" in listed[1]
    assert "title: Field required" in listed[2] and "bytes" in listed[3]
    assert count(client, alias) == 0  # --check indexes nothing

    clean = _write_jsonl(tmp_path / "clean.jsonl", good)
    proc = babelshop("ingest", str(clean), "--check", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"path": str(clean), "read": 3, "valid": 3, "rejected": []}

    # Partial documents are checked as updates: no title needed, a negative price is not allowed.
    updates = _write_jsonl(tmp_path / "u.jsonl", [{"id": "a", "price": 3.5}, {"id": "b", "price": -1}])
    proc = babelshop("ingest", str(updates), "--check", "--update")
    assert proc.returncode == 1 and "read 2  valid 1  rejected 1" in proc.stdout
    assert "line 2 (id b): price" in proc.stdout


def test_check_reads_a_bom_semicolon_csv_with_a_long_field(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffid;title;description\n1;Tasse;kurz\n2;Becher;\"".encode()
                     + b"x" * 200_000 + b'"\n3;Caf\xe9;x\n')
    proc = babelshop("ingest", str(path), "--check")
    no_traceback(proc)
    assert proc.returncode == 1
    assert "read 3  valid 1  rejected 2" in proc.stdout
    assert "line 3 (id 2): description" in proc.stdout  # over the schema's limit, by line, not a csv traceback
    assert "line 4 (id 3): not valid UTF-8" in proc.stdout


# ------------------------------------------------------------------ exit 0 / 1 through the workers (defect 12)
def test_wait_exits_0_when_all_indexed_and_1_when_a_line_is_rejected(client: OpenSearch, alias: str,
                                                                     tmp_path: Path) -> None:
    good = _products(4)
    path = _write_jsonl(tmp_path / "good.jsonl", good)
    proc = babelshop("ingest", str(path), "--index", alias, "--wait", "--batch-size", "2", "--timeout", "300",
                     timeout=360)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "all 2 batches done" in proc.stdout and "indexed 4" in proc.stdout
    assert count(client, alias) == 4

    mixed = _write_jsonl(tmp_path / "mixed.jsonl", [*_products(2), {"id": "no-title"}, "[1, 2]"])
    proc = babelshop("ingest", str(mixed), "--index", alias, "--wait", "--timeout", "300", "--json", timeout=360)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])
    assert summary["indexed"] == 2 and [r["position"] for r in summary["rejected"]] == [3, 4]
    assert [b["state"] for b in summary["batches"]] == ["done"]
    assert count(client, alias) == 6


def test_queued_without_wait_exits_1_for_rejected_lines(client: OpenSearch, alias: str, tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "p.jsonl", [*_products(1), {"id": "no-title"}])
    proc = babelshop("ingest", str(path), "--index", alias)
    no_traceback(proc)
    assert proc.returncode == 1 and "queued 1  rejected 1" in proc.stdout
    assert "rejected: line 2 (id no-title): title: Field required" in proc.stdout
    # The worker still indexes the queued product; wait for it so nothing writes after the cleanup.
    deadline = time.monotonic() + 120
    while count(client, alias) < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert count(client, alias) == 1


def test_a_failed_batch_is_reported_with_its_products_and_the_others_still_summed(
        client: OpenSearch, alias: str, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The real worker fails the second batch (it is sent with an argument the task does not
    take); ``--wait`` lists it as failed with the task's reason and still sums the others."""
    from babelshop.report import print_summary
    from indexer.ingest import celery_app, ingest_queued_report

    class SecondBatchBroken:
        def __init__(self, real) -> None:
            self._real = real
            self.sent = 0

        def __getattr__(self, name: str):
            return getattr(self._real, name)

        def send_task(self, name, args=None, kwargs=None, **options):
            self.sent += 1
            if self.sent == 2:
                kwargs = {**(kwargs or {}), "not_an_argument": True}
            return self._real.send_task(name, args=args, kwargs=kwargs, **options)

    products = _products(6)
    path = _write_jsonl(tmp_path / "p.jsonl", products)
    started = time.monotonic()
    report = ingest_queued_report(path, settings, index=alias, batch_size=2, wait=True, timeout_s=300,
                                  app=SecondBatchBroken(celery_app()))
    assert time.monotonic() - started < 300
    assert [b.state for b in report.batches] == ["done", "failed", "done"]
    assert "TypeError" in (report.batches[1].reason or "")
    result = report.result
    assert result.received == 6 and result.indexed == 4
    assert [(f.position, f.id) for f in result.failed] == [(3, products[2]["id"]), (4, products[3]["id"])]
    print_summary(result, batches=report.batches)
    out = capsys.readouterr().out
    assert "batch 2 (lines 3-4, 2 products): failed: TypeError" in out
    assert "2 of 3 batches done" in out and "indexed 4" in out and "failed 2" in out
    assert count(client, alias) == 4


# ------------------------------------------------------------------ inline (defect 12)
@pytest.mark.slow
def test_inline_exits_1_for_a_rejected_line_and_indexes_the_rest(client: OpenSearch, alias: str,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    good = _products(2)
    path.write_bytes(json.dumps(good[0]).encode() + b'\n{"id": "latin", "title": "Caf\xe9"}\n'
                     + json.dumps(good[1]).encode() + b"\n")
    proc = babelshop("ingest", str(path), "--index", alias, "--inline", timeout=INLINE_TIMEOUT_S)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "indexed 2" in proc.stdout and "rejected: line 2 (id latin): not valid UTF-8" in proc.stdout
    assert count(client, alias) == 2
    # The same file without the bad line: everything is already indexed, nothing rejected: exit 0.
    _write_jsonl(path, good)
    proc = babelshop("ingest", str(path), "--index", alias, "--inline", timeout=INLINE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "unchanged 2" in proc.stdout


# ------------------------------------------------------------------ --update
@pytest.mark.slow
def test_update_merges_partial_documents_inline_and_queued(client: OpenSearch, alias: str, tmp_path: Path) -> None:
    products = _products(2)
    full = _write_jsonl(tmp_path / "full.jsonl", products)
    proc = babelshop("ingest", str(full), "--index", alias, "--wait", "--timeout", "300", timeout=360)
    assert proc.returncode == 0, proc.stderr
    first, second = products[0]["id"], products[1]["id"]

    inline = _write_jsonl(tmp_path / "u1.jsonl", [{"id": first, "price": 1.5}])
    proc = babelshop("ingest", str(inline), "--index", alias, "--update", "--inline", timeout=INLINE_TIMEOUT_S)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    doc = client.get(index=alias, id=first)["_source"]
    assert doc["price"] == 1.5 and doc["title"] == products[0]["title"] and doc.get("title_vector")

    queued = _write_jsonl(tmp_path / "u2.jsonl", [{"id": second, "price": 2.5}, {"id": second + "-x", "price": -2}])
    proc = babelshop("ingest", str(queued), "--index", alias, "--update", "--wait", "--timeout", "120", timeout=180)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr  # the negative price is rejected at read time
    assert "all 1 batches done" in proc.stdout, proc.stdout  # the worker knows babelshop.update_products
    client.indices.refresh(index=alias)
    doc = client.get(index=alias, id=second)["_source"]
    assert doc["price"] == 2.5 and doc["title"] == products[1]["title"]


# ------------------------------------------------------------------ exit 3: cluster or broker down (defects 2, 7, 12)
def test_a_down_cluster_is_one_masked_line_and_exit_3(tmp_path: Path, closed_port: int, index_name: str) -> None:
    path = _write_jsonl(tmp_path / "p.jsonl", _products(1))
    env = {"BABELSHOP_OPENSEARCH_URL": f"http://admin:s3cret-pw@127.0.0.1:{closed_port}"}
    for args in (["ingest", str(path), "--inline", "--index", index_name], ["ingest", str(path), "--index", index_name],
                 ["reindex", "--index", index_name], ["synonyms", "reload", "--index", index_name],
                 ["setup", "--index", index_name]):
        started = time.monotonic()
        proc = babelshop(*args, env=env)
        assert proc.returncode == 3, (args, proc.stderr)
        line = one_error_line(proc)
        assert f"127.0.0.1:{closed_port}" in line and "OpenSearch" in line, line
        assert "s3cret-pw" not in proc.stderr + proc.stdout
        assert time.monotonic() - started < 60, args


def test_a_down_broker_is_one_masked_line_and_exit_3_quickly(alias: str, tmp_path: Path, closed_port: int) -> None:
    path = _write_jsonl(tmp_path / "p.jsonl", _products(2))
    env = {"BABELSHOP_BROKER_URL": f"redis://:r3dis-pw@127.0.0.1:{closed_port}/0", "BABELSHOP_BROKER_CONNECT_TIMEOUT_S": "1"}
    for wait in ([], ["--wait"]):
        started = time.monotonic()
        proc = babelshop("ingest", str(path), "--index", alias, *wait, env=env)
        elapsed = time.monotonic() - started
        assert proc.returncode == 3, proc.stderr
        line = one_error_line(proc)
        assert "broker" in line and f"127.0.0.1:{closed_port}" in line
        assert "r3dis-pw" not in proc.stderr + proc.stdout
        assert elapsed < 30, elapsed  # Celery's own defaults retry for minutes


# ------------------------------------------------------------------ exit 2: vector width (defect 10)
def test_a_vector_width_mismatch_fails_before_any_model_work(client: OpenSearch, settings: Settings,
                                                             index_name: str, tmp_path: Path) -> None:
    setup(client, index_name, settings.catalog_languages, 8)  # an index built for an 8-dimension encoder
    path = _write_jsonl(tmp_path / "p.jsonl", _products(1))
    for mode in (["--inline"], [], ["--wait"]):
        started = time.monotonic()
        proc = babelshop("ingest", str(path), "--index", index_name, *mode)
        assert proc.returncode == 2, proc.stderr
        line = one_error_line(proc)
        assert "8-dimensional" in line and "reindex --re-embed" in line
        assert time.monotonic() - started < 60  # no model was loaded, nothing was queued
    assert count(client, index_name) == 0
