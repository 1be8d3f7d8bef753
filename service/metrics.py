"""Prometheus metrics of one service process, in their own registry (several apps in one
process, as in the tests, never share or clash).

- ``babelshop_search_latency_seconds{mode}``: histogram of whole searches, rewrite included.
- ``babelshop_errors_total{endpoint,kind,reason}``: errors as the JSON error's kind.
- ``babelshop_rewrite_lookups_total`` / ``babelshop_rewrite_cache_hits_total`` and
  ``babelshop_rewrite_cache_hit_ratio``: how often a query's rewrite came from the cache.
"""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Searches take milliseconds on a warm cache and up to the deadline on a slow cluster.
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


class _RewriteCache:
    """Read at scrape time: the rewriter counts its own hits; the service counts lookups."""

    def __init__(self, rewriter) -> None:
        self._rewriter = rewriter
        self._lookups = 0
        self._lock = threading.Lock()

    def looked_up(self) -> None:
        with self._lock:
            self._lookups += 1

    def collect(self):
        hits = getattr(self._rewriter, "cache_hits", 0)
        lookups = max(self._lookups, hits)
        yield CounterMetricFamily("babelshop_rewrite_lookups", "Rewrites asked of the rewriter (searches, /rewrite).",
                                  value=lookups)
        yield CounterMetricFamily("babelshop_rewrite_cache_hits", "Rewrites served from the rewriter's cache.",
                                  value=hits)
        yield GaugeMetricFamily("babelshop_rewrite_cache_hit_ratio", "Share of rewrites served from the cache.",
                                value=hits / lookups if lookups else 0.0)


class Metrics:
    def __init__(self, rewriter) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("babelshop_search_latency_seconds", "Search latency by mode, rewrite included.",
                                 ["mode"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.errors = Counter("babelshop_errors", "Errors answered, by endpoint and kind.",
                              ["endpoint", "kind", "reason"], registry=self.registry)
        self.cache = _RewriteCache(rewriter)
        self.registry.register(self.cache)

    def error(self, endpoint: str, kind: str, reason: str | None) -> None:
        self.errors.labels(endpoint=endpoint, kind=kind, reason=reason or "").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
