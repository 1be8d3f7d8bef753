"""Any shopper input gives results or a clear error, never a server error or a stack trace
(issue: search safety). Runs against the real engine and the sample catalog (indexed by the ``sample_alias`` fixture)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from common.settings import Settings
from query_rewriter.contracts import QueryError, SearchResponse
from query_rewriter.search import Searcher
from tests.helpers import SAMPLE_ALIAS

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("sample_alias")]

ROOT = Path(__file__).resolve().parents[2]
ALIAS = SAMPLE_ALIAS  # tests/integration/conftest.py indexes the sample catalog there, unique per session
CATALOG_SIZE = 600
CLI_TIMEOUT_S = 300

LONG_TEXT = ("waterproof running shoes for men with a cushioned midsole and a grippy outsole " * 200)[:10_000]

#: (test id, text, must the search refuse it with a QueryError?) Refused is exactly what has no
#: letters or digits; everything else answers (the vector half always finds neighbours).
INPUTS = [
    ("empty", "", True),
    ("spaces", "     ", True),
    ("whitespace-mix", " \t\n\r \u3000 ", True),
    ("emoji-only", "👟👟", True),
    ("zero-width-only", "\u200b\u200c\u200d\ufeff\u200e\u200f", True),
    ("punctuation-only", "?!...---", True),
    ("text-10000-chars", LONG_TEXT, False),
    ("emoji-with-text", "👟 running shoes 👟", False),
    ("emoji-with-zh", "跑鞋👟", False),
    ("arabic", "حذاء رياضي للجري", False),
    ("hebrew", "נעלי ריצה לגברים", False),
    ("control-chars", "\x00\x07abc\x1b[31m", False),
    ("control-chars-with-words", "running\x00shoes\x1b[0m\x7f", False),
    ("zero-width-inside-word", "run\u200bning sh\u200does\ufeff", False),
    ("bidi-override", "\u202eseohs gninnur\u202c \u2066Rucksack\u2069", False),
    ("lucene-unbalanced", "title:shoes AND (", False),
    ("lucene-match-all", "*:*", True),
    ("lucene-fuzzy-backslash", "shoes~2 OR \\", False),
    ("lucene-local-params", "{!lucene}", False),
    ("unterminated-quote", '"unterminated', False),
    ("lucene-range-regex", "price:[0 TO *] /.*/ title:/[a-z]+/", False),
    ("json-query", '{"query": {"match_all": {}}}', False),
    ("painless-script", "doc['price'].value * 2", False),
    ("mustache", "{{#toJson}}params{{/toJson}}", False),
    ("sql-injection", "'; DROP TABLE products; --", False),
    ("sql-or-true", "shoes' OR '1'='1", False),
    ("html-script", "<script>alert(1)</script> shoes", False),
    ("long-single-token", "a" * 5000, False),
    ("long-single-cjk-token", "跑" * 3000, False),
    ("mixed-scripts", "Nike 跑鞋 Laufschuhe ランニング zapatillas кроссовки حذاء", False),
    ("cyrillic", "беговые кроссовки", False),
    ("fullwidth", "ｒｕｎｎｉｎｇ　ｓｈｏｅｓ", False),
    ("combining-marks", "cafe\u0301tie\u0300re", False),
    ("lone-surrogate", "shoes \ud83d", False),
    ("private-use", "\ue000\ue001 backpack", False),
    ("numbers-only", "12345", False),
    ("path-traversal", "../../etc/passwd", False),
]

#: A few of the inputs sent through the command line (NUL and lone surrogates cannot be argv).
CLI_INPUTS = ["", "   ", "👟👟", "title:shoes AND (", "*:*", "{!lucene}", '"unterminated',
              '{"query": {"match_all": {}}}', "doc['price'].value * 2", "'; DROP TABLE products; --",
              "\u202eseohs\u200b gninnur", "\x07abc\x1b[31m", "حذاء رياضي", "跑鞋👟"]
CLI_MUST_REFUSE = {"", "   ", "👟👟", "*:*"}


@pytest.fixture(scope="module")
def searcher(settings: Settings, client: OpenSearch) -> Iterator[Searcher]:
    searcher = Searcher(settings, client=client)
    yield searcher
    searcher.flush_log()  # before the sample alias and its query log are removed, or a late entry recreates the log


def _assert_sentence(message: str) -> None:
    """A message a shopper can read: one line of words that ends like a sentence, no internals."""
    assert message and message == message.strip(), repr(message)
    assert len(message.split()) >= 3, repr(message)
    assert message[-1] in ".!?", f"not a sentence: {message!r}"
    assert "Traceback" not in message and "\n" not in message, repr(message)


def _assert_page(response: SearchResponse, size: int = 10) -> None:
    """A real page of results: some hits, no more than asked, each product once, best first."""
    assert 0 < len(response.hits) <= size, f"{len(response.hits)} hits for a page of {size}"
    assert response.total >= len(response.hits)
    ids = [h.id for h in response.hits]
    assert len(set(ids)) == len(ids), f"a product twice on one page: {ids}"
    scores = [h.score for h in response.hits]
    assert scores == sorted(scores, reverse=True), scores


def _search(searcher: Searcher, text: str, **options: object) -> SearchResponse | QueryError:
    try:
        return searcher.search(text, index=ALIAS, **options)  # type: ignore[arg-type]
    except QueryError as exc:
        return exc
    except Exception as exc:
        pytest.fail(f"{text[:80]!r}: {type(exc).__name__} is not allowed (only QueryError): {exc}")


@pytest.mark.parametrize(("text", "must_refuse"), [pytest.param(t, r, id=i) for i, t, r in INPUTS])
def test_any_input_gives_results_or_a_query_error(searcher: Searcher, text: str, must_refuse: bool) -> None:
    outcome = _search(searcher, text)
    if must_refuse:
        assert isinstance(outcome, QueryError), f"{text!r} should be refused with a QueryError, got {outcome.total} hits"
        _assert_sentence(str(outcome))
        return
    assert isinstance(outcome, SearchResponse), f"{text[:80]!r} was refused: {outcome}"
    _assert_page(outcome)
    json.loads(outcome.model_dump_json(exclude={"query": {"embedding", "body"}}))


@pytest.mark.parametrize("mode", ["rrf", "bm25", "vector"])
@pytest.mark.parametrize("text", ["title:shoes AND (", "*:*", '{"query": {"match_all": {}}}',
                                  "doc['price'].value * 2", "a" * 5000, "👟 running shoes", ""])
def test_other_modes_are_as_safe(searcher: Searcher, text: str, mode: str) -> None:
    outcome = _search(searcher, text, mode=mode, explain=True)
    if text.strip("*: ") == "":  # nothing searchable
        assert isinstance(outcome, QueryError), f"{text!r} in {mode} mode should be refused, got {outcome.total} hits"
        _assert_sentence(str(outcome))
        return
    assert isinstance(outcome, SearchResponse), f"{text[:80]!r} in {mode} mode was refused: {outcome}"
    assert outcome.mode == mode
    _assert_page(outcome)
    assert all(h.explanation is not None for h in outcome.hits), "explain=True and a hit without its explanation"


@pytest.mark.parametrize(("size", "from_"), [(0, 0), (101, 0), (10, 995), (-1, 0), (10, -1)])
def test_paging_limits_raise_a_query_error(searcher: Searcher, size: int, from_: int) -> None:
    with pytest.raises(QueryError) as info:
        searcher.search("running shoes", size=size, from_=from_, index=ALIAS)
    _assert_sentence(str(info.value))


def test_paging_inside_the_limits_works(searcher: Searcher) -> None:
    largest = searcher.search("shoes", size=100, index=ALIAS)
    assert largest.total >= 100, f"the sample catalog should answer 'shoes' with a full page, got {largest.total}"
    _assert_page(largest, size=100)
    assert len(largest.hits) == 100
    second = searcher.search("shoes", size=10, from_=10, index=ALIAS)
    assert [h.id for h in second.hits] == [h.id for h in largest.hits[10:20]], "page 2 is not hits 11-20"
    # The deepest page allowed answers, empty: the sample catalog holds fewer products than that.
    assert searcher.search("shoes", size=10, from_=990, index=ALIAS).hits == []


def test_unknown_mode_is_a_query_error(searcher: Searcher) -> None:
    with pytest.raises(QueryError) as info:
        searcher.search("running shoes", mode="match_all", index=ALIAS)
    _assert_sentence(str(info.value))


@pytest.mark.parametrize(("text", "must_refuse"), [("*:*", True), ("*", True), ("title:*", False), ("_id:*", False)])
def test_match_all_syntax_does_not_return_the_whole_catalog(searcher: Searcher, text: str, must_refuse: bool) -> None:
    """Nothing but syntax is refused; a field name is searched as a word, never as a match_all."""
    outcome = _search(searcher, text, size=100)
    if must_refuse:
        assert isinstance(outcome, QueryError), f"{text!r} should be refused, got {outcome.total} hits"
        _assert_sentence(str(outcome))
        return
    assert isinstance(outcome, SearchResponse), f"{text!r} was refused: {outcome}"
    _assert_page(outcome, size=100)
    assert outcome.total < CATALOG_SIZE, f"{text!r} matched {outcome.total} products, like a match_all"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "babelshop.cli", "search", *args], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", cwd=ROOT, timeout=CLI_TIMEOUT_S,
                          check=False)


@pytest.mark.parametrize("text", CLI_INPUTS, ids=[f"cli-{n}" for n in range(len(CLI_INPUTS))])
def test_cli_search_prints_json_or_a_clear_error(text: str) -> None:
    result = _cli(text, "--json", "--index", ALIAS)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    if text not in CLI_MUST_REFUSE:
        assert result.returncode == 0, f"{text!r}: exit {result.returncode}: {output}"
        payload = json.loads(result.stdout)
        assert isinstance(payload["hits"], list) and payload["hits"], payload
        assert "embedding" not in payload["query"]
    else:
        assert result.returncode == 2, f"{text!r} should be refused (exit 2), got exit {result.returncode}: {output}"
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors, f"no 'error:' line on stderr: {result.stderr!r}"
        _assert_sentence(errors[0].removeprefix("error:").strip())
        assert result.stdout.strip() == "", result.stdout


def test_cli_survives_an_argument_that_is_not_utf8() -> None:
    # A terminal in another encoding sends bytes Python decodes to lone surrogates (surrogateescape).
    result = subprocess.run([sys.executable, "-m", "babelshop.cli", "search", b"running shoes \xff\xfe", "--json",
                             "--index", ALIAS],
                            capture_output=True, cwd=ROOT, timeout=CLI_TIMEOUT_S, check=False)
    output = (result.stdout + result.stderr).decode("utf-8", errors="replace")
    assert "Traceback" not in output, output
    assert result.returncode == 0, output  # the undecodable bytes are dropped; "running shoes" is searched
    hits = json.loads(result.stdout)["hits"]
    assert isinstance(hits, list) and hits, output


def test_cli_paging_limit_is_a_clear_error() -> None:
    result = _cli("running shoes", "--json", "--size", "101")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert any(line.startswith("error:") for line in result.stderr.splitlines()), result.stderr


def test_cli_batch_keeps_order_and_qids(tmp_path: Path) -> None:
    queries = [{"qid": "q-shoes", "query": "running shoes"},
               {"qid": "q-blank", "query": "   "},
               {"qid": "q-coffee", "query": "咖啡机", "lang": "zh"}]
    path = tmp_path / "queries.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
    result = _cli("--batch", str(path), "--index", ALIAS)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == len(queries), result.stdout
    records = [json.loads(line) for line in lines]
    assert [r["qid"] for r in records] == [q["qid"] for q in queries]
    for record in records:
        assert isinstance(record["hits"], list), record
    assert records[0]["hits"] and records[2]["hits"], records
    assert records[1]["hits"] == [] and records[1].get("error"), records[1]
    assert "Traceback" not in records[1]["error"]
