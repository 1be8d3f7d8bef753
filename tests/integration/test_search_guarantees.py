"""The search side of issue 11 ("Guarantees"), against the real engine, which runs the stock
``indices.query.bool.max_clause_count`` of 1,024.

* defect 1: long queries fit the clause limit in every mode, and say what they left out;
* defect 6: a search has one deadline; a stalled cluster is "slow", a refused port "unreachable";
* defect 7: a password in the OpenSearch URL never reaches a message, and still authenticates;
* defect 10 (search side): an index of another vector width fails before anything is embedded;
* defect 15 is in tests/unit/test_clause_budget.py;
* held cases: Lucene syntax and fuzzed text (RTL, emoji, NUL, 1 MB) in every mode, deep paging,
  no user text in a script.

Faults are injected with tests/fault_proxy.py, a loopback proxy in front of the real engine.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from common.settings import Settings
from mappings.install import VectorWidthError
from mappings.install import setup as install
from query_rewriter.builder import lexical_query
from query_rewriter.clause_budget import STOCK_CLAUSE_LIMIT, budget_for, read_clause_limit
from query_rewriter.contracts import MODES, LexicalShape, QueryError
from query_rewriter.search import Searcher, SearchUnavailable
from tests.fault_proxy import FaultProxy
from tests.helpers import SAMPLE_ALIAS

pytestmark = [pytest.mark.integration, pytest.mark.compat]

ROOT = Path(__file__).resolve().parents[2]
ALIAS = SAMPLE_ALIAS  # tests/integration/conftest.py indexes the sample catalog there, unique per session
DEADLINE_S = 1.0
#: Time a CLI process may take to start and import before it meets the cluster.
CLI_STARTUP_S = 25.0
FORTY_WORDS = ("waterproof running shoes for men with a cushioned midsole and a grippy outsole, light trail sneakers "
               "for hiking and jogging, a leather laptop bag, an espresso coffee machine with milk frother and a "
               "stainless steel kettle for the kitchen")
HUNDRED_WORDS = " ".join([FORTY_WORDS] * 3)
ONE_MB = ("running shoes " * 80_000)[:1_048_576]
LONG_QUERIES = {"40-words": FORTY_WORDS, "100-words": HUNDRED_WORDS, "1MB": ONE_MB}


@pytest.fixture(scope="module")
def searcher(settings: Settings, client: OpenSearch, sample_alias: str) -> Searcher:
    return Searcher(settings.model_copy(update={"query_log": False}), client=client)


# --------------------------------------------------------------------------- defect 1: clause budget
def test_the_engine_runs_the_stock_clause_limit(client: OpenSearch) -> None:
    assert read_clause_limit(client) == STOCK_CLAUSE_LIMIT


def test_the_full_forty_word_query_would_fail_and_the_fitted_one_answers(searcher: Searcher, client: OpenSearch,
                                                                         settings: Settings) -> None:
    """The defect as it was: the unnarrowed query is refused by the engine (so the budget is
    needed), the fitted one runs, and the rewrite says what it left out."""
    q = searcher.rewriter.rewrite(FORTY_WORDS, mode="bm25", clause_limit=STOCK_CLAUSE_LIMIT)
    full, _ = lexical_query(q.model_copy(update={"shape": LexicalShape()}), settings.catalog_languages, None)
    with pytest.raises(TransportError, match=r"(?i)clause"):
        client.search(index=ALIAS, body={"query": full, "size": 1})
    assert q.degraded and q.clause_estimate <= budget_for(STOCK_CLAUSE_LIMIT)
    fitted, _ = lexical_query(q, settings.catalog_languages, None)
    assert client.search(index=ALIAS, body={"query": fitted, "size": 1})["hits"]["total"]["value"] > 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(LONG_QUERIES))
def test_long_queries_answer_in_every_mode(searcher: Searcher, name: str, mode: str) -> None:
    response = searcher.search(LONG_QUERIES[name], mode=mode, index=ALIAS, explain=True)
    assert response.hits, f"{name} in {mode} mode found nothing"
    q = response.query
    if mode != "vector":  # the vector mode sends no lexical query
        assert q.clause_limit == STOCK_CLAUSE_LIMIT and q.clause_estimate <= budget_for(STOCK_CLAUSE_LIMIT)
        assert q.degraded, "a 40-word query cannot keep every expansion under 1,024 clauses"
        assert all(h.explanation is not None for h in response.hits)


def test_a_limit_read_wrong_is_corrected_by_the_clusters_refusal(searcher: Searcher, client: OpenSearch,
                                                                 settings: Settings) -> None:
    """Told the cluster allows 100,000 clauses, the searcher sends a query the engine refuses,
    fits it again to the limit the refusal names, and keeps that limit for the next search.
    Three translations per language: the default one alone keeps a long query's leaves, as the
    engine counts them, under the stock limit."""
    from query_rewriter.rewriter import Rewriter

    wide = settings.model_copy(update={"query_log": False, "lexical_translations": 3})
    rewriter = Rewriter(wide, encoder=searcher.rewriter.encoder, translator=searcher.rewriter.translator)
    trusting = Searcher(wide, client=client, rewriter=rewriter, clause_limit=100_000)
    first = trusting.search(FORTY_WORDS, mode="bm25", index=ALIAS)
    assert first.hits and first.query.degraded and "refused" in first.query.degraded[-1]
    assert first.query.clause_limit == STOCK_CLAUSE_LIMIT
    second = trusting.search(FORTY_WORDS + " kettle", mode="hybrid", index=ALIAS)
    assert second.hits and not any("refused" in d for d in second.query.degraded)


_LEAF = re.compile(r"(?:title_i18n|category_i18n)\.[a-z]+:|(?<![\w.])(?:title|brand):")


@pytest.mark.parametrize("text", [FORTY_WORDS, "sneakers laptop phone trainers", "我要买手机和笔记本电脑跑鞋",
                                  "ランニングシューズ 👟 zapatillas para correr", "Laufschuhe für Herren wasserdicht"])
def test_the_estimate_bounds_what_the_engine_counts(searcher: Searcher, client: OpenSearch, settings: Settings,
                                                    text: str) -> None:
    q = searcher.rewriter.rewrite(text, mode="bm25", clause_limit=STOCK_CLAUSE_LIMIT)
    lexical, _ = lexical_query(q, settings.catalog_languages, None)
    found = client.indices.validate_query(index=ALIAS, body={"query": lexical}, explain=True, rewrite=False)
    assert found["valid"], found
    counted = max(len(_LEAF.findall(e["explanation"])) for e in found["explanations"])
    assert 0 < counted <= q.clause_estimate, (counted, q.clause_estimate)


FUZZ_WORDS = ["running", "shoes", "sneakers", "laptop", "跑鞋", "手机", "Laufschuhe", "zapatillas", "حذاء", "רץ",
              "👟", "🏃‍♀️", "\x00", "\u202e", "title:x", "AND", "OR", "NOT", "(", ")", "*:*", "~2", "\\", '"', "{!lucene}",
              "doc['price'].value", "[0 TO *]", "/.*/", "{{x}}", "^10", "+", "-"]
fuzzed = st.one_of(
    st.lists(st.sampled_from(FUZZ_WORDS), min_size=1, max_size=150).map(" ".join),
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
)


def _walk(node: object, key: str | None = None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


@pytest.mark.parametrize("mode", MODES)
@settings(derandomize=True, max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=fuzzed)
@example(text=ONE_MB)
@example(text="\x00" * 1000 + "running shoes" + "\u202e" * 1000)
@example(text=" ".join(["title:shoes AND ( *:* ~2 \\"] * 60))
def test_fuzzed_and_long_text_answers_or_is_refused_clearly(searcher: Searcher, mode: str, text: str) -> None:
    """Held cases: Lucene syntax and fuzzed text in every mode; no user text in a script."""
    try:
        response = searcher.search(text, mode=mode, index=ALIAS, size=5)
    except QueryError as exc:  # nothing searchable in it: a sentence that says so
        assert str(exc).endswith("."), str(exc)
        return
    q = response.query
    assert q.clause_estimate is None or q.clause_estimate <= budget_for(STOCK_CLAUSE_LIMIT)
    for key, value in _walk(q.body):
        assert key not in ("script", "source", "inline"), f"a script in the request: {key}={value!r}"
        if isinstance(value, str) and (value == q.normalized or (len(q.normalized) > 20 and q.normalized in value)):
            assert key == "query", f"user text under {key!r}"


@pytest.mark.parametrize("mode", MODES)
def test_deep_paging_limits_in_every_mode(searcher: Searcher, settings: Settings, mode: str) -> None:
    depth = settings.search_max_depth
    page = searcher.search("shoes", mode=mode, index=ALIAS, size=10, from_=depth - 10)
    assert page.hits == []  # the deepest page answers; the sample catalog holds fewer products than that
    assert searcher.search("shoes", mode=mode, index=ALIAS, size=10).hits, "'shoes' should find products"
    for size, from_ in [(10, depth - 9), (settings.search_max_size + 1, 0), (0, 0), (10, -1)]:
        with pytest.raises(QueryError, match=r"\.$"):
            searcher.search("shoes", mode=mode, index=ALIAS, size=size, from_=from_)


# --------------------------------------------------------------------------- defect 6: time budget
def _proxied(settings: Settings, proxy: FaultProxy, **update: object) -> Settings:
    return settings.model_copy(update={"opensearch_url": proxy.url, "search_timeout_s": DEADLINE_S,
                                       "query_log": False, **update})


def test_forward_mode_proves_the_proxy_carries_searches(searcher: Searcher, settings: Settings) -> None:
    with FaultProxy(mode="forward") as proxy:
        through = Searcher(_proxied(settings, proxy), rewriter=searcher.rewriter)
        assert through.search("running shoes", index=ALIAS).hits
        assert proxy.connections >= 1 and b"POST /" in proxy.received


def test_a_stalled_cluster_ends_the_search_on_time_and_is_called_slow(searcher: Searcher,
                                                                      settings: Settings) -> None:
    with FaultProxy(mode="stall") as proxy:
        stalled = Searcher(_proxied(settings, proxy), rewriter=searcher.rewriter)
        started = time.monotonic()
        with pytest.raises(SearchUnavailable) as info:
            stalled.search("running shoes", index=ALIAS)
        elapsed = time.monotonic() - started
    assert info.value.reason == "slow" and info.value.exit_code == 3
    assert "slow" in str(info.value) and "BABELSHOP_SEARCH_TIMEOUT_S" in str(info.value)
    assert DEADLINE_S * 0.9 <= elapsed < DEADLINE_S + 1.0, elapsed


def test_a_cluster_that_stalls_mid_way_still_ends_within_one_deadline(searcher: Searcher,
                                                                       settings: Settings) -> None:
    """The first search passes (clause limit read, width checked); the next one meets a stall on
    its own request, on a kept-alive connection, and the retries do not multiply the wait."""
    with FaultProxy(mode="forward") as proxy:
        flaky = Searcher(_proxied(settings, proxy, search_retries=3), rewriter=searcher.rewriter)
        flaky.search("running shoes", index=ALIAS)
        proxy.mode = "stall"
        started = time.monotonic()
        with pytest.raises(SearchUnavailable) as info:
            flaky.search("leather laptop bag", index=ALIAS, explain=True)
        elapsed = time.monotonic() - started
    assert info.value.reason == "slow"
    assert elapsed < DEADLINE_S + 1.0, elapsed


def test_a_refused_port_is_unreachable_and_fails_fast(searcher: Searcher, settings: Settings) -> None:
    with FaultProxy(mode="refuse") as proxy:
        down = Searcher(_proxied(settings, proxy), rewriter=searcher.rewriter)
        started = time.monotonic()
        with pytest.raises(SearchUnavailable) as info:
            down.search("running shoes", index=ALIAS)
        elapsed = time.monotonic() - started
    assert info.value.reason == "unreachable" and info.value.exit_code == 3
    assert "Cannot reach" in str(info.value) and proxy.url in str(info.value)
    assert elapsed < DEADLINE_S + 0.5, elapsed


class _ShardsLost:
    """The real client, whose first ``failing`` searches come back as OpenSearch answers when
    shards are lost under a search (a node dies, a copy moves): status 200, ``_shards.failed``
    set, and the lost shards' hits missing (all of them when none answered)."""

    def __init__(self, client: OpenSearch, *, failing: int, answered: int) -> None:
        self._client, self.failing, self.answered = client, failing, answered
        self.searches = 0

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def search(self, **kwargs):
        raw = self._client.search(**kwargs)
        self.searches += 1
        if self.searches <= self.failing:
            total = raw["_shards"]["total"]
            raw["_shards"] = {"total": total, "successful": self.answered, "skipped": 0,
                              "failed": total - self.answered,
                              "failures": [{"shard": 0, "index": ALIAS, "reason": {
                                  "type": "node_disconnected_exception", "reason": "node left the cluster"}}]}
            if not self.answered:
                raw["hits"]["hits"] = []
        return raw


def test_a_search_that_lost_shards_is_asked_again(searcher: Searcher, settings: Settings,
                                                  client: OpenSearch) -> None:
    """A 200 with failed shards is not an answer: asked again, the copies answer in full."""
    lost = _ShardsLost(client, failing=1, answered=0)
    again = Searcher(settings.model_copy(update={"query_log": False}), client=lost, rewriter=searcher.rewriter)
    response = again.search("running shoes", index=ALIAS, mode="bm25")
    assert response.hits and lost.searches == 2
    assert not any("shards" in note for note in response.query.degraded)


def test_shards_still_lost_give_what_the_others_found_and_say_so(searcher: Searcher, settings: Settings,
                                                                 client: OpenSearch) -> None:
    lost = _ShardsLost(client, failing=100, answered=1)
    partial = Searcher(settings.model_copy(update={"query_log": False, "search_retries": 1}), client=lost,
                       rewriter=searcher.rewriter)
    response = partial.search("running shoes", index=ALIAS, mode="bm25")
    assert response.hits and lost.searches == 2  # one retry, then the partial answer
    assert any("shards did not answer" in note for note in response.query.degraded)


def test_no_shard_answering_is_an_outage_not_an_empty_result(searcher: Searcher, settings: Settings,
                                                            client: OpenSearch) -> None:
    lost = _ShardsLost(client, failing=100, answered=0)
    down = Searcher(settings.model_copy(update={"query_log": False, "search_retries": 1}), client=lost,
                    rewriter=searcher.rewriter)
    with pytest.raises(SearchUnavailable) as info:
        down.search("running shoes", index=ALIAS, mode="bm25")
    assert info.value.exit_code == 3 and "shards failed" in str(info.value), str(info.value)


def _cli(*args: str, url: str, timeout_s: float = DEADLINE_S) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "BABELSHOP_OPENSEARCH_URL": url, "BABELSHOP_SEARCH_TIMEOUT_S": str(timeout_s),
           "BABELSHOP_QUERY_LOG": "false"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "babelshop.cli", *args], capture_output=True, text=True,
                            encoding="utf-8", errors="replace", cwd=ROOT, env=env, timeout=300, check=False)
    return result, time.monotonic() - started


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_cli_against_a_stalled_cluster_says_slow_and_exits_3() -> None:
    with FaultProxy(mode="stall") as proxy:
        result, elapsed = _cli("search", "running shoes", "--index", ALIAS, url=proxy.url)
    line = _error_line(result)
    assert result.returncode == 3, result.stderr
    assert "slow" in line and "Cannot reach" not in line, line
    assert elapsed < DEADLINE_S + CLI_STARTUP_S, elapsed


def test_cli_against_a_refused_port_says_unreachable_and_exits_3() -> None:
    with FaultProxy(mode="refuse") as proxy:
        result, _ = _cli("search", "running shoes", "--index", ALIAS, url=proxy.url)
    line = _error_line(result)
    assert result.returncode == 3, result.stderr
    assert "Cannot reach" in line and "slow" not in line, line


@pytest.mark.parametrize("args", [["--size", "0"], ["--from", "5000"]])
def test_cli_bad_input_exits_2_even_when_the_cluster_is_down(args: list[str]) -> None:
    with FaultProxy(mode="refuse") as proxy:
        result, _ = _cli("search", "running shoes", *args, url=proxy.url)
    _error_line(result)
    assert result.returncode == 2, result.stderr


# --------------------------------------------------------------------------- defect 7: secrets
@pytest.mark.parametrize("command", [["search", "running shoes", "--index", ALIAS], ["setup", "--index", ALIAS]])
def test_cli_errors_mask_the_password_in_the_url(command: list[str]) -> None:
    with FaultProxy(mode="refuse", userinfo="user:secret") as proxy:
        result, _ = _cli(*command, url=proxy.url)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "secret" not in output, output
    assert f"user:***@127.0.0.1:{proxy.port}" in output, output


def test_credentials_in_the_url_still_authenticate_and_never_show(searcher: Searcher, settings: Settings) -> None:
    with FaultProxy(mode="forward", userinfo="user:secret") as proxy:
        through = Searcher(_proxied(settings, proxy), rewriter=searcher.rewriter)
        assert through.search("running shoes", index=ALIAS).hits
        header = b"authorization: basic " + base64.b64encode(b"user:secret")
        assert header.lower() in bytes(proxy.received).lower()
        assert "secret" not in repr(through.client) and "secret" not in repr(through.settings)
    with FaultProxy(mode="refuse", userinfo="user:secret") as proxy:
        down = Searcher(_proxied(settings, proxy), rewriter=searcher.rewriter)
        with pytest.raises(SearchUnavailable) as info:
            down.search("running shoes", index=ALIAS)
    assert "secret" not in str(info.value) and "user:***@" in str(info.value)


# --------------------------------------------------------------------------- defect 10: vector width
class _CountingEncoder:
    """Stands in for the encoder to count what would be embedded (the check must come first)."""

    id = "counting"
    max_alternatives = 3

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.calls = 0

    def encode_queries(self, texts):
        self.calls += 1
        raise AssertionError("embedded before the width check")

    def encode_alternatives(self, groups):
        return self.encode_queries(groups)

    def encode_query_and_alternatives(self, text, alternatives):
        return self.encode_queries([text])[0], self.encode_alternatives([alternatives])[0]


def test_an_index_of_another_width_fails_before_anything_is_embedded(client: OpenSearch, settings: Settings,
                                                                     index_name: str) -> None:
    from query_rewriter.rewriter import Rewriter

    install(client, index_name, settings.catalog_languages, 8)
    encoder = _CountingEncoder(4)
    local = settings.model_copy(update={"query_log": False})
    searcher = Searcher(local, client=client, rewriter=Rewriter(local, encoder=encoder, translator=object()))
    with pytest.raises(VectorWidthError) as info:
        searcher.search("running shoes", index=index_name)
    assert "8-dimensional" in str(info.value) and "makes 4" in str(info.value)
    assert info.value.exit_code == 2 and encoder.calls == 0


def test_cli_width_mismatch_exits_2_naming_both_widths(client: OpenSearch, settings: Settings,
                                                       index_name: str) -> None:
    from encoders import load_encoder

    install(client, index_name, settings.catalog_languages, 8)
    result, _ = _cli("search", "running shoes", "--index", index_name, url=settings.opensearch_url, timeout_s=10)
    line = _error_line(result)
    assert result.returncode == 2, result.stderr
    assert "8-dimensional" in line and str(load_encoder(settings).dimension) in line, line
