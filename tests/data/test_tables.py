"""Tables as planners save them (``planner.data.tables``): dialects, encodings, bad files.

Every expected value is written out from the bytes the test writes.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.data.tables import TableFormat, decode_text, parse_numbers, read_table
from planner.errors import InputError


@pytest.mark.parametrize(("data", "fmt"), [
    (b"a,b\n1,2\n", TableFormat("csv", "UTF-8", ",")),
    (b"\xef\xbb\xbfa;b\r\n1,5;2\r\n", TableFormat("csv", "UTF-8 with BOM", ";")),
    ("a;nimi\r\n1;Töölö\r\n".encode("cp1252"), TableFormat("csv", "Windows-1252", ";")),
    (b"a\tb\n1\t2\n", TableFormat("csv", "UTF-8", "\t")),
    (b'"x;y",b\n1,2\n', TableFormat("csv", "UTF-8", ",")),  # a quoted ; is no separator
])
def test_dialects_are_detected(tmp_path: Path, data: bytes, fmt: TableFormat) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    table, got = read_table(path)
    assert got == fmt
    assert len(table) == 1 and len(table.columns) == 2


def test_cells_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("nimi;väestö;ala\r\nTöölö;1\u00a0250;12,5\r\nKallio;;−3\r\n"
                     .encode("utf-8"))
    table, fmt = read_table(path)
    assert fmt.describe() == "semicolon-separated UTF-8 text"
    assert table["nimi"].tolist() == ["Töölö", "Kallio"]
    assert pd.isna(table.loc[1, "väestö"])
    nums, bad = parse_numbers(table["väestö"])
    assert nums.iloc[0] == 1250.0 and pd.isna(nums.iloc[1]) and not bad.any()
    assert parse_numbers(table["ala"])[0].tolist() == [12.5, -3.0]
    assert parse_numbers(pd.Series(["about 3", "4"]))[1].tolist() == [True, False]


def test_xlsx_also_under_a_csv_name(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["site_id", "days"])
    wb.active.append(["oodi", 4])
    buf = io.BytesIO()
    wb.save(buf)
    for name in ("p.xlsx", "p.csv"):
        (tmp_path / name).write_bytes(buf.getvalue())
        table, fmt = read_table(tmp_path / name)
        assert fmt.kind == "xlsx" and table.to_dict("records") == [{"site_id": "oodi",
                                                                     "days": 4}]


@pytest.mark.parametrize(("data", "message"), [
    (b"", r"t.csv: the file is empty \(0 bytes\); give the table"),
    (b" \n\n", r"the file is empty \(3 bytes\)"),
    (b"a,b\x00\x01", r"not a text file \(binary data: a NUL byte at byte 3\)"),
    (b"a,b,c\n1,2,3\n4,5", r"row 3 has 2 of 3 fields and the file ends there: it looks "
                           r"truncated"),
    (b'a,b\n1,"open\n', r"looks truncated or a quote is not closed"),
    (b"a,b\n1,2,3\n", r"row 2 has 3 fields, the header 2, read as comma-separated UTF-8 text "
                      r"\(decimal commas"),
    (b"a;b\n1;2;3\n", r"row 2 has 3 fields, the header 2, read as semicolon-separated UTF-8 "
                      r"text; fix the row"),
])
def test_bad_files_give_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as exc:
        read_table(path)
    assert "\n" not in str(exc.value) and str(exc.value).startswith(str(path))


def test_short_row_inside_is_padded_and_xlsx_damage(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b,c\n1,2\n3,4,5\n")
    table, _ = read_table(path)
    assert table["a"].tolist() == ["1", "3"] and pd.isna(table.loc[0, "c"])
    book = tmp_path / "b.xlsx"
    book.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(InputError, match=r"b.xlsx: not an XLSX workbook \(no ZIP signature\)"):
        read_table(book)


def test_decode_text_names_what(tmp_path: Path) -> None:
    text, enc = decode_text(tmp_path / "s.yaml", "nimi: Töölö\n".encode("cp1252"),
                            "the scenario")
    assert (text, enc) == ("nimi: Töölö\n", "Windows-1252")
    with pytest.raises(InputError, match=r"s.yaml: the file is empty \(0 bytes\); give the "
                                         r"scenario"):
        decode_text(tmp_path / "s.yaml", b"", "the scenario")
