"""Read products from JSONL or CSV, keeping line numbers for error reports.

A bad line (not JSON, not UTF-8, a CSV row that does not fit the header) becomes a rejection
with its line number, never an exception: the caller sees every bad line of the file, and the
good ones still land. Only a file that cannot be read as products at all (missing, a
directory, empty, a CSV header without an ``id`` column) raises :class:`UnreadableFile`.

Bytes are decoded line by line with strict UTF-8: silently replacing a Latin-1 "é" with
U+FFFD would index "Caf\ufffd mug" and nobody would notice.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from common.errors import InputError
from indexer.results import Rejection

CSV_NUMBERS = ("price", "version")
CSV_SUFFIXES = (".csv", ".tsv")
#: Candidate CSV delimiters, in the order that wins a tie.
DELIMITERS = (",", ";", "\t", "|")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
REENCODE_HINT = "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8)"


class UnreadableFile(InputError):
    """The file as a whole cannot be read as products; the message names it and the fix."""


@dataclass
class Row:
    line: int
    data: dict | None
    error: Rejection | None = None


def read_products(path: Path) -> Iterator[Row]:
    """The rows of ``path`` (CSV for ``.csv``/``.tsv``, JSONL otherwise).

    The path itself is checked now, so a missing file or a directory fails before anything
    else; an empty file or a bad CSV header fails on the first ``next``."""
    path = Path(path)
    _check_path(path)
    if path.suffix.lower() in CSV_SUFFIXES:
        return _read_csv(path)
    return _read_jsonl(path)


def _check_path(path: Path) -> None:
    fix = "give the path of a JSONL or CSV product file"
    if path.is_dir():
        raise UnreadableFile(f"{path}: is a directory; {fix}.")
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file; {fix}.")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot be read ({exc.strerror}); {fix}.") from exc
    if size == 0:
        raise UnreadableFile(f"{path}: the file is empty; {fix} with one product per line.")
    if head.startswith(UTF16_BOMS):
        raise UnreadableFile(f"{path}: the file is UTF-16; {REENCODE_HINT.replace('latin1', 'utf-16')}.")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot be read ({exc.strerror}).") from exc


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    column = len(raw[:exc.start].decode("utf-8", "replace")) + 1
    return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {column}): {REENCODE_HINT}"


class _Lines:
    """The file's physical lines as text, numbered from 1; lines that are not UTF-8 are kept
    (decoded with replacement so parsing can go on) and their reasons collected in ``bad``."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self._fh)
        self.number += 1
        if self.number == 1:
            raw = raw.removeprefix(UTF8_BOM)  # a BOM would otherwise become part of the first key
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.bad[self.number] = _not_utf8(raw, exc)
            return raw.decode("utf-8", "replace")


def _read_jsonl(path: Path) -> Iterator[Row]:
    seen = 0
    with _open(path) as fh:
        lines = _Lines(fh)
        for line in lines:
            number = lines.number
            if not line.strip():
                continue
            seen += 1
            if number in lines.bad:
                yield Row(number, None, Rejection(number, _guess_id(line), lines.bad[number]))
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
    if not seen:
        raise UnreadableFile(f"{path}: the file holds no products (only blank lines); give one JSON object per line.")


def _guess_id(text: str) -> str | None:
    """The id of a line that is not UTF-8, for the report only (the line is rejected anyway)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    ident = data.get("id") if isinstance(data, dict) else None
    return str(ident) if ident is not None else None


def detect_delimiter(header: str) -> str:
    """The candidate delimiter that occurs most in the header line (comma on a tie or none)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals: the comma
    return best if counts[best] else ","


def _read_csv(path: Path) -> Iterator[Row]:
    """CSV with a header row; ``attributes`` may hold a JSON object, ``attr_<name>`` columns too."""
    # A field can never be longer than the file; csv's default cap (131,072) would abort the
    # whole read with _csv.Error on one long description. Raised only, never lowered.
    csv.field_size_limit(max(csv.field_size_limit(), min(path.stat().st_size + 1, 2**31 - 1)))
    with _open(path) as fh:
        lines = _Lines(fh)
        header_line = next((line for line in lines if line.strip()), None)
        if header_line is None:
            raise UnreadableFile(f"{path}: the file holds only blank lines; give a header row and one product per row.")
        if lines.number in lines.bad:
            raise UnreadableFile(f"{path}: line {lines.number} (the header) is {lines.bad[lines.number]}.")
        delimiter = detect_delimiter(header_line)
        header_number = lines.number
        reader = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter)
        columns = [name.strip() for name in next(reader)]
        _check_header(path, columns, delimiter)
        seen = 0
        while True:
            start = lines.number + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                seen += 1
                yield Row(lines.number, None, Rejection(lines.number, None, f"not valid CSV ({exc})"))
                continue
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            seen += 1
            yield _csv_row(record, columns, delimiter, start, lines)
    if not seen:
        raise UnreadableFile(f"{path}: the file has a header (line {header_number}) but no product rows.")


def _check_header(path: Path, columns: list[str], delimiter: str) -> None:
    if "id" in columns:
        return
    if len(columns) == 1:
        raise UnreadableFile(f"{path}: the CSV header has one column ({columns[0]!r}) and no 'id' column; "
                             "separate the columns with ',', ';', a tab or '|', and name one 'id'.")
    raise UnreadableFile(f"{path}: the CSV header has no 'id' column (columns: {', '.join(columns)}; delimiter "
                         f"{delimiter!r}): name the product id column 'id'.")


def _id_of(record: list[str], columns: list[str]) -> str | None:
    at = columns.index("id")
    return (record[at].strip() or None) if at < len(record) else None


def _csv_row(record: list[str], columns: list[str], delimiter: str, start: int, lines: _Lines) -> Row:
    end = lines.number
    bad = next((n for n in range(start, end + 1) if n in lines.bad), None)
    if bad is not None:
        return Row(bad, None, Rejection(bad, _id_of(record, columns), lines.bad[bad]))
    extra = [v for v in record[len(columns):] if v.strip()]
    if extra:
        reason = (f"{len(record)} values but the header has {len(columns)} columns (delimiter {delimiter!r}): "
                  "quote values that contain the delimiter")
        return Row(start, None, Rejection(start, None, reason))
    data: dict = {}
    attributes: dict = {}
    try:
        for key, value in zip(columns, record, strict=False):
            if not key or value == "":
                continue
            if key.startswith("attr_"):
                attributes[key[5:]] = value
            elif key == "attributes":
                parsed = json.loads(value)
                if not isinstance(parsed, dict):
                    raise ValueError("attributes must be a JSON object")
                attributes.update(parsed)
            elif key in CSV_NUMBERS:
                data[key] = float(value) if key == "price" else int(value)
            else:
                data[key] = value
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return Row(start, None, Rejection(start, _id_of(record, columns), f"bad value: {exc}"))
    if attributes:
        data["attributes"] = attributes
    return Row(start, data)
