"""``babelshop engine``: the embedded OpenSearch node, in either embedded line, side by side by port."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from babelshop.failures import fail

VERSION_HELP = "OpenSearch line to run (default: BABELSHOP_ENGINE_VERSION or the newest embedded)."


@click.group()
def engine() -> None:
    """The embedded OpenSearch node (assembled from Maven Central)."""


def _versions() -> list[str]:
    from engine.versions import LINES

    return list(LINES)


@engine.command("start")
@click.option("--port", default=9200, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Where indices live (persists).")
@click.option("--heap", default=None, help="JVM heap, e.g. 1g (default: BABELSHOP_ENGINE_HEAP or 1g).")
@click.option("--version", "version", type=click.Choice(_versions()), default=None, help=VERSION_HELP)
@click.option("--nodes", default=1, show_default=True, help="Nodes in one cluster, on the ports from --port on.")
def engine_start(port: int, data_dir: Path | None, heap: str | None, version: str | None, nodes: int) -> None:
    """Start the node or cluster (idempotent), wait until it is at least yellow, print its URL(s)."""
    from engine import EngineError
    from engine.process import start

    try:
        status = start(port=port, data_dir=data_dir, heap=heap, version=version, nodes=nodes)
    except EngineError as exc:
        fail(str(exc), 3)  # the cluster could not be made available
    click.echo(",".join(f"http://127.0.0.1:{p}" for p in range(port, port + nodes)) if nodes > 1 else status.url)


@engine.command("stop")
@click.option("--port", type=int, default=None, help="Only the node on this port (default: every node).")
def engine_stop(port: int | None) -> None:
    """Stop the node(s) cleanly."""
    from engine.process import stop, stop_all

    if port is not None:
        click.echo("stopped" if stop(port=port) else "not running")
        return
    stopped = stop_all()
    click.echo("stopped " + ", ".join(map(str, stopped)) if stopped else "not running")


@engine.command("status")
@click.option("--port", default=9200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def engine_status(port: int, as_json: bool) -> None:
    """Is it running, where, which OpenSearch and Java, its health, its log file. Exit 3 when it is not running."""
    from engine.process import status

    s = status(port=port)
    if as_json:
        click.echo(s.to_json())
        if not s.running:
            sys.exit(3)
        return
    if not s.running:
        click.echo(f"not running (log: {s.log_file})")
        sys.exit(3)
    click.echo(f"running {s.url} OpenSearch {s.version} Java {s.java} health={s.health} pid={s.pid} "
               f"rss={s.rss_mb:.0f}MB data={s.data_dir} log={s.log_file}")
