"""CSV and TSV: one unit per cell; the first row is the header when it looks like one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, apply_edits, decode_text, malformed
from headcount.scan.findings import Location
from headcount.scan.formats.plain import output_codec


def looks_like_header(row: list[str]) -> bool:
    """A header row has text labels: no cell is mostly digits."""
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and not any(sum(ch.isdigit() for ch in c) * 2 > len(c) for c in cells)


class Delimited:
    kind = "csv"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        text, codec = decode_text(path, data)
        self.codec = output_codec(codec, data)
        self.newline = "\r\n" if "\r\n" in text[:65536] else "\n"
        self.delimiter = "\t" if path.suffix.lower() == ".tsv" else self._sniff(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        self.rows: list[list[str]] = []
        starts: list[int] = []
        try:
            line = 1
            for row in reader:
                starts.append(line)
                self.rows.append(row)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise malformed(
                path, f"CSV error near line {reader.line_num}: {type(exc).__name__}"
            ) from None
        headers = self.rows[0] if self.rows and looks_like_header(self.rows[0]) else []
        self._units: list[Unit] = []
        self._cells: list[tuple[int, int]] = []
        for r, row in enumerate(self.rows):
            for c, value in enumerate(row):
                if not value.strip():
                    continue
                header = headers[c] if c < len(headers) and r > 0 else ""
                location = Location(line=starts[r], field=str(c + 1))
                self._units.append(Unit(value, location, header, row=r, column=c + 1))
                self._cells.append((r, c))

    @staticmethod
    def _sniff(text: str) -> str:
        sample = text[:8192]
        try:
            return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            return ","

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        rows = [list(row) for row in self.rows]
        for i, changes in edits.items():
            r, c = self._cells[i]
            rows[r][c] = apply_edits(rows[r][c], changes)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator=self.newline)
        writer.writerows(rows)
        target.write_bytes(buffer.getvalue().encode(self.codec))
