"""A cache filled a batch at a time: what one request to the cluster answers for many keys.

The catalog's counts and title shares are asked for all of a query's words or readings in one
request; a lookup returns what the cache holds and reads only the rest, in one call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from cachetools import TTLCache


class BatchCache:
    """Values per (scope, item) for ``ttl_s`` seconds, at most ``maxsize`` of them."""

    def __init__(self, maxsize: int, ttl_s: float) -> None:
        self._cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl_s, timer=time.monotonic)
        self._lock = threading.Lock()

    def get_many(self, scope: tuple[Hashable, ...], items: list[str],
                 read: Callable[[list[str]], dict]) -> dict:
        """Each of ``items`` (once each) the cache holds or ``read(missing)`` returned; an item
        ``read`` leaves out is left out here too, and asked again next time."""
        wanted = list(dict.fromkeys(items))
        found: dict = {}
        with self._lock:
            for item in wanted:
                value = self._cache.get((*scope, item))
                if value is not None:
                    found[item] = value
        missing = [item for item in wanted if item not in found]
        if missing:
            fresh = read(missing)
            with self._lock:
                for item, value in fresh.items():
                    self._cache[(*scope, item)] = value
            found.update(fresh)
        return found
