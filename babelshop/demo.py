"""``babelshop demo``: the main job on embedded defaults, end to end, with the HTTP search
service started beside it (same process, same models) for a browser or curl to try."""

from __future__ import annotations

import sys
import time

import click

from common.settings import get_settings

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
@click.option("--serve-port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the search service started beside the demo (0: any free port).")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Start the search service and keep it running after the demo until Ctrl-C.")
def demo(port: int, size: int, serve_port: int, serve: bool) -> None:
    """Start the engine, set up the index, ingest the sample catalog, run cross-lingual searches;
    then serve them over HTTP (babelshop serve) until Ctrl-C."""
    from rich.console import Console
    from rich.table import Table

    from babelshop.sample import SAMPLE_CATALOG
    from common.opensearch_client import make_client
    from encoders import load_encoder
    from engine.process import start
    from indexer.ingest import ingest_inline
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
    server = None
    if serve:
        from service.app import create_app
        from service.server import ServerThread

        server = ServerThread(create_app(settings, searcher=searcher), port=serve_port).start()
        console.print(f"[bold]serve[/] search service at {server.url}  (try {server.url}/search?query=跑鞋 , "
                      f"OpenAPI at {server.url}/docs)")
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
    if server is None:
        return
    if not sys.stdin.isatty():
        # Run by a script or CI: show that the service answers, then end instead of waiting forever.
        import httpx

        answer = httpx.get(f"{server.url}/search", params={"query": DEMO_QUERIES[0][0], "size": 3}, timeout=30)
        console.print(f"[bold]serve[/] {server.url}/search answered {answer.status_code} with "
                      f"{len(answer.json().get('hits', []))} hits; not interactive, so the service stops now.")
        server.stop()
        return
    console.print(f"[bold]serve[/] {server.url} is answering searches; Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
