"""Parquet tables and JSON indexes, opened as the scanner's text units.

``headcount.scan`` reads text, CSV, Excel, HTML, Word and PDF. A publication bundle also holds
Parquet tables, JSON indexes, and SVG and PNG charts (``images``); each is opened here as a
``scan.extract.Document`` so that the scanner's own recognizers (``scan.report.detect``) look at
every value with the same rules and masked previews as any other file:

* Parquet: every string cell, every integer of 7 digits or more (as in Excel, where a phone number
  typed as a number becomes an integer; integral floats and decimals alike), lists, maps and
  structs down to their leaves, the column names and the file's key-value metadata. A binary
  value that is not UTF-8 text cannot be checked and blocks the file.
* JSON: every key and string, every integer of 7 digits or more; an object's members form one row,
  so a name beside an ID number is found as in a table row.

The documents are read-only (``headcount redact`` does not take them): ``write`` refuses.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, malformed
from headcount.scan.findings import Location

__all__ = [
    "Extracted",
    "JsonDocument",
    "ParquetDocument",
    "big_number",
    "safe_label",
    "unit_text",
]

_BIG = 1_000_000
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def safe_label(name: str, fallback: str) -> str:
    """``name`` when it can name a location without exposing anything, else ``fallback``.

    Locations end up in reports; a key, column or keyword is content of the file and might itself
    be an ID number or a name. An ASCII identifier with at most four digits cannot hold any value
    the scanner looks for (all need seven digits or more, an ``@`` or Chinese characters).
    """
    if _LABEL.fullmatch(name) and sum(ch.isdigit() for ch in name) <= 4:
        return name
    return fallback


def unit_text(value: str) -> str:
    """The scanner joins a document's units with NUL, so a NUL inside one becomes a space."""
    return value.replace("\x00", " ")


def big_number(value: Any) -> str | None:
    """An integer (or integral float/decimal) long enough to be a phone, card or ID number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float | Decimal):
        if not math.isfinite(value) or value != int(value):
            return None
        value = int(value)
    if isinstance(value, int) and abs(value) >= _BIG:
        return str(value)
    return None


class Extracted:
    """Units collected once; ``warnings`` name parts that could not be checked.

    Subclasses are opened as ``Kind(path, data)`` and fill ``_units`` in their constructor.
    """

    kind = "extra"

    def __init__(self, path: Path, data: bytes = b"") -> None:
        self.path = path
        self._units: list[Unit] = []
        self._warnings: list[HeadcountError] = []

    def units(self) -> list[Unit]:
        return self._units

    def pieces(self) -> Iterator[Extracted]:
        """The document in parts scanned one at a time (a big table need not sit in memory as
        units at once); by default the whole document. Read ``warnings`` after the last part."""
        yield self

    def warnings(self) -> list[HeadcountError]:
        return self._warnings

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        raise HeadcountError(errors.SCAN_FORMAT_UNSUPPORTED, path=str(self.path))

    def unchecked(self, part: str) -> None:
        """Name a part of the file that cannot be checked: it blocks the file."""
        self._warnings.append(
            HeadcountError(errors.PUBLISH_PART_UNCHECKED, path=str(self.path), part=part)
        )


class ParquetDocument(Extracted):
    kind = "parquet"

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(path)
        try:
            self._file = pq.ParquetFile(io.BytesIO(data))
            schema = self._file.schema_arrow
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise malformed(path, f"unreadable Parquet: {type(exc).__name__}") from None
        for n, (key, value) in enumerate((schema.metadata or {}).items(), 1):
            self._add_bytes(key, f"metadata key #{n}")
            self._add_bytes(value, f"metadata value #{n}")
        self._names = list(schema.names)
        self._labels = [safe_label(name, f"#{i}") for i, name in enumerate(self._names, 1)]
        for name, label in zip(self._names, self._labels, strict=True):
            self._units.append(Unit(unit_text(name), Location(part=f"schema column {label}")))

    def pieces(self) -> Iterator[Extracted]:
        """The schema and metadata, then one part per batch of 65,536 rows."""
        yield self
        row = 0
        try:
            for batch in self._file.iter_batches(batch_size=65536):
                piece = Extracted(self.path)
                columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for r in range(batch.num_rows):
                    row += 1
                    for name, label, values in zip(self._names, self._labels, columns, strict=True):
                        for text in self._leaves(values[r], label):
                            where = Location(table=1, row=row, field=label)
                            piece._units.append(Unit(text, where, name, row=row, column=label))
                yield piece
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise malformed(self.path, f"unreadable Parquet: {type(exc).__name__}") from None

    def _add_bytes(self, raw: bytes, part: str) -> None:
        try:
            self._units.append(Unit(unit_text(raw.decode("utf-8")), Location(part=part)))
        except UnicodeDecodeError:
            self.unchecked(part)

    def _leaves(self, value: Any, column: str) -> Iterator[str]:
        if isinstance(value, str):
            if value.strip():
                yield unit_text(value)
        elif isinstance(value, bytes):
            try:
                yield unit_text(value.decode("utf-8"))
            except UnicodeDecodeError:
                part = f"binary column {column}"
                if part not in {w.details["part"] for w in self._warnings}:
                    self.unchecked(part)
        elif isinstance(value, dict):
            for item in value.values():
                yield from self._leaves(item, column)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from self._leaves(item, column)
        else:
            number = big_number(value)
            if number is not None:
                yield number


class JsonDocument(Extracted):
    kind = "json"

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(path)
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise malformed(path, f"unreadable JSON: {type(exc).__name__}") from None
        try:
            self._walk(doc, "", "")
        except RecursionError:
            raise malformed(path, "JSON nested too deeply") from None

    def _walk(self, value: Any, pointer: str, key: str) -> None:
        """An object's keys and scalars first (one row), then its containers, depth first."""
        if isinstance(value, dict):
            row = pointer or "/"
            for n, (name, item) in enumerate(value.items(), 1):
                at = f"{pointer}/{_step(name, n)}"
                self._add(name, at, "", row, key=True)
                if not isinstance(item, dict | list):
                    self._add(_scalar(item), at, name, row)
            for n, (name, item) in enumerate(value.items(), 1):
                if isinstance(item, dict | list):
                    self._walk(item, f"{pointer}/{_step(name, n)}", name)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict | list):
                    self._walk(item, f"{pointer}/{i}", key)
                else:
                    self._add(_scalar(item), f"{pointer}/{i}", key, None)
        else:
            self._add(_scalar(value), pointer, key, None)

    def _add(
        self, text: str | None, at: str, header: str, row: str | None, *, key: bool = False
    ) -> None:
        if text and text.strip():
            where = Location(part=at or "/", attribute="key" if key else None)
            self._units.append(Unit(unit_text(text), where, header, row=row))


def _scalar(value: Any) -> str | None:
    return value if isinstance(value, str) else big_number(value)


def _step(name: str, number: int) -> str:
    """A JSON-pointer step: the key when it is a safe label, else ``#n`` (its member number)."""
    return safe_label(name, f"#{number}")
