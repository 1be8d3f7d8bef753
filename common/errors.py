"""One error hierarchy for babelshop, and the one map from an OpenSearch failure to it.

Every operational error the command line can meet is a ``BabelshopError``: it carries the exit
code of shared/DESIGN.md (1 some items failed, 2 usage or unreadable input, 3 cluster or broker
unavailable) and a message that names the input and the fix. Indexing and search both classify
cluster failures through :func:`from_cluster`, so "transient" means the same on both sides.
"""

from __future__ import annotations

from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from common.redact import redact

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class BabelshopError(Exception):
    """Base of every error babelshop raises on purpose; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class InputError(BabelshopError, ValueError):
    """The caller's input (a file, a query, an option) cannot be used; the message says how to fix it."""

    exit_code = EXIT_USAGE


class Unavailable(BabelshopError):
    """A service babelshop depends on did not answer: retry later or start it."""

    exit_code = EXIT_UNAVAILABLE
    transient = True


class ClusterUnavailable(Unavailable):
    """OpenSearch was unreachable (``reason="unreachable"``), too slow (``"slow"``) or overloaded
    (``"overloaded"``: 429 or 5xx)."""

    def __init__(self, message: str, *, reason: str = "unreachable", status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class BrokerUnavailable(Unavailable):
    """The Celery broker (Redis) could not be reached."""


class ClusterRefused(BabelshopError):
    """OpenSearch answered but refused the request (a 4xx that retrying will not change)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def status_of(exc: TransportError) -> int | None:
    return exc.status_code if isinstance(exc.status_code, int) else None


def is_transient_status(status: int | None) -> bool:
    """429 and 5xx: the cluster may accept the same request later."""
    return status is not None and (status == 429 or status >= 500)


def from_cluster(exc: Exception, *, url: str, doing: str) -> BabelshopError:
    """The babelshop error for an opensearch-py exception raised while ``doing`` something at ``url``.

    Timeouts say the cluster was slow, connection failures that it was unreachable, 429/5xx that it
    was overloaded; any other status is a refusal that retrying will not change."""
    where = redact(url)
    if isinstance(exc, ConnectionTimeout):
        return ClusterUnavailable(f"OpenSearch at {where} did not answer in time while {doing}: the cluster is slow "
                                  "or overloaded; retry, or raise BABELSHOP_OPENSEARCH_TIMEOUT_S.", reason="slow")
    if isinstance(exc, OSConnectionError):
        return ClusterUnavailable(f"Cannot reach OpenSearch at {where} while {doing}: start it (babelshop engine "
                                  "start) or set BABELSHOP_OPENSEARCH_URL.", reason="unreachable")
    if isinstance(exc, TransportError):
        status = status_of(exc)
        if status is None or is_transient_status(status):
            return ClusterUnavailable(f"OpenSearch at {where} failed while {doing} ({status or 'no status'}: "
                                      f"{exc.error}); retry later.", reason="overloaded", status=status)
        return ClusterRefused(f"OpenSearch at {where} refused {doing} ({status}: {root_cause(exc)}).", status=status)
    return BabelshopError(f"{doing} failed: {exc}")


def root_cause(exc: TransportError) -> str:
    """The first root cause's reason in an OpenSearch error body, else the error text."""
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    causes = (error.get("root_cause") if isinstance(error, dict) else None) or [{}]
    return str(causes[0].get("reason") or exc.error)
