"""Strict JSON Lines reading for user-supplied files (queries, qrels, training pairs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def json_lines(path: Path, error: type[Exception]) -> Iterator[tuple[int, object]]:
    """``(line number, parsed value)`` per non-blank line; a line that is not JSON raises
    ``error`` naming the file, the line and the fix."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                msg = f"{path}:{number}: not JSON ({exc.msg}); write one JSON object per line."
                raise error(msg) from exc
