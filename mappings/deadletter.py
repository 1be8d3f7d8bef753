"""The dead-letter index beside each alias (``<alias>-deadletter``): one document per product the
cluster refused, holding the product exactly as received so that it can be replayed.

The product is stored, never indexed (``enabled: false``): a refused product may hold anything,
and its fields must not grow this index's mapping or clash with each other.
"""

from __future__ import annotations


def deadletter_body() -> dict:
    """Settings and mappings of a dead-letter index."""
    return {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": {"type": "keyword"},
                "operation": {"type": "keyword"},  # index | update: which write replays it
                "reason": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 1024}}},
                "attempts": {"type": "integer"},
                "at": {"type": "date"},
                "product": {"type": "object", "enabled": False},
            },
        },
    }
