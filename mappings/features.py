"""What the connected cluster can do, asked once per cluster: babelshop runs on OpenSearch 2.19
and 3.x, and a few behaviours differ between them.

- RRF ranks: neural-search up to 3.4 ranks each sub-query's hits within each shard before fusing;
  from 3.5 on it ranks them across all shards, so one product has one lexical and one vector rank.
- RRF weights: from 3.1 on the score-ranker-processor takes a weight per sub-query (each adds
  ``weight / (k + rank)``); 2.19 refuses the parameter, so there RRF stays unweighted.
"""

from __future__ import annotations

import threading

from opensearchpy import OpenSearch

#: The first release whose RRF ranks each sub-query across all shards.
GLOBAL_RRF_RANKS_FROM = (3, 5)
#: The first release whose RRF takes a weight per sub-query.
RRF_WEIGHTS_FROM = (3, 1)

_versions: dict[str, tuple[int, ...]] = {}
_lock = threading.Lock()


def cluster_version(client: OpenSearch, url: str | None = None) -> tuple[int, ...]:
    """The version of the cluster at ``url`` (default: the client's hosts) as numbers, e.g.
    (3, 6, 0); asked once per URL."""
    key = url or repr(client.transport.hosts)
    with _lock:
        known = _versions.get(key)
    if known is None:
        number = client.info()["version"]["number"]
        known = tuple(int(part) for part in number.split("-")[0].split(".") if part.isdigit())
        with _lock:
            _versions[key] = known
    return known


def rrf_ranks_are_global(client: OpenSearch, url: str | None = None) -> bool:
    return cluster_version(client, url)[:2] >= GLOBAL_RRF_RANKS_FROM


def rrf_weights(client: OpenSearch, wanted: tuple[float, float], url: str | None = None) -> tuple[float, float] | None:
    """The (lexical, vector) weights RRF runs with on this cluster: ``wanted`` where the cluster
    takes weights, None (every sub-query counts once) where it does not."""
    return tuple(wanted) if cluster_version(client, url)[:2] >= RRF_WEIGHTS_FROM else None
