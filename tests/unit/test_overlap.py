"""Inline ingest's overlapping batches: results in file order, a product's batches never at once."""

from __future__ import annotations

import threading
import time

import pytest

from common.settings import Settings
from indexer.ingest import inline_settings
from indexer.overlap import batch_ids, overlapping


def _batches(*ids: tuple[str, ...]) -> list[tuple[list[dict], list[int]]]:
    return [([{"id": i, "title": "x"} for i in group], list(range(len(group)))) for group in ids]


class _Recorder:
    """Runs a batch slowly and records which batches ran at the same time."""

    def __init__(self, slow: dict[str, float] | None = None) -> None:
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.overlaps: set[frozenset[str]] = set()
        self.most = 0
        self.slow = slow or {}

    def __call__(self, batch: list[dict], lines: list[int]) -> str:
        name = ",".join(item["id"] for item in batch)
        with self.lock:
            for other in self.running:
                self.overlaps.add(frozenset((name, other)))
            self.running.add(name)
            self.most = max(self.most, len(self.running))
        time.sleep(self.slow.get(name, 0.05))
        with self.lock:
            self.running.discard(name)
        return name


def test_results_come_back_in_file_order_even_when_a_later_batch_finishes_first() -> None:
    run = _Recorder(slow={"a": 0.3})
    out = [result for _, _, result in overlapping(_batches(("a",), ("b",), ("c",)), run, limit=3)]
    assert out == ["a", "b", "c"]
    assert frozenset(("a", "b")) in run.overlaps  # they did run together


def test_no_more_than_the_limit_run_at_once() -> None:
    run = _Recorder()
    list(overlapping(_batches(*[(str(i),) for i in range(8)]), run, limit=2))
    assert run.most == 2


def test_a_batch_sharing_a_product_waits_for_the_batch_under_way() -> None:
    run = _Recorder(slow={"p3": 0.3})
    out = [result for _, _, result in overlapping(_batches(("p1", "p2"), ("p3",), ("p2", "p4")), run, limit=3)]
    assert out == ["p1,p2", "p3", "p2,p4"]
    assert frozenset(("p1,p2", "p2,p4")) not in run.overlaps
    assert frozenset(("p3", "p2,p4")) in run.overlaps  # only the batch with p2 was waited for


def test_a_failing_batch_raises_in_its_turn_after_the_earlier_results() -> None:
    def run(batch: list[dict], lines: list[int]) -> str:
        if batch[0]["id"] == "bad":
            raise RuntimeError("cluster gone")
        return batch[0]["id"]

    seen = []
    with pytest.raises(RuntimeError, match="cluster gone"):
        for _, _, result in overlapping(_batches(("ok",), ("bad",), ("later",)), run, limit=3):
            seen.append(result)
    assert seen == ["ok"]


def test_ids_of_a_batch_skip_lines_without_one() -> None:
    assert batch_ids([{"id": 7}, {"title": "no id"}, "not an object", {"id": None}]) == frozenset({"7"})


def test_overlapping_batches_run_the_encoder_on_one_thread_unless_it_is_set() -> None:
    assert inline_settings(Settings(inline_batches=3), several_batches=True).encoder_threads == 1
    assert inline_settings(Settings(inline_batches=3, encoder_threads=2), several_batches=True).encoder_threads == 2
    assert inline_settings(Settings(inline_batches=1), several_batches=True).encoder_threads == 0
    assert inline_settings(Settings(inline_batches=3), several_batches=False).encoder_threads == 0


def test_a_worker_pool_shares_the_cores_among_its_processes() -> None:
    from indexer.worker_process import pool_encoder_threads

    assert pool_encoder_threads(0, concurrency=1, cores=8) == 0  # a pool of one: every core
    assert pool_encoder_threads(0, concurrency=2, cores=8) == 4
    assert pool_encoder_threads(0, concurrency=3, cores=2) == 1  # never below one thread
    assert pool_encoder_threads(6, concurrency=2, cores=8) == 6  # a configured count stands
