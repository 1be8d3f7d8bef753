"""What every benchmark measures the same way: on-disk bytes per product, percentiles, and the
printed figures (one JSON object on the last line)."""

from __future__ import annotations

import json
import time

import click


def segment_bytes(client, index: str) -> int:
    """Bytes of the live segments of the primary shards (read from the segments themselves: the
    store statistics are cached for a while after a merge)."""
    total = 0
    for shards in client.indices.segments(index=index)["indices"].values():
        for copies in shards["shards"].values():
            for copy in copies:
                if copy["routing"]["primary"]:
                    total += sum(seg["size_in_bytes"] for seg in copy["segments"].values() if seg["search"])
    return total


def bytes_per_product(client, alias: str) -> tuple[int, float]:
    """On-disk size of ``alias``'s primary shards after a force-merge to one segment, per
    document (what a catalog costs once deleted and updated versions are gone), and the seconds
    the merge took."""
    started = time.perf_counter()
    client.indices.forcemerge(index=alias, max_num_segments=1, request_timeout=7200)
    merge_s = time.perf_counter() - started
    client.indices.refresh(index=alias)
    return round(segment_bytes(client, alias) / max(client.count(index=alias)["count"], 1)), merge_s


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def print_figures(figures: dict, as_json: bool) -> None:
    """A line per figure unless ``as_json``; the JSON object always ends the output."""
    if not as_json:
        for key, value in figures.items():
            click.echo(f"{key:>22}: {value}")
    click.echo(json.dumps(figures))
