"""Run a query set through the real search and score it; read and write runs; diff two runs.

    queries = load_queries(Path("queries.jsonl"))     # {"qid", "query", "lang"?} per line
    qrels = load_qrels(Path("qrels.txt"))              # TREC "qid 0 docid rel" or JSONL {"qid","id","rel"}
    results = run_queries(Searcher(settings), queries, qrels, modes=("hybrid", "bm25"), index="products")
    summary = summarize(results)                       # {mode: {"languages": {lang: {...}}, "mean": {...}}}
    write_run(results, Path("run.jsonl"))              # one line per (mode, query), for ``diff_runs``
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common.jsonl import json_lines
from evaluation.metrics import METRICS, evaluate, first_relevant_rank, mean

DEFAULT_SIZE = 100
TOP_TITLES = 3  # titles kept per query in a run file: enough to see what came first, and why


class EvalInputError(ValueError):
    """A query, qrels or run file cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Query:
    """A judged query; ``lang`` is passed to the search, ``group`` (default ``lang``) is the
    language its result is reported under, e.g. when the search has to detect the language."""

    qid: str
    query: str
    lang: str | None = None
    group: str | None = None


@dataclass
class QueryResult:
    """One query in one mode: what came back and how it scored."""

    qid: str
    mode: str
    query: str
    lang: str  # the given language, else the detected one: the group it is reported under
    ranked: list[str]
    metrics: dict[str, float]
    first_relevant: int | None
    relevant: int
    detected: str | None = None
    translations: dict[str, str] = field(default_factory=dict)  # best translation per target language
    top_titles: list[str] = field(default_factory=list)
    error: str | None = None


def _jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    if not path.exists():
        msg = f"{path}: no such file; give the path of an existing JSONL file."
        raise EvalInputError(msg)
    for n, row in json_lines(path, EvalInputError):
        if not isinstance(row, dict):
            msg = f"{path}:{n}: expected a JSON object, got {type(row).__name__}."
            raise EvalInputError(msg)
        yield n, row


def load_queries(path: Path) -> list[Query]:
    """Queries from JSONL lines ``{"qid", "query", "lang"?}``."""
    queries = []
    for n, row in _jsonl(path):
        if row.get("qid") is None or not str(row.get("query") or "").strip():
            msg = f'{path}:{n}: a query line needs "qid" and a non-empty "query", e.g. {{"qid": "1", "query": "跑鞋"}}.'
            raise EvalInputError(msg)
        queries.append(Query(str(row["qid"]), str(row["query"]), row.get("lang") or None))
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, float]]:
    """Judgments ``{qid: {docid: rel}}`` from TREC lines ``qid 0 docid rel`` or JSONL ``{"qid","id","rel"}``."""
    if not path.exists():
        msg = f"{path}: no such qrels file; give TREC lines 'qid 0 docid rel' or JSONL {{\"qid\",\"id\",\"rel\"}}."
        raise EvalInputError(msg)
    qrels: dict[str, dict[str, float]] = defaultdict(dict)
    first = next((line for line in path.open(encoding="utf-8") if line.strip()), "")
    if first.lstrip().startswith("{"):
        for n, row in _jsonl(path):
            if row.get("qid") is None or row.get("id") is None:
                msg = f'{path}:{n}: a qrels line needs "qid" and "id" (and "rel", default 1).'
                raise EvalInputError(msg)
            qrels[str(row["qid"])][str(row["id"])] = float(row.get("rel", 1))
        return dict(qrels)
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            qid, _, doc, rel = parts
            qrels[qid][doc] = float(rel)
        except ValueError as exc:
            msg = f"{path}:{n}: expected 'qid 0 docid rel' (4 fields, rel a number), got {line.strip()!r}."
            raise EvalInputError(msg) from exc
    return dict(qrels)


def run_queries(searcher, queries: Sequence[Query], qrels: dict[str, dict[str, float]],
                modes: Sequence[str], *, index: str | None = None, size: int = DEFAULT_SIZE, workers: int = 1,
                progress: Callable[[int], None] | None = None) -> list[QueryResult]:
    """Every judged query in every mode, ``size`` hits deep; results ordered by mode, then query.

    Queries without judgments are left out (they have nothing to score). ``workers`` > 1 runs
    searches on threads: the Searcher is thread-safe and OpenSearch answers in parallel.
    """
    judged = [q for q in queries if qrels.get(q.qid)]
    # Query-major order: each query's modes run back to back, so the rewriter's bounded caches
    # (query vectors, translations) serve the later modes even on query sets larger than them.
    tasks = [(mode, q) for q in judged for mode in modes]

    def one(task: tuple[str, Query]) -> QueryResult:
        result = _search_one(searcher, task[1], task[0], qrels[task[1].qid], index=index, size=size)
        if progress:
            progress(1)
        return result

    if workers <= 1:
        results = [one(t) for t in tasks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, tasks))
    order = {mode: i for i, mode in enumerate(modes)}
    return sorted(results, key=lambda r: order[r.mode])  # stable: queries keep their order per mode


def _search_one(searcher, q: Query, mode: str, judgments: dict[str, float], *, index: str | None,
                size: int) -> QueryResult:
    from query_rewriter.contracts import QueryError

    try:
        response = searcher.search(q.query, lang=q.lang, mode=mode, size=size, index=index)
    except QueryError as exc:
        # A query with nothing to search (no letters) scores 0, says why, and the run goes on.
        # OpenSearch refusing the request (missing index, bad mapping) would fail every query:
        # that one, raised from the client's error, stops the run.
        if exc.__cause__ is not None:
            raise
        return QueryResult(q.qid, mode, q.query, q.group or q.lang or "?", [], evaluate([], judgments), None,
                           _count(judgments), error=str(exc))
    ranked = [h.id for h in response.hits]
    rq = response.query
    return QueryResult(
        qid=q.qid, mode=mode, query=q.query, lang=q.group or q.lang or rq.lang, ranked=ranked,
        metrics=evaluate(ranked, judgments), first_relevant=first_relevant_rank(ranked, judgments),
        relevant=_count(judgments), detected=rq.lang,
        translations={lang: alts[0].text for lang, alts in rq.translations.items() if alts},
        top_titles=[h.title for h in response.hits[:TOP_TITLES]])


def _count(judgments: dict[str, float]) -> int:
    return sum(1 for r in judgments.values() if r > 0)


def summarize(results: Iterable[QueryResult], metrics: Sequence[str] = METRICS) -> dict[str, dict]:
    """Per mode: each language's mean of every metric, and their macro mean over languages.

    The mean is over languages, not queries, so a language with many queries does not drown
    the others.
    """
    groups: dict[str, dict[str, list[QueryResult]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        groups[r.mode][r.lang].append(r)
    summary: dict[str, dict] = {}
    for mode, by_lang in groups.items():
        languages = {lang: {"queries": len(rs), **{m: round(mean(r.metrics[m] for r in rs), 4) for m in metrics}}
                     for lang, rs in sorted(by_lang.items())}
        macro = {m: round(mean(v[m] for v in languages.values()), 4) for m in metrics}
        summary[mode] = {"languages": languages, "mean": macro,
                         "queries": sum(v["queries"] for v in languages.values()),
                         "errors": sum(1 for rs in by_lang.values() for r in rs if r.error)}
    return summary


def write_run(results: Iterable[QueryResult], path: Path) -> int:
    """Write one JSON line per result; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_run(path: Path) -> list[QueryResult]:
    """A run written by ``write_run`` (``babelshop eval run --out``)."""
    out = []
    for n, row in _jsonl(path):
        try:
            out.append(QueryResult(**row))
        except TypeError as exc:
            msg = f"{path}:{n}: not a run line ({exc}); write runs with 'babelshop eval run --out FILE'."
            raise EvalInputError(msg) from exc
    return out


@dataclass
class DiffRow:
    qid: str
    query: str
    lang: str
    a: float
    b: float
    rank_a: int | None
    rank_b: int | None
    top_a: str | None
    top_b: str | None

    @property
    def delta(self) -> float:
        return self.b - self.a


def pick_mode(results: list[QueryResult], mode: str | None, path: Path) -> list[QueryResult]:
    """The results of one mode: ``mode``, or the only mode the run holds."""
    modes = sorted({r.mode for r in results})
    if mode is None:
        if len(modes) > 1:
            msg = f"{path} holds modes {', '.join(modes)}: choose one (--mode-a / --mode-b)."
            raise EvalInputError(msg)
        return results
    kept = [r for r in results if r.mode == mode]
    if not kept:
        msg = f"{path} has no results for mode '{mode}': it holds {', '.join(modes) or 'nothing'}."
        raise EvalInputError(msg)
    return kept


def diff_runs(a: list[QueryResult], b: list[QueryResult], metric: str) -> tuple[list[DiffRow], dict]:
    """Per-query ``metric`` of run B against run A over the queries both hold, largest change first,
    and a summary (means, improved / regressed / unchanged counts, queries in one run only)."""
    if a and metric not in a[0].metrics:
        msg = f"Unknown metric '{metric}': the runs hold {', '.join(a[0].metrics)}."
        raise EvalInputError(msg)
    by_a = {r.qid: r for r in a}
    by_b = {r.qid: r for r in b}
    rows = []
    for qid in by_a.keys() & by_b.keys():
        ra, rb = by_a[qid], by_b[qid]
        rows.append(DiffRow(qid, ra.query, ra.lang, ra.metrics[metric], rb.metrics[metric], ra.first_relevant,
                            rb.first_relevant, ra.top_titles[0] if ra.top_titles else None,
                            rb.top_titles[0] if rb.top_titles else None))
    rows.sort(key=lambda r: (-abs(r.delta), r.qid))
    summary = {
        "metric": metric, "queries": len(rows),
        "mean_a": round(mean(r.a for r in rows), 4), "mean_b": round(mean(r.b for r in rows), 4),
        "improved": sum(1 for r in rows if r.delta > 1e-9), "regressed": sum(1 for r in rows if r.delta < -1e-9),
        "only_in_a": len(by_a.keys() - by_b.keys()), "only_in_b": len(by_b.keys() - by_a.keys()),
    }
    summary["unchanged"] = len(rows) - summary["improved"] - summary["regressed"]
    return rows, summary
