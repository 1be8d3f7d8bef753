"""Rebuilds of a live index (reindex, synonym reloads) against the real engine: no write made
meanwhile is lost, no search fails, and a dead rebuild never blocks writers (issue 11)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.errors import ClusterUnavailable
from common.settings import Settings
from indexer.reindex import reindex
from indexer.reindex_log import before_write
from indexer.service import IndexingService
from mappings.install import alias_target, reload_synonyms, setup
from mappings.rebuild import FROZEN, STATE_BODY, STATE_ID, state_index
from query_rewriter.search import Searcher

pytestmark = [pytest.mark.integration, pytest.mark.compat]

SEED = [{"id": f"seed-{i}", "title": title, "lang": "en", "price": 10 + i}
        for i, title in enumerate(["Trail running shoes", "Espresso machine", "Hiking backpack 30 l",
                                   "Wireless headphones", "Leather wallet", "Cast iron pan"])]


@pytest.fixture
def live(client: OpenSearch, settings: Settings, index_name: str, tmp_path: Path) -> Settings:
    from encoders import load_encoder

    synonyms = tmp_path / "synonyms"
    synonyms.mkdir()
    (synonyms / "en.txt").write_text("# nothing yet\n", encoding="utf-8")
    setup(client, index_name, settings.catalog_languages, load_encoder(settings).dimension, synonym_dir=synonyms)
    local = settings.model_copy(update={"index": index_name, "synonyms_dir": synonyms, "query_log": False,
                                        "reindex_grace_s": 0.5})
    assert IndexingService(local, client=client).index_products(SEED).indexed == len(SEED)
    client.indices.refresh(index=index_name)
    return local


class Writer(threading.Thread):
    """Adds a product every ``pause`` seconds (and deletes every fifth one it added), through
    the real write path, until stopped; remembers what it was told landed."""

    def __init__(self, settings: Settings, client: OpenSearch, pause: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.service = IndexingService(settings, client=client)
        self.pause = pause
        self.stop = threading.Event()
        self.present: set[str] = set()
        self.deleted: set[str] = set()
        self.errors: list[BaseException] = []
        self.tag = uuid.uuid4().hex[:6]

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            ident = f"w-{self.tag}-{n}"
            try:
                result = self.service.index_products([{"id": ident, "title": f"Camping lantern {self.tag} {n}",
                                                       "lang": "en", "price": n}])
                if result.indexed == 1:
                    self.present.add(ident)
                if n % 5 == 0:
                    victim = f"w-{self.tag}-{n - 2}"
                    if self.service.delete_products([victim]).deleted == 1:
                        self.present.discard(victim)
                        self.deleted.add(victim)
            except Exception as exc:  # a lost write must show up as a failed assertion, not a dead thread
                self.errors.append(exc)
            time.sleep(self.pause)


def _ids(client: OpenSearch, alias: str) -> set[str]:
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, body={"size": 10000, "_source": False, "query": {"match_all": {}}})
    return {h["_id"] for h in hits["hits"]["hits"]}


@pytest.mark.parametrize("re_embed", [False, True], ids=["copy", "re-embed"])
def test_writes_made_during_a_reindex_are_all_in_the_new_index(client: OpenSearch, live: Settings,
                                                              re_embed: bool) -> None:
    alias = live.index
    writer = Writer(live, client)
    writer.start()
    time.sleep(0.5)  # writes before the rebuild starts
    report = reindex(IndexingService(live, client=client), alias=alias, re_embed=re_embed)
    time.sleep(0.5)  # and after the swap
    writer.stop.set()
    writer.join(timeout=30)
    assert not writer.errors, writer.errors[:3]
    assert alias_target(client, alias) == report["new_index"]
    found = _ids(client, alias)
    assert len(writer.present) >= 5 and writer.deleted
    assert writer.present <= found, sorted(writer.present - found)
    assert not (writer.deleted & found), sorted(writer.deleted & found)
    assert {p["id"] for p in SEED} <= found
    assert not client.exists(index=state_index(alias), id=STATE_ID)  # writers stopped logging


def test_searches_never_fail_while_synonyms_reload_and_the_alias_swaps(client: OpenSearch, live: Settings) -> None:
    alias = live.index
    searcher = Searcher(live, client=client)
    searcher.search("running shoes", lang="en")  # models loaded before the clock starts
    failures: list[BaseException] = []
    answered = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                answered.append(len(searcher.search("running shoes", lang="en", mode="bm25").hits))
            except Exception as exc:
                failures.append(exc)

    thread = threading.Thread(target=search_loop, daemon=True)
    thread.start()
    word = f"zorb{uuid.uuid4().hex[:4]}"  # a word no dictionary, synonym set or product knows
    before = client.get(index=alias, id="seed-0")["_source"]
    (live.synonyms_dir / "en.txt").write_text(f"{word}, running shoes\n", encoding="utf-8")
    old = alias_target(client, alias)
    new = reload_synonyms(client, alias, live.catalog_languages, live.synonyms_dir, grace_s=0.5)
    reindex(IndexingService(live, client=client), alias=alias)
    stop.set()
    thread.join(timeout=30)
    assert new != old and not client.indices.exists(index=old)
    assert not failures, failures[:3]
    assert len(answered) > 5 and all(n > 0 for n in answered)
    assert "seed-0" in [h.id for h in searcher.search(word, lang="en", mode="bm25").hits]
    after = client.get(index=alias, id="seed-0")["_source"]
    # A copy, not a re-enrichment: nothing was translated or embedded again.
    assert after["indexed_at"] == before["indexed_at"] and after["content_hash"] == before["content_hash"]


def test_unchanged_synonyms_change_nothing(client: OpenSearch, live: Settings) -> None:
    alias = live.index
    index = alias_target(client, alias)
    assert reload_synonyms(client, alias, live.catalog_languages, live.synonyms_dir, grace_s=0.5) == index


def _publish(client: OpenSearch, alias: str, phase: str, expires_in: float) -> None:
    client.indices.create(index=state_index(alias), body=STATE_BODY, ignore=400)
    client.index(index=state_index(alias), id=STATE_ID, refresh=True, body={
        "kind": "state", "old": "a", "new": "b", "phase": phase, "expires_at": time.time() + expires_in})


def test_writers_wait_for_a_swap_but_not_forever(client: OpenSearch, live: Settings) -> None:
    alias = live.index
    _publish(client, alias, FROZEN, expires_in=60)
    started = time.monotonic()
    with pytest.raises(ClusterUnavailable, match="retried"):
        before_write(client, alias, wait_s=0.5)
    assert 0.5 <= time.monotonic() - started < 5


def test_a_dead_rebuild_does_not_block_writers(client: OpenSearch, live: Settings) -> None:
    alias = live.index
    _publish(client, alias, FROZEN, expires_in=-1)  # its owner died long ago
    started = time.monotonic()
    result = IndexingService(live, client=client).index_products([{"id": "after-death", "title": "Tent"}])
    assert result.indexed == 1 and time.monotonic() - started < 5
