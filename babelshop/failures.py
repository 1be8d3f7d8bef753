"""How the command line ends on an operational error: one red line, the documented exit code,
no traceback (shared/DESIGN.md: 0 done, 1 some items failed, 2 usage or unreadable input,
3 cluster or broker unavailable)."""

from __future__ import annotations

import importlib
import sys

import click

from common.errors import BabelshopError, BrokerUnavailable, from_cluster
from common.redact import redact


def fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {redact(message)}", fg="red", err=True)
    sys.exit(code)


def as_babelshop_error(exc: BaseException, *, doing: str = "the request") -> BabelshopError | None:
    """The BabelshopError an operational exception stands for, or None for a programming error.

    The exception's causes are searched too: a library that wraps a connection failure in its
    own error (a Celery backend's ``RuntimeError``, a retry wrapper) still ends as exit 3."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        error = _direct(current, doing)
        if error is not None:
            return error
        current = current.__cause__ or current.__context__
    return None


def _direct(exc: BaseException, doing: str) -> BabelshopError | None:
    if isinstance(exc, BabelshopError):
        return exc
    from opensearchpy.exceptions import TransportError

    if isinstance(exc, TransportError):
        from common.settings import get_settings

        return from_cluster(exc, url=get_settings().opensearch_url, doing=doing)
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if isinstance(exc, OperationalError | RedisConnectionError | RedisTimeoutError):
        from common.settings import get_settings

        url = get_settings().broker_url.get_secret_value()
        return BrokerUnavailable(f"Cannot reach the broker at {url} ({exc}): start Redis (make redis) or set "
                                 "BABELSHOP_BROKER_URL.")
    return None


class CommandGroup(click.Group):
    """A click group whose commands end on a BabelshopError (or a cluster/broker failure) with its
    message and exit code instead of a traceback.

    ``lazy`` names commands by ``"module:attribute"``: their packages (evaluation, training,
    benchmarks) are imported only when the command runs or help lists it."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:
            command = " ".join(["babelshop", *([ctx.invoked_subcommand] if ctx.invoked_subcommand else [])])
            error = as_babelshop_error(exc, doing=f"running '{command}'")
            if error is None:
                raise
            fail(str(error), error.exit_code)
