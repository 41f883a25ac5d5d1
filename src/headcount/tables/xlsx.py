"""One standard table as an XLSX workbook for people: title rows naming the table (zh and en), its
universe, the source digest and the counting-rule version; then a bold, wrapped header row in
Chinese and one in English, frozen above the data; number formats by measure kind.

Written in openpyxl's streaming mode (memory does not grow with the rows). A table longer than a
sheet (1,048,576 rows) continues on further sheets, each with the same header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

MAX_ROWS = 1_048_576
TITLE_LINES = 6
HEADER_ROWS = TITLE_LINES + 3  # the title lines, a blank row, the zh and en header rows
NUMBER_FORMATS = {
    "count": "#,##0",
    "per_100k": "#,##0",
    "percent": "0.00",
    "ratio": "0.00",
    "mean": "0.00",
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    zh: str
    en: str
    kind: str | None  # a measure kind, or None for the area code and dimensions


@dataclass(frozen=True, slots=True)
class Sheet:
    title_zh: str
    title_en: str
    universe_zh: str
    universe_en: str
    level: str
    source: str  # "<kind> sha256:<digest>"
    rule_version: str
    columns: Sequence[Column]


def _title_rows(ws: Any, sheet: Sheet, part: int) -> None:
    big, plain = Font(bold=True, size=13), Font(size=10)
    suffix = f"（续 {part}）" if part > 1 else ""
    lines = [
        (sheet.title_zh + suffix, big),
        (sheet.title_en + (f" (continued, part {part})" if part > 1 else ""), big),
        (f"统计范围：{sheet.universe_zh}", plain),
        (f"Universe: {sheet.universe_en}", plain),
        (f"汇总层级 Level: {sheet.level}    数据来源 Source: {sheet.source}", plain),
        (f"计数规则版本 Counting rules: {sheet.rule_version}", plain),
    ]
    for text, font in lines:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = font
        ws.append([cell])
    ws.append([])
    header = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for lang in ("zh", "en"):
        row = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=col.zh if lang == "zh" else col.en)
            cell.font, cell.alignment = header, wrap
            row.append(cell)
        ws.append(row)


def _new_sheet(book: Workbook, sheet: Sheet, part: int) -> tuple[Any, int]:
    ws = book.create_sheet("data" if part == 1 else f"data {part}")
    for index, col in enumerate(sheet.columns, start=1):
        width = 14 if col.kind is None else 12
        ws.column_dimensions[get_column_letter(index)].width = max(width, len(col.en) + 2)
    ws.freeze_panes = f"B{HEADER_ROWS + 1}"
    _title_rows(ws, sheet, part)
    return ws, HEADER_ROWS


def write(path: Path, frame: pl.DataFrame, sheet: Sheet) -> None:
    """Write ``frame`` (its columns in the order of ``sheet.columns``) to ``path``."""
    book = Workbook(write_only=True)
    part = 1
    ws, used = _new_sheet(book, sheet, part)
    formats = [NUMBER_FORMATS.get(col.kind or "") for col in sheet.columns]
    for values in frame.select([c.name for c in sheet.columns]).iter_rows():
        if used >= MAX_ROWS:
            part += 1
            ws, used = _new_sheet(book, sheet, part)
        row: list[object] = []
        for value, fmt in zip(values, formats, strict=True):
            if fmt is None or value is None:
                row.append(value)
            else:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                row.append(cell)
        ws.append(row)
        used += 1
    book.save(path)
