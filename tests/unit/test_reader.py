"""Input files (issue 11, defect 11): every bad line reported with its number, the file as a
whole refused with one clear error when it cannot be read as products."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.errors import InputError
from indexer.ingest import read_file
from indexer.reader import UnreadableFile, detect_delimiter, read_products


def _lines(rows) -> list[tuple[int, str | None]]:
    return [(r.line, r.error.reason if r.error else None) for r in rows]


def test_a_directory_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="is a directory") as caught:
        read_products(tmp_path)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert str(tmp_path) in str(caught.value)


def test_a_missing_file_is_one_input_error(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        read_products(tmp_path / "nope.jsonl")


@pytest.mark.parametrize(("name", "content"), [("p.jsonl", b""), ("p.csv", b""), ("p.jsonl", b"\n  \n\n"),
                                               ("p.csv", b"\n\n")])
def test_an_empty_file_is_one_input_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=r"empty|blank"):
        list(read_products(path))


def test_a_csv_with_only_a_header_says_so(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="no product rows"):
        list(read_products(path))


def test_a_bom_does_not_rename_the_first_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffid,title\n1,Tasse\n2,Becher\n".encode())
    rows = list(read_products(path))
    assert [r.data for r in rows] == [{"id": "1", "title": "Tasse"}, {"id": "2", "title": "Becher"}]


def test_a_bom_does_not_break_the_first_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "1", "title": "Mug"}).encode() + b"\n")
    assert [r.data for r in read_products(path)] == [{"id": "1", "title": "Mug"}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_csv_delimiter_is_detected_from_the_header(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "p.csv"
    # The title holds a comma: with ';' or a tab as delimiter it must stay one value.
    rows = ["id", "title", "price"], ["1", "Mug, blue", "3.5"], ["2", "Pan", "12"]
    if delimiter == ",":
        rows = ["id", "title", "price"], ["1", '"Mug, blue"', "3.5"], ["2", "Pan", "12"]
    path.write_text("".join(delimiter.join(r) + "\n" for r in rows), encoding="utf-8")
    got = [r.data for r in read_products(path)]
    assert got == [{"id": "1", "title": "Mug, blue", "price": 3.5}, {"id": "2", "title": "Pan", "price": 12.0}]
    assert detect_delimiter(delimiter.join(rows[0])) == delimiter


def test_a_header_without_an_id_column_names_the_columns_and_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("sku;name\n1;Mug\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"no 'id' column \(columns: sku, name; delimiter ';'\)"):
        list(read_products(path))
    single = tmp_path / "q.csv"
    single.write_text("id:title\n1:Mug\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"one column .*separate the columns with ',', ';', a tab or '\|'"):
        list(read_products(single))


def test_a_csv_field_over_the_csv_module_limit_is_read_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    long = "x" * 200_000  # over csv's default field_size_limit of 131,072
    path.write_text(f'id,title,description\n1,Mug,"{long}"\n2,Pan,short\n', encoding="utf-8")
    rows = list(read_products(path))
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].data is not None and len(rows[0].data["description"]) == 200_000
    # The product schema then rejects that row alone, by line, and keeps the other.
    file = read_file(path)
    assert [p["id"] for p in file.products] == ["2"]
    assert [(r.position, r.id) for r in file.rejected] == [(2, "1")]
    assert "description" in file.rejected[0].reason


def test_latin1_bytes_in_jsonl_are_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"id": "1", "title": "Mug"}\n{"id": "2", "title": "Caf\xe9 mug"}\n{"id": "3", "title": "Pan"}\n')
    rows = list(read_products(path))
    assert [r.line for r in rows] == [1, 2, 3]
    assert rows[0].data and rows[2].data and rows[1].data is None
    error = rows[1].error
    assert error is not None and error.position == 2 and error.id == "2"
    assert "not valid UTF-8" in error.reason and "0xe9" in error.reason and "re-encode" in error.reason
    assert "\ufffd" not in json.dumps([r.data for r in rows])


def test_latin1_bytes_in_csv_are_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b'id,title,description\n1,Mug,ok\n2,Caf\xe9 mug,x\n3,"Pan\nwith two lines \xfc",y\n4,Pot,z\n')
    rows = list(read_products(path))
    assert [(r.line, r.data["id"] if r.data else None) for r in rows] == [(2, "1"), (3, None), (5, None), (6, "4")]
    assert [(r.error.position, r.error.id) for r in rows if r.error] == [(3, "2"), (5, "3")]
    assert all("not valid UTF-8" in r.error.reason for r in rows if r.error)


def test_a_latin1_csv_header_is_one_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,title,pr\xe9is\n1,Mug,3\n")
    with pytest.raises(UnreadableFile, match=r"line 1 .*not valid UTF-8"):
        list(read_products(path))


def test_a_csv_row_with_more_values_than_columns_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title,price\n1,Mug, blue,3\n2,Pan,4,\n", encoding="utf-8")
    rows = list(read_products(path))
    assert rows[0].error is not None and rows[0].error.position == 2 and "quote values" in rows[0].error.reason
    assert rows[1].data == {"id": "2", "title": "Pan", "price": 4.0}  # a trailing empty value is harmless


def test_read_file_reports_every_bad_line_in_order(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    lines = ['{"id": "1", "title": "ok"}', "{broken", '{"id": "2"}', b'{"id": "3", "title": "\xe9"}'.decode("latin1"),
             '{"id": "4", "title": "ok", "price": -3}', '{"id": "5", "title": "fine"}']
    path.write_bytes(b"\n".join(line.encode("latin1") if i == 3 else line.encode() for i, line in enumerate(lines)))
    file = read_file(path)
    assert [r.position for r in file.rejected] == [2, 3, 4, 5]
    assert [p["id"] for p in file.products] == ["1", "5"] and file.lines == [1, 6]
    assert file.read == 6
