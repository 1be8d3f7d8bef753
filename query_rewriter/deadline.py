"""One search's time on the cluster.

Every request a search makes (reading the clause limit, the vector-width check, the search,
the explanation's sub-queries) and every retry share one budget,
``BABELSHOP_SEARCH_TIMEOUT_S``: each request may wait only for what is left, and a request is
retried only while time is left. A cluster that accepts connections and never answers thus
ends the search after about the budget, and the error says the cluster was *slow*; one that
refuses connections is *unreachable*. Local work (loading models, embedding) is not charged:
the budget bounds the waiting on the cluster, not the first search of a cold process.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TypeVar

from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from common.errors import ClusterUnavailable, from_cluster, is_transient_status, status_of
from common.redact import redact

T = TypeVar("T")

#: First pause before retrying a refused connection or a 429/5xx; doubles per retry.
FIRST_BACKOFF_S = 0.05


class SearchUnavailable(ClusterUnavailable):
    """OpenSearch could not answer a search: ``reason`` is "unreachable", "slow" or "overloaded"
    (exit code 3); the message says where it was looked for and what to do."""


class Deadline:
    """The time one search may still wait on the cluster; ``call`` runs one request within it."""

    def __init__(self, client, *, timeout_s: float, retries: int, url: str) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.retries = retries
        self.url = url
        self._spent = 0.0

    @property
    def remaining(self) -> float:
        return self.timeout_s - self._spent

    def call(self, request: Callable[..., T], *args: object, doing: str,
             permanent: Callable[[TransportError], bool] | None = None, **kwargs: object) -> T:
        """``request(*args, **kwargs)`` with ``request_timeout`` = the time left, retried on a
        refused connection or a 429/5xx while time and retries are left. Raises
        :class:`SearchUnavailable` when the cluster is slow, unreachable or overloaded; any other
        ``TransportError`` (a 4xx: missing index, bad request; or a 5xx that ``permanent`` says
        retrying cannot change) is the caller's to read."""
        attempt = 0
        while True:
            left = self.remaining
            if left <= 0:
                raise self.slow(doing)
            started = time.monotonic()
            try:
                return request(*args, request_timeout=left, **kwargs)
            except ConnectionTimeout as exc:
                raise self.slow(doing) from exc
            except (OSConnectionError, TransportError) as exc:
                transient = isinstance(exc, OSConnectionError) or (
                    is_transient_status(status_of(exc)) and not (permanent and permanent(exc)))
                if not transient:
                    raise
                pause = FIRST_BACKOFF_S * 2 ** attempt
                if attempt >= self.retries or self.remaining - (time.monotonic() - started) <= pause:
                    raise self.unavailable(exc, doing) from exc
            finally:
                self._spent += time.monotonic() - started
            time.sleep(pause)
            self._spent += pause
            attempt += 1

    def client_for(self, doing: str):
        """The client seen through this deadline: every API call goes through :meth:`call`
        (for code that takes a client, such as the vector-width check)."""
        return _Bounded(self.client, self, doing)

    def slow(self, doing: str) -> SearchUnavailable:
        return SearchUnavailable(
            f"OpenSearch at {redact(self.url)} did not answer in time while {doing}: the search's "
            f"{self.timeout_s:g} s were spent, so the cluster is slow or overloaded; retry, or raise "
            "BABELSHOP_SEARCH_TIMEOUT_S.", reason="slow")

    def unavailable(self, exc: Exception, doing: str) -> SearchUnavailable:
        """The one map (common.errors.from_cluster) decides unreachable / slow / overloaded."""
        error = from_cluster(exc, url=self.url, doing=doing)
        reason = getattr(error, "reason", "unreachable")
        if reason == "slow":
            return self.slow(doing)
        return SearchUnavailable(str(error), reason=reason, status=getattr(error, "status", None))


class _Bounded:
    """Attribute access as on the wrapped client (``.indices.get_mapping``); calls are bounded."""

    def __init__(self, target: object, deadline: Deadline, doing: str) -> None:
        self._target = target
        self._deadline = deadline
        self._doing = doing

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if callable(value):
            return functools.partial(self._deadline.call, value, doing=self._doing)
        return _Bounded(value, self._deadline, self._doing)
