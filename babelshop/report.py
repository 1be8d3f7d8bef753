"""Readable summaries of an ingest."""

from __future__ import annotations

import json

import click

from indexer.results import BatchResult

MAX_LISTED = 20


def print_summary(result: BatchResult, *, as_json: bool = False, queued: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if queued:
        click.echo(f"read {result.received}  queued {result.received - len(result.rejected)}  "
                   f"rejected {len(result.rejected)}")
    else:
        read = result.received
        click.echo(f"read {read}  indexed {result.indexed}  unchanged {result.unchanged}  stale {result.stale}  "
                   f"rejected {len(result.rejected)}  failed {len(result.failed)}  embedded {result.embedded}")
    for kind, items in (("rejected", result.rejected), ("failed", result.failed)):
        for item in items[:MAX_LISTED]:
            where = f"line {item.position}" if item.position is not None else "item"
            click.echo(f"  {kind}: {where}" + (f" (id {item.id})" if item.id else "") + f": {item.reason}")
        if len(items) > MAX_LISTED:
            click.echo(f"  ... and {len(items) - MAX_LISTED} more {kind}")
