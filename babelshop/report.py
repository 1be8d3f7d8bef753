"""Readable summaries of an ingest: the counts, every queued batch's outcome, and the bad lines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from indexer.results import BatchResult, Rejection

if TYPE_CHECKING:
    from indexer.ingest import ProductFile, QueuedBatch

#: Lines listed after an ingest; ``ingest --check`` lists every one.
MAX_LISTED = 100


def print_summary(result: BatchResult, *, as_json: bool = False, queued: bool = False,
                  batches: list[QueuedBatch] | None = None) -> None:
    if as_json:
        data = result.to_dict()
        if batches is not None:
            data["batches"] = [b.to_dict() for b in batches]
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for batch in batches or []:
        if batch.state != "done":
            click.echo(f"batch {batch.number} (lines {batch.first_line}-{batch.last_line}, {batch.size} products): "
                       f"{batch.state}: {batch.reason}")
    if batches and all(b.state == "done" for b in batches):
        click.echo(f"all {len(batches)} batches done")
    elif batches:
        done = sum(b.state == "done" for b in batches)
        click.echo(f"{done} of {len(batches)} batches done")
    if queued:
        click.echo(f"read {result.received}  queued {result.received - len(result.rejected)}  "
                   f"rejected {len(result.rejected)}")
    else:
        click.echo(f"read {result.received}  indexed {result.indexed}  unchanged {result.unchanged}  "
                   f"stale {result.stale}  rejected {len(result.rejected)}  failed {len(result.failed)}  "
                   f"embedded {result.embedded}")
    for kind, items in (("rejected", result.rejected), ("failed", result.failed)):
        _list(kind, items, MAX_LISTED)


def print_check(file: ProductFile, *, as_json: bool = False) -> None:
    """The outcome of ``ingest --check``: counts, then every bad line."""
    if as_json:
        click.echo(json.dumps({"path": str(file.path), "read": file.read, "valid": len(file.products),
                               "rejected": [r.__dict__ for r in file.rejected]}, ensure_ascii=False))
        return
    click.echo(f"checked {file.path}: read {file.read}  valid {len(file.products)}  rejected {len(file.rejected)}")
    _list("rejected", file.rejected, None)


def _list(kind: str, items: list[Rejection], limit: int | None) -> None:
    shown = items if limit is None else items[:limit]
    for item in shown:
        where = f"line {item.position}" if item.position is not None else "item"
        click.echo(f"  {kind}: {where}" + (f" (id {item.id})" if item.id else "") + f": {item.reason}")
    if len(items) > len(shown):
        click.echo(f"  ... and {len(items) - len(shown)} more {kind} (babelshop ingest PATH --check lists every bad line)")
