"""Read products from JSONL or CSV, keeping line numbers for error reports.

A line that is not valid JSON becomes a rejection, not an exception: the rest of the file
still lands.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.results import Rejection

CSV_NUMBERS = ("price", "version")


@dataclass
class Row:
    line: int
    data: dict | None
    error: Rejection | None = None


def read_products(path: Path) -> Iterator[Row]:
    if not path.exists():
        msg = f"{path}: no such file; give the path of a JSONL or CSV product file."
        raise FileNotFoundError(msg)
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Row(number, None, Rejection(number, None, f"not valid JSON ({exc.msg} at column {exc.colno})"))
                continue
            if not isinstance(data, dict):
                yield Row(number, None, Rejection(number, None, "expected a JSON object per line"))
                continue
            yield Row(number, data)


def _read_csv(path: Path) -> Iterator[Row]:
    """CSV with a header row; ``attributes`` may hold a JSON object, ``attr_<name>`` columns too."""
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        for record in reader:
            number = reader.line_num
            data: dict = {}
            attributes: dict = {}
            try:
                for key, value in record.items():
                    if key is None or value in (None, ""):
                        continue
                    if key.startswith("attr_"):
                        attributes[key[5:]] = value
                    elif key == "attributes":
                        attributes.update(json.loads(value))
                    elif key in CSV_NUMBERS:
                        data[key] = float(value) if key == "price" else int(value)
                    else:
                        data[key] = value
            except (ValueError, json.JSONDecodeError) as exc:
                yield Row(number, None, Rejection(number, record.get("id"), f"bad value: {exc}"))
                continue
            if attributes:
                data["attributes"] = attributes
            yield Row(number, data)
