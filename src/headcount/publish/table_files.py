"""The rows of one table file, whatever its format (CSV, Excel, Parquet), for the disclosure checks.

``read_table(path)`` gives the header and an iterator of rows with Python values: CSV fields are
strings (``cell_number`` reads them), Excel and Parquet cells keep their types. A file that cannot
be read is E1878, naming the file: a table nobody could check is not published.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from headcount import errors
from headcount.errors import HeadcountError

__all__ = ["TableRows", "cell_number", "read_table"]

Row = Sequence[object]
_HEADER_SEARCH = 10


@dataclass(frozen=True, slots=True)
class TableRows:
    columns: tuple[str, ...]
    rows: Iterator[Row]

    def index(self, names: Sequence[str], file: str) -> dict[str, int]:
        """Positions of ``names`` in the header; E1878 when the file lacks one of them."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise HeadcountError(
                errors.PUBLISH_TABLE_FILE, path=file, reason=f"no column {missing[0]}"
            )
        return {n: self.columns.index(n) for n in names}


def cell_number(value: object) -> Decimal | None:
    """A cell as a number, or None when it is empty or not a number (e.g. a suppression mark)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value else None  # NaN is no value
    if isinstance(value, str) and value.strip():
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _unreadable(file: str, kind: str, exc: BaseException) -> HeadcountError:
    reason = f"unreadable {kind}: {type(exc).__name__}"
    return HeadcountError(errors.PUBLISH_TABLE_FILE, path=file, reason=reason)


def _csv(path: Path, file: str) -> TableRows:
    try:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _unreadable(file, "CSV", exc) from None
    if not rows:
        raise HeadcountError(errors.PUBLISH_TABLE_FILE, path=file, reason="empty CSV")
    return TableRows(tuple(rows[0]), iter(rows[1:]))


def _header(rows: list[tuple[Any, ...]], expected: Sequence[str]) -> tuple[int, tuple[str, ...]]:
    """(index of the first data row, column names) of one sheet, or (-1, ()) without a table.

    A row holding ``area_code`` is a header of machine names. Otherwise the columns are the
    contract's, by position (area code, dimensions, measures), under label rows: the data starts
    after the last row, among the first ones, whose cells are all text labels, one per column
    (``tables`` writes title lines, then a Chinese and an English header row).
    """
    width = len(expected)
    last = -1
    for at, row in enumerate(rows[:_HEADER_SEARCH]):
        if "area_code" in row:
            return at + 1, tuple(str(c) if c is not None else "" for c in row)
        cells = list(row[:width])
        rest = [c for c in row[width:] if c not in (None, "")]
        if len(cells) == width and not rest and all(isinstance(c, str) and c for c in cells):
            last = at
    return (last + 1, tuple(expected)) if last >= 0 else (-1, ())


def _xlsx(path: Path, file: str, expected: Sequence[str]) -> TableRows:
    """Every sheet with a table (a long table continues on further sheets, same header)."""
    names: tuple[str, ...] | None = None
    data: list[tuple[Any, ...]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
                start, header = _header(rows, expected)
                if start < 0:
                    continue
                if names is not None and header != names:
                    raise ValueError("sheets with different headers")
                names = header
                data.extend(r for r in rows[start:] if any(c not in (None, "") for c in r))
        finally:
            book.close()
    except Exception as exc:  # zipfile, XML and openpyxl errors alike mean a damaged file
        raise _unreadable(file, "workbook", exc) from None
    if names is None:
        raise HeadcountError(errors.PUBLISH_TABLE_FILE, path=file, reason="no header row")
    return TableRows(names, iter(data))


def _parquet(path: Path, file: str) -> TableRows:
    try:
        parquet = pq.ParquetFile(path)
        names = tuple(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(file, "Parquet", exc) from None

    def rows() -> Iterator[Row]:
        try:
            for batch in parquet.iter_batches(batch_size=65536):
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                yield from zip(*columns, strict=True)
        except (pa.ArrowException, OSError) as exc:
            raise _unreadable(file, "Parquet", exc) from None

    return TableRows(names, rows())


def read_table(path: Path, file: str, expected: Sequence[str]) -> TableRows:
    """Header and rows of ``path``; ``file`` is how errors and findings name it; ``expected`` are
    the columns tables.json gives (area code, dimensions, measures), for a workbook whose
    header rows hold labels for people rather than column names."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path, file)
    if suffix == ".xlsx":
        return _xlsx(path, file, expected)
    if suffix == ".parquet":
        return _parquet(path, file)
    raise HeadcountError(errors.PUBLISH_TABLE_FILE, path=file, reason="not csv, xlsx or parquet")
