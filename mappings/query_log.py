"""The query-log index beside each alias (``<alias>-querylog``): one document per search, which
operators chart in Dashboards (zero-result queries, queries per language, latency)."""

from __future__ import annotations

QUERY_LOG_SUFFIX = "-querylog"


def query_log_index(alias: str) -> str:
    return alias + QUERY_LOG_SUFFIX


def query_log_body() -> dict:
    """Settings and mappings of a query-log index."""
    return {
        "settings": {"index": {"number_of_replicas": 0}},
        "mappings": {"properties": {
            "at": {"type": "date"},
            "query": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
            "lang": {"type": "keyword"}, "lang_confidence": {"type": "float"}, "mode": {"type": "keyword"},
            "hits": {"type": "integer"}, "total": {"type": "long"}, "zero_results": {"type": "boolean"},
            "took_ms": {"type": "float"}, "translated_to": {"type": "keyword"},
        }},
    }
