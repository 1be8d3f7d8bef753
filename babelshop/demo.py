"""``babelshop demo``: the main job on embedded defaults, end to end."""

from __future__ import annotations

import click

from babelcore.settings import get_settings

DEMO_QUERIES = [
    ("跑鞋", "Chinese shopper, running shoes"),
    ("zapatillas de running", "Spanish shopper"),
    ("Kaffeemaschine", "German shopper, coffee maker"),
    ("sac à dos", "French shopper, backpack"),
    ("ヘッドホン", "Japanese shopper, headphones"),
    ("winter jacket", "English shopper"),
]


@click.command()
@click.option("--port", default=9200, show_default=True)
@click.option("--size", default=5, show_default=True)
def demo(port: int, size: int) -> None:
    """Start the engine, set up the index, ingest the sample catalog, run cross-lingual searches."""
    from rich.console import Console
    from rich.table import Table

    from babelcore.encoders import load_encoder
    from babelcore.opensearch_client import make_client
    from babelshop.ingest import ingest_inline
    from babelshop.sample import SAMPLE_CATALOG
    from engine.process import start
    from mappings.install import setup
    from query_rewriter.search import Searcher

    console = Console()
    status = start(port=port)
    console.print(f"[bold]engine[/] OpenSearch {status.version} at {status.url}")
    settings = get_settings().model_copy(update={"opensearch_url": status.url})
    client = make_client(settings)
    report = setup(client, settings.index, settings.catalog_languages, load_encoder(settings).dimension,
                   shards=settings.index_shards)
    console.print(f"[bold]setup[/] {report.alias} -> {report.index}")
    with console.status("ingesting the sample catalog (translate, embed, index)..."):
        result = ingest_inline(SAMPLE_CATALOG, settings)
    console.print(f"[bold]ingest[/] read {result.received}, indexed {result.indexed}, unchanged {result.unchanged}, "
                  f"rejected {len(result.rejected)}")
    searcher = Searcher(settings, client=client)
    table = Table(title="babelshop: cross-lingual search (hybrid BM25 + vector, inside OpenSearch)")
    for col in ("query", "who", "#", "product (original)", "lang", "in the shopper's language", "words/meaning"):
        table.add_column(col, overflow="fold")
    for query, who in DEMO_QUERIES:
        response = searcher.search(query, size=size, explain=True)
        for rank, hit in enumerate(response.hits, 1):
            share = hit.explanation.lexical_share if hit.explanation else 0.0
            table.add_row(query if rank == 1 else "", who if rank == 1 else "", str(rank), hit.title, hit.lang or "",
                          hit.title_localized or "", f"{share:.0%}/{1 - share:.0%}")
        table.add_section()
    console.print(table)
    searcher.flush_log()
