"""``babelshop eval ...``: score the real search on judged queries, compare runs, run the taxonomy benchmark.

    babelshop eval run --queries q.jsonl --qrels qrels.txt --mode hybrid --mode bm25 --out run.jsonl
    babelshop eval diff run_a.jsonl run_b.jsonl --metric mrr@10 --top 20
    babelshop eval taxonomy --limit 50 --json

With ``--json`` the tables go to stderr and stdout ends with one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import cast

import click

from common.settings import get_settings
from evaluation.metrics import METRICS
from evaluation.runner import EvalInputError
from evaluation.taxonomy import DEFAULT_ALIAS, E5_VECTOR, LOCALES, UNTRANSLATED, default_data_dir
from languages.unseen import DICTIONARY_LEVELS
from query_rewriter.contracts import MODES


def _fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _console(as_json: bool):
    from rich.console import Console

    console = Console(stderr=as_json)
    if not console.is_terminal:
        console.width = 160  # piped into a file or a pager: rich's 80 columns would fold every query
    return console


def _summary_table(summary: dict, metrics: tuple[str, ...], title: str):
    """One row per (mode, language) and a bold macro-mean row per mode."""
    from rich.table import Table

    table = Table(title=title)
    for col in ("mode", "lang", "queries", *metrics):
        table.add_column(col, justify="left" if col in ("mode", "lang") else "right")
    for mode, s in summary.items():
        for lang, values in s["languages"].items():
            table.add_row(mode, lang, str(values["queries"]), *(f"{values[m]:.3f}" for m in metrics))
        table.add_row(mode, "mean", str(s["queries"]), *(f"{s['mean'][m]:.3f}" for m in metrics), style="bold",
                      end_section=True)
    return table


def _progress(total: int, label: str):
    return click.progressbar(length=total, label=label, file=sys.stderr)


@click.group("eval")
def eval_group() -> None:
    """Relevance evaluation: nDCG, MRR and recall of the real search on judged queries."""


@eval_group.command("run")
@click.option("--queries", "queries_path", type=click.Path(path_type=Path), required=True,
              help='JSONL: {"qid", "query", "lang"?} per line.')
@click.option("--qrels", "qrels_path", type=click.Path(path_type=Path), required=True,
              help='TREC "qid 0 docid rel" lines or JSONL {"qid", "id", "rel"}.')
@click.option("--index", default=None, help="Alias to search (default BABELSHOP_INDEX or 'products').")
@click.option("--mode", "modes", multiple=True, type=click.Choice(MODES), help="Repeat for several (default: all).")
@click.option("--workers", default=1, show_default=True, help="Searches in flight at once.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the per-query run as JSONL.")
@click.option("--json", "as_json", is_flag=True, help="End stdout with the figures as one JSON object.")
def eval_run(queries_path: Path, qrels_path: Path, index: str | None, modes: tuple[str, ...], workers: int,
             out: Path | None, as_json: bool) -> None:
    """Search every judged query in each mode (100 hits deep) and report nDCG@10, MRR@10,
    Recall@10 and Recall@100 per language and their mean over languages."""
    from evaluation.runner import load_qrels, load_queries, run_queries, summarize, write_run
    from query_rewriter.contracts import QueryError
    from query_rewriter.search import Searcher, SearchUnavailable

    modes = modes or MODES
    try:
        queries, qrels = load_queries(queries_path), load_qrels(qrels_path)
    except EvalInputError as exc:
        _fail(str(exc), 2)
    judged = sum(1 for q in queries if qrels.get(q.qid))
    if not judged:
        _fail(f"none of the {len(queries)} queries in {queries_path} has a judgment in {qrels_path}: "
              "check that both files use the same qids.", 2)
    settings = get_settings().model_copy(update={"query_log": False})
    try:
        with _progress(judged * len(modes), "searching") as bar:
            results = run_queries(Searcher(settings), queries, qrels, modes, index=index, workers=workers,
                                  progress=bar.update)
    except (QueryError, SearchUnavailable) as exc:
        _fail(str(exc))
    summary = summarize(results)
    if out:
        write_run(results, out)
    _console(as_json).print(_summary_table(summary, METRICS, f"{judged} judged queries on {index or settings.index}"))
    if judged < len(queries):
        click.echo(f"{len(queries) - judged} queries without judgments were left out", err=True)
    if as_json:
        click.echo(json.dumps({"index": index or settings.index, "queries": judged, "run": str(out) if out else None,
                               "modes": summary}, ensure_ascii=False))


@eval_group.command("diff")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--metric", default="mrr@10", show_default=True, type=click.Choice(METRICS))
@click.option("--top", default=20, show_default=True, help="Queries shown per direction.")
@click.option("--mode-a", default=None, help="The mode to take from RUN_A when it holds several.")
@click.option("--mode-b", default=None, help="The mode to take from RUN_B when it holds several.")
@click.option("--json", "as_json", is_flag=True)
def eval_diff(run_a: Path, run_b: Path, metric: str, top: int, mode_a: str | None, mode_b: str | None,
              as_json: bool) -> None:
    """Per query, B against A: the queries that improved and regressed most, with the rank of
    their first relevant hit and the top hit in each run. The same file twice with two
    --mode-a/--mode-b compares two modes of one run."""
    from rich.table import Table

    from evaluation.runner import diff_runs, pick_mode, read_run

    try:
        a = pick_mode(read_run(run_a), mode_a, run_a)
        b = pick_mode(read_run(run_b), mode_b, run_b)
        rows, summary = diff_runs(a, b, metric)
    except EvalInputError as exc:
        _fail(str(exc), 2)
    console = _console(as_json)
    console.print(f"{metric}: A {summary['mean_a']:.4f} -> B {summary['mean_b']:.4f} over {summary['queries']} "
                  f"queries; improved {summary['improved']}, regressed {summary['regressed']}, "
                  f"unchanged {summary['unchanged']}; "
                  f"only in A {summary['only_in_a']}, only in B {summary['only_in_b']}")
    shown = {}
    for name, keep in (("improved", lambda r: r.delta > 0), ("regressed", lambda r: r.delta < 0)):
        picked = [r for r in rows if keep(r)][:top]
        shown[name] = picked
        table = Table(title=f"{name} ({len(picked)} shown)")
        for col in ("qid", "lang", "query", "A", "B", "Δ", "rank A", "rank B", "top hit A", "top hit B"):
            text = col in ("query", "top hit A", "top hit B")
            table.add_column(col, overflow="fold", no_wrap=not text, ratio=2 if text else None)
        for r in picked:
            table.add_row(r.qid, r.lang, r.query, f"{r.a:.3f}", f"{r.b:.3f}", f"{r.delta:+.3f}",
                          str(r.rank_a or "-"), str(r.rank_b or "-"), r.top_a or "", r.top_b or "")
        console.print(table)
    if as_json:
        lists = {f"{k}_queries": [{**vars(r), "delta": round(r.delta, 4)} for r in v] for k, v in shown.items()}
        payload = {**summary, **lists}
        click.echo(json.dumps(payload, ensure_ascii=False))


@eval_group.command("taxonomy")
@click.option("--data-dir", type=click.Path(path_type=Path), default=default_data_dir,
              show_default="<repo>/../shared/eval",
              help="Folder holding taxonomy_corpus_en.jsonl and taxonomy_dev_queries.jsonl.")
@click.option("--langs", default=",".join(LOCALES), show_default=True)
@click.option("--limit", type=int, default=None, help="Only the first N queries per language (a quick run).")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="One dev category in N: a quick run spread over the whole taxonomy.")
@click.option("--modes", "modes", multiple=True, type=click.Choice([*MODES, UNTRANSLATED, E5_VECTOR]),
              help=f"Repeat for several (default: hybrid, rrf, bm25, vector and the references {UNTRANSLATED} "
                   f"and {E5_VECTOR}, the baseline: the text as typed, e5 alone, by vector).")
@click.option("--detect", is_flag=True, help="Search without the queries' language, as a shopper's query comes.")
@click.option("--unseen", default="", metavar="LANGS",
              help="Measure these languages (comma-separated, outside the catalog's) as if babelshop had not been "
                   "built for them: only their FreeDict dictionaries, no bridges, no companion encoder.")
@click.option("--unseen-dictionaries", type=click.Choice(DICTIONARY_LEVELS), default="freedict",
              show_default=True, help="What an --unseen language keeps of its dictionaries: those to and from "
                   "English, those and its FreeDict bridges (German, French, Spanish) and kin, or none.")
@click.option("--unseen-companion", is_flag=True,
              help="An --unseen language keeps the companion encoder's reading (a language it was trained on).")
@click.option("--index", "alias", default=DEFAULT_ALIAS, show_default=True, help="Alias of the taxonomy index.")
@click.option("--rebuild", is_flag=True, help="Delete and rebuild the taxonomy index.")
@click.option("--workers", default=2, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the per-query run as JSONL.")
@click.option("--json", "as_json", is_flag=True, help="End stdout with the figures as one JSON object.")
def eval_taxonomy(data_dir: Path, langs: str, limit: int | None, every: int, modes: tuple[str, ...], detect: bool,
                  unseen: str, unseen_dictionaries: str, unseen_companion: bool, alias: str, rebuild: bool,
                  workers: int, out: Path | None, as_json: bool) -> None:
    """The development benchmark of ../shared/eval/README.md: English taxonomy categories as
    products, dev category leaves in eleven languages as queries; MRR@10, Recall@10, nDCG@10
    per language and mode, beside the e5 vector baseline. ``--unseen`` measures dev languages
    as a language the project was not tuned for (languages.unseen)."""
    from evaluation.runner import write_run
    from evaluation.taxonomy import dev_queries, load_taxonomy, parse_locales, run_benchmark
    from languages.unseen import Dictionaries, Unseen, UnseenError, check_unseen
    from query_rewriter.contracts import QueryError
    from query_rewriter.search import SearchUnavailable

    settings = get_settings()
    try:
        locales = parse_locales(langs)
        unseen_codes = check_unseen([c for c in unseen.split(",") if c.strip()], settings.catalog_languages)
        data = load_taxonomy(data_dir)
    except (EvalInputError, UnseenError) as exc:
        _fail(f"--unseen: {exc}" if isinstance(exc, UnseenError) else str(exc), 2)
    spec = Unseen(unseen_codes, cast(Dictionaries, unseen_dictionaries), unseen_companion) if unseen_codes else None
    modes = modes or (*MODES, UNTRANSLATED, E5_VECTOR)
    searches = len(dev_queries(data.dev, locales, limit, every=every)[0]) * len(modes)
    echo = lambda text: click.echo(text, err=True)  # noqa: E731
    try:
        with _progress(searches, "searching") as bar:
            figures, results = run_benchmark(settings, data, locales, modes, limit=limit, alias=alias,
                                             rebuild=rebuild, workers=workers, detect=detect, every=every,
                                             unseen=spec, echo=echo, progress=bar.update)
    except (QueryError, SearchUnavailable) as exc:
        _fail(str(exc))
    if out:
        write_run(results, out)
    console = _console(as_json)
    title = f"taxonomy dev: {sum(figures['queries'].values())} queries ({', '.join(LOCALES[x] for x in locales)})"
    if unseen_codes:
        reading = "with" if unseen_companion else "without"
        title += (f"; as unseen: {', '.join(unseen_codes)} ({unseen_dictionaries} dictionaries, {reading} the "
                  f"companion encoder)")
    console.print(_summary_table(figures["modes"], ("mrr@10", "recall@10", "ndcg@10"), title))
    built = "built" if figures["index_built"] else "reused"
    console.print(f"index {figures['index']}: {figures['documents']} documents, {built} in {figures['index_s']} s; "
                  f"searches {figures['run_s']} s ({figures['searches_per_s']}/s)")
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
