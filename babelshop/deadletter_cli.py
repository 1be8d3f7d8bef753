"""``babelshop deadletter list|replay|purge``: the products the cluster refused, kept as received
(``indexer.deadletter``). Exit codes as everywhere: 0 done, 1 some letters still fail on replay,
3 the cluster is unavailable."""

from __future__ import annotations

import json
import sys

import click

from common.settings import get_settings

_INDEX = click.option("--index", default=None, help="Alias whose dead letters to use (default BABELSHOP_INDEX).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group("deadletter")
def deadletter() -> None:
    """Products the cluster refused: the product as received, the reason, attempts and time."""


@deadletter.command("list")
@_INDEX
@_JSON
@click.option("--size", default=100, show_default=True, help="Most letters shown, oldest first.")
def list_command(index: str | None, as_json: bool, size: int) -> None:
    """Show the dead letters, oldest first."""
    from common.opensearch_client import make_client
    from indexer.deadletter import count, list_letters

    settings = get_settings()
    alias = index or settings.index
    client = make_client(settings)
    letters = list_letters(client, alias, size=size, url=settings.opensearch_url)
    total = count(client, alias, url=settings.opensearch_url)
    if as_json:
        click.echo(json.dumps({"alias": alias, "total": total, "letters": letters}, ensure_ascii=False))
        return
    click.echo(f"{total} dead letters for {alias}" + (f" (the oldest {len(letters)} shown)" if total > len(letters) else ""))
    for letter in letters:
        click.echo(f"  {letter.get('at')}  {letter.get('operation')}  id {letter.get('id')}  "
                   f"attempts {letter.get('attempts')}: {letter.get('reason')}")


@deadletter.command("replay")
@_INDEX
@_JSON
def replay_command(index: str | None, as_json: bool) -> None:
    """Send every letter through its operation again; those that land are removed, the rest stay
    with one more attempt (exit 1 if any stays)."""
    from babelshop.report import print_summary
    from indexer.deadletter import replay
    from indexer.service import IndexingService

    settings = get_settings()
    result = replay(IndexingService(settings), index or settings.index)
    print_summary(result, as_json=as_json)
    if result.rejected or result.failed:
        sys.exit(1)


@deadletter.command("purge")
@_INDEX
@_JSON
def purge_command(index: str | None, as_json: bool) -> None:
    """Delete every dead letter of the alias."""
    from common.opensearch_client import make_client
    from indexer.deadletter import purge

    settings = get_settings()
    alias = index or settings.index
    purged = purge(make_client(settings), alias, url=settings.opensearch_url)
    click.echo(json.dumps({"alias": alias, "purged": purged}) if as_json else f"purged {purged} dead letters of {alias}")
