"""Excel workbooks (.xlsx): one unit per text or long-integer cell; cells stay cells on write.

The first row of a sheet is its header when it holds text labels only. Integers of 7 digits or
more are scanned too: a phone number typed into Excel becomes a number. Formulas are left alone.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import openpyxl

from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, apply_edits, malformed
from headcount.scan.findings import Location
from headcount.scan.formats.delimited import looks_like_header


def load_workbook(path: Path, data: bytes) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it drops
            return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean a damaged file
        raise malformed(path, f"unreadable workbook: {type(exc).__name__}") from None


def cell_text(value: object) -> str | None:
    if isinstance(value, str):
        return None if value.startswith("=") else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        return str(value)
    return None


class Spreadsheet:
    kind = "xlsx"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.book = load_workbook(path, data)
        self._units: list[Unit] = []
        self._cells: list[Any] = []
        for sheet in self.book.worksheets:
            rows = sheet.iter_rows()
            first = next(rows, None)
            if first is None:
                continue
            labels = [c.value if isinstance(c.value, str) else "" for c in first]
            headers: dict[int, str] = {}
            if looks_like_header(labels) and all(
                isinstance(c.value, str) or c.value is None for c in first
            ):
                headers = {c.column: str(c.value or "") for c in first}
            for row in ([] if headers else [first], rows):
                for cells in row:
                    self._add_row(sheet.title, cells, headers)

    def _add_row(self, title: str, cells: Any, headers: dict[int, str]) -> None:
        for cell in cells:
            text = cell_text(cell.value)
            if text is None or not text.strip():
                continue
            location = Location(sheet=title, cell=cell.coordinate, field=cell.column_letter)
            header = headers.get(cell.column, "")
            self._units.append(
                Unit(text, location, header, row=(title, cell.row), column=cell.column_letter)
            )
            self._cells.append(cell)

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        for i, changes in edits.items():
            self._cells[i].value = apply_edits(self._units[i].text, changes)
        self.book.save(target)
