"""``babelshop search``: one query as a table or JSON, or a JSONL batch with models loaded once.

Errors end the command through the CLI's group (babelshop.failures): bad input (a QueryError,
an index built with another encoder) exits 2, a slow, unreachable or overloaded cluster 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from common.jsonl import json_line
from common.settings import get_settings
from query_rewriter.contracts import MODES, Filters, QueryError, SearchResponse


def _table(response: SearchResponse, explain: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    q = response.query
    table = Table(title=f"“{q.normalized}”  lang={q.lang} ({q.lang_method}, {q.lang_confidence:.2f})  "
                        f"mode={response.mode}  {response.total}{'+' if response.total_relation == 'gte' else ''} hits  "
                        f"{response.took_ms:.0f} ms")
    for col in ("#", "id", "title", "lang", "in your language", "score"):
        table.add_column(col, overflow="fold")
    if explain:
        table.add_column("words / meaning")
        table.add_column("matched", overflow="fold")
    captions = []
    if explain and q.vector_readings:
        captions.append("meaning read as: " + "; ".join(q.vector_readings))
    if q.degraded:
        # The lexical query was narrowed to fit the cluster's clause limit: say what was left out.
        captions.append(f"narrowed to fit {q.clause_limit} clauses: " + "; ".join(q.degraded))
    table.caption = "\n".join(captions) or None
    for rank, hit in enumerate(response.hits, 1):
        row = [str(rank), hit.id, hit.title, hit.lang or "", hit.title_localized or "", f"{hit.score:.4f}"]
        if explain and hit.explanation:
            e = hit.explanation
            row += [f"{e.lexical_share:.0%} / {1 - e.lexical_share:.0%}", "; ".join(e.matched[:3])]
        table.add_row(*row)
    console = Console()
    console.print(table)
    if response.facets is not None:
        console.print(_facet_table(response))


def _facet_table(response: SearchResponse):
    """Brand, category and price counts side by side, one bucket per row."""
    from rich.table import Table

    f = response.facets
    table = Table(title=f"facets over {response.total} matches")
    for col in ("brand", "#", "category", "#", "price", "#"):
        table.add_column(col, overflow="fold", justify="right" if col == "#" else "left")
    columns = [[(v.value, str(v.count)) for v in f.brand], [(v.value, str(v.count)) for v in f.category],
               [(b.value, str(b.count)) for b in f.price]]
    for i in range(max((len(c) for c in columns), default=0)):
        row: list[str] = []
        for column in columns:
            row += list(column[i]) if i < len(column) else ["", ""]
        table.add_row(*row)
    return table


def _as_json(response: SearchResponse) -> str:
    return response.model_dump_json(exclude={"query": {"embedding", "body"}})


@click.command()
@click.argument("query", required=False)
@click.option("--index", default=None)
@click.option("--lang", default=None, help="The query's language, if known (otherwise detected).")
@click.option("--size", default=10, show_default=True)
@click.option("--from", "from_", default=0, show_default=True)
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option("--explain", is_flag=True, help="Per hit: lexical and vector scores, weights, matched terms.")
@click.option("--facets", is_flag=True, help="Counts by brand, category top level and price range over every match.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--batch", type=click.Path(path_type=Path), default=None,
              help='JSONL of {"qid", "query", "lang"?}; writes {"qid", "hits": [{"id", "score"}]} per line.')
@click.option("--category", default=None, help="Filter: a category path prefix.")
@click.option("--brand", default=None)
@click.option("--price-min", type=float, default=None)
@click.option("--price-max", type=float, default=None)
@click.option("--product-lang", default=None, help="Filter: only products written in this language.")
def search(query: str | None, index: str | None, lang: str | None, size: int, from_: int, mode: str, explain: bool,
           facets: bool, as_json: bool, batch: Path | None, category: str | None, brand: str | None, price_min: float | None,
           price_max: float | None, product_lang: str | None) -> None:
    """Search the catalog in any language."""
    from query_rewriter.search import Searcher

    try:
        filters = Filters(category=category, brand=brand, price_min=price_min, price_max=price_max,
                          lang=product_lang)
    except (QueryError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    searcher = Searcher(get_settings())
    try:
        if batch is not None:
            _run_batch(searcher, batch, index=index, mode=mode, size=size, filters=filters)
            return
        if query is None:
            raise click.UsageError("Give a QUERY, or --batch FILE.")
        response = searcher.search(query, lang=lang, mode=mode, size=size, from_=from_, filters=filters,
                                   explain=explain, index=index, facets=facets)
    finally:
        searcher.flush_log()
    if as_json:
        click.echo(_as_json(response))
    else:
        _table(response, explain)


def _run_batch(searcher, path: Path, *, index: str | None, mode: str, size: int, filters: Filters) -> None:
    """One output line per input line, same order; a bad line gets an ``error`` instead of hits.
    A cluster that cannot answer, or an index built with another encoder, ends the whole batch."""
    from mappings.install import VectorWidthError
    if not path.exists():
        raise click.UsageError(f"{path}: no such file; give a JSONL file of queries.")
    out = click.get_text_stream("stdout")
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            qid = None
            try:
                item = json_line(line, path, number, ValueError)
                qid = item.get("qid", str(number))
                response = searcher.search(item["query"], lang=item.get("lang"), mode=mode, size=size,
                                           filters=filters, index=index)
                record = {"qid": qid, "hits": [{"id": h.id, "score": h.score} for h in response.hits]}
            except VectorWidthError:
                raise
            except (QueryError, KeyError, ValueError, AttributeError) as exc:
                record = {"qid": qid if qid is not None else str(number), "hits": [],
                          "error": f"line {number}: {exc}"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
