"""Exceptions as JSON errors: the message the CLI prints, an HTTP status, and a ``kind``.

The status follows the CLI's exit code: input errors (exit 2) are 400, an unavailable cluster
(exit 3) is 503 with its reason, so a caller retries only what retrying can fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import (
    EXIT_PARTIAL,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    BabelshopError,
    ClusterRefused,
    ClusterUnavailable,
    InputError,
    Unavailable,
)
from common.redact import redact


@dataclass(frozen=True)
class HttpError:
    status: int
    kind: str
    message: str
    exit_code: int
    reason: str | None = None

    def body(self) -> dict:
        detail = {"kind": self.kind, "message": self.message, "exit_code": self.exit_code}
        if self.reason:
            detail["reason"] = self.reason
        return {"error": detail}

    def headers(self) -> dict[str, str]:
        # An unavailable cluster may answer again soon: tell well-behaved clients when to retry.
        return {"Retry-After": "1"} if self.status == 503 else {}


def http_error(exc: BaseException) -> HttpError:
    """The HTTP form of ``exc``; anything not a BabelshopError is an internal error whose
    details stay in the service's log."""
    from mappings.install import VectorWidthError

    message = redact(str(exc))
    if isinstance(exc, VectorWidthError):
        # The operator's to fix (reindex), not the caller's: the service cannot search this index.
        return HttpError(503, "index_incompatible", message, EXIT_USAGE)
    if isinstance(exc, InputError):
        return HttpError(400, "bad_input", message, EXIT_USAGE)
    if isinstance(exc, ClusterUnavailable):
        return HttpError(503, "unavailable", message, EXIT_UNAVAILABLE, exc.reason)
    if isinstance(exc, Unavailable):
        return HttpError(503, "unavailable", message, EXIT_UNAVAILABLE, "unreachable")
    if isinstance(exc, ClusterRefused):
        return HttpError(502, "cluster_refused", message, EXIT_PARTIAL)
    if isinstance(exc, BabelshopError):
        return HttpError(500, "error", message, exc.exit_code)
    return HttpError(500, "internal", "The service failed on this request; the details are in its log.", EXIT_PARTIAL)


def validation_message(errors: list[dict]) -> str:
    """FastAPI's validation errors as one line naming each field and what it needs."""
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."
