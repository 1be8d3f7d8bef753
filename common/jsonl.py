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
            if line.strip():
                yield number, json_line(line, path, number, error)


def json_line(line: str, path: Path, number: int, error: type[Exception]) -> object:
    """One line's value, or ``error`` naming the file, the line and the fix: for a reader that
    reports a bad line and goes on with the next (``babelshop search --batch``)."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"{path}:{number}: not JSON ({exc.msg}); write one JSON object per line."
        raise error(msg) from exc
