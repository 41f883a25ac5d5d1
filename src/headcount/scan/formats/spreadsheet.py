"""Excel workbooks (.xlsx): one unit per text or long-integer cell; cells stay cells on write.

The first row of a sheet is its header when it holds text labels only. Integers of 7 digits or
more are scanned too: a phone number typed into Excel becomes a number. Formulas are scanned as
written (a literal inside one is found and masked); the results Excel cached for them are not
read, so a formula that assembles personal data is not seen: paste values before publishing.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment

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
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000_000:
        return str(value)
    return None


# Workbook properties that hold people's names (creator, last editor) or free text.
_PROPERTIES = {
    "creator": "姓名",
    "lastModifiedBy": "姓名",
    "title": "",
    "subject": "",
    "keywords": "",
    "description": "",
}


class Spreadsheet:
    kind = "xlsx"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.book = load_workbook(path, data)
        self._units: list[Unit] = []
        self._targets: list[
            tuple[str, Any]
        ] = []  # ("value" | "comment", cell) or ("property", name)
        for sheet in self.book.worksheets:
            headers = _headers(sheet)
            for cells in sheet.iter_rows():
                for cell in cells:
                    self._add_cell(sheet.title, cell, headers if cell.row > 1 else {})
        for name, header in _PROPERTIES.items():
            value = getattr(self.book.properties, name, None)
            if isinstance(value, str) and value.strip():
                self._units.append(Unit(value, Location(part="properties", attribute=name), header))
                self._targets.append(("property", name))

    def _add_cell(self, title: str, cell: Any, headers: dict[int, str]) -> None:
        text = cell_text(cell.value)
        if text is not None and text.strip():
            location = Location(sheet=title, cell=cell.coordinate, field=cell.column_letter)
            header = headers.get(cell.column, "")
            self._units.append(
                Unit(text, location, header, row=(title, cell.row), column=cell.column_letter)
            )
            self._targets.append(("value", cell))
        if cell.comment is not None and cell.comment.text.strip():
            location = Location(
                sheet=title, cell=cell.coordinate, field=cell.column_letter, attribute="comment"
            )
            self._units.append(Unit(cell.comment.text, location, column=cell.column_letter))
            self._targets.append(("comment", cell))

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        for i, changes in edits.items():
            slot, where = self._targets[i]
            value = apply_edits(self._units[i].text, changes)
            if slot == "value":
                where.value = value
            elif slot == "comment":
                where.comment = Comment(value, where.comment.author or "")
            else:
                setattr(self.book.properties, where, value)
        self.book.save(target)


def _headers(sheet: Any) -> dict[int, str]:
    """Column headings from the first row, when it holds text labels only."""
    first = next(sheet.iter_rows(max_row=1), None)
    if first is None:
        return {}
    if not all(isinstance(c.value, str) or c.value is None for c in first):
        return {}
    labels = [c.value or "" for c in first]
    return {c.column: str(c.value or "") for c in first} if looks_like_header(labels) else {}
