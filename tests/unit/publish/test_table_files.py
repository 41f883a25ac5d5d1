"""Reading table files: machine-named headers, and workbooks with title and label rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from headcount.errors import HeadcountError
from headcount.publish.table_files import read_table

EXPECTED = ["area_code", "age", "male", "female"]


def _people_workbook(path: Path, parts: list[list[list[object]]]) -> None:
    """As ``headcount tables`` writes XLSX: six title lines, a blank row, zh and en headers,
    then the data; a long table continues on a second sheet with the same header."""
    book = openpyxl.Workbook()
    for default in book.worksheets:
        book.remove(default)
    for n, rows in enumerate(parts, 1):
        sheet = book.create_sheet("data" if n == 1 else f"data {n}")
        for line in ("按年龄和性别分的人口", "Population by age and sex", "统计范围：常住人口"):
            sheet.append([line])
        for line in ("Universe: usual residents", "Level: national", "Counting rules: 2020.1"):
            sheet.append([line])
        sheet.append([])
        sheet.append(["地区代码", "年龄", "男", "女"])
        sheet.append(["Area code", "Age", "Male", "Female"])
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_workbook_with_title_and_label_rows_reads_by_position(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _people_workbook(path, [[["CN", 0, 500, 480], ["CN", 1, 1, 2]], [["CN", 2, 7, None]]])
    table = read_table(path, "national/t.xlsx", EXPECTED)
    assert table.columns == tuple(EXPECTED)
    assert [tuple(r[:4]) for r in table.rows] == [
        ("CN", 0, 500, 480),
        ("CN", 1, 1, 2),
        ("CN", 2, 7, None),
    ]


def test_csv_and_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("area_code,age,male\nCN,0,5\n", "utf-8")
    table = read_table(path, "t.csv", EXPECTED)
    assert table.columns == ("area_code", "age", "male")
    with pytest.raises(HeadcountError) as caught:
        table.index(EXPECTED, "t.csv")
    assert caught.value.code == "E1878" and caught.value.details["reason"] == "no column female"


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    for name, data in {
        "x.xlsx": b"PK\x03\x04junk",
        "x.parquet": b"junk",
        "x.csv": b"\xff\xfe",
    }.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(HeadcountError) as caught:
            table = read_table(tmp_path / name, name, EXPECTED)
            list(table.rows)
        assert caught.value.code == "E1878" and caught.value.details["path"] == name
