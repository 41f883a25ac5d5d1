"""Hand-built tables and communiqué directories, per docs/processing.md "The tables directory".

``write_tables`` writes every table as CSV, Excel and Parquet plus ``tables.json`` with their
digests; an ``Edit`` changes one cell in one format only (how a leak or a small cell gets in).
``write_communique`` writes Markdown, HTML, JSON and a chart as SVG + PNG. All values are
synthetic; the one ID number is built with ``identity.citizen_id.check_char``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from headcount.identity.citizen_id import check_char, mask

_BASE = "11010119900307123"
ID = _BASE + check_char(_BASE)  # synthetic, valid: area 110101, born 1990-03-07
MASKED_ID = mask(ID)  # 1****************X style
FORMATS = ("csv", "xlsx", "parquet")


@dataclass
class TableData:
    id: str
    level: str
    dimensions: list[str]
    measures: list[tuple[str, str]]  # (name, kind)
    rows: list[list[object]]
    types: dict[str, pa.DataType] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return self.dimensions + [name for name, _ in self.measures]


@dataclass(frozen=True)
class Edit:
    """Set ``column`` of row ``row`` of table ``table`` to ``value`` in format ``fmt`` only."""

    fmt: str
    table: str
    row: int
    column: str
    value: object


def standard_tables() -> list[TableData]:
    ages = [["CN", age, 500 + age, 480 + age, 980 + 2 * age] for age in range(10)]
    provinces = [
        ["11", 21893095, 51.14, 104.65],
        ["12", 13866009, 51.53, 106.31],
        ["31", 24870895, 51.77, 107.33],
    ]
    counties = [["110101", "1", 7, 3], ["110102", "1", 0, 12], ["110105", "2", 25, 4]]
    return [
        TableData(
            "age_sex_single_year",
            "national",
            ["area_code", "age"],
            [("male", "count"), ("female", "count"), ("total", "count")],
            ages,
            {"age": pa.int64()},
        ),
        TableData(
            "population_by_province",
            "province",
            ["area_code"],
            [("population", "count"), ("male_pct", "percent"), ("sex_ratio", "ratio")],
            provinces,
        ),
        TableData(
            "households_by_type",
            "county",
            ["area_code", "household_type"],
            [("households", "count"), ("persons", "count")],
            counties,
        ),
    ]


def _rows(table: TableData, fmt: str, edit: Edit | None) -> list[list[object]]:
    rows = [list(r) for r in table.rows]
    if edit is not None and edit.fmt == fmt and edit.table == table.id:
        rows[edit.row][table.columns.index(edit.column)] = edit.value
    return rows


def _arrow_type(table: TableData, column: str, values: list[object]) -> pa.DataType:
    if column in table.types:
        return table.types[column]
    if column in table.dimensions or any(isinstance(v, str) for v in values):
        return pa.string()
    return pa.float64() if any(isinstance(v, float) for v in values) else pa.int64()


def _write(path: Path, table: TableData, fmt: str, edit: Edit | None) -> None:
    rows = _rows(table, fmt, edit)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(table.columns)
            writer.writerows(rows)
    elif fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = table.id[:31]
        sheet.append(table.columns)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        columns = {}
        for i, name in enumerate(table.columns):
            values = [r[i] for r in rows]
            columns[name] = pa.array(values, type=_arrow_type(table, name, values))
        pq.write_table(pa.table(columns), path)


def write_tables(
    root: Path,
    tables: list[TableData] | None = None,
    *,
    edit: Edit | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> Path:
    tables = standard_tables() if tables is None else tables
    entries = []
    for table in tables:
        files, digests = {}, {}
        for fmt in formats:
            name = f"{table.level}/{table.id}.{fmt}"
            _write(root / name, table, fmt, edit)
            files[fmt] = name
            digests[fmt] = hashlib.sha256((root / name).read_bytes()).hexdigest()
        entries.append(
            {
                "id": table.id,
                "level": table.level,
                "title_zh": "表",
                "title_en": table.id.replace("_", " "),
                "universe_zh": "常住人口",
                "universe_en": "Usual residents",
                "dimensions": table.dimensions,
                "measures": [{"name": n, "kind": k} for n, k in table.measures],
                "rows": len(table.rows),
                "files": files,
                "sha256": digests,
            }
        )
    index = {
        "format": "headcount-tables",
        "version": 1,
        "created_at": "2020-11-01T00:00:00Z",
        "engine": "duckdb",
        "source": {"path": "/tmp/x", "kind": "synth", "digest": "ab" * 32, "key_id": "cd" * 8},
        "counting_rule_version": "2020.1",
        "levels": sorted({t.level for t in tables}),
        "figures": {"population_total": 1411778724, "sex_ratio": 105.07},
        "figures_by_province": {"11": {"population": 21893095, "sex_ratio": 104.65}},
        "tables": entries,
    }
    (root / "tables.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), "utf-8")
    return root


def png(
    text_chunks: dict[str, str] | None = None, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> bytes:
    """A 1×1 grey PNG with tEXt chunks (and any extra raw chunks)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return struct.pack(">I", len(body)) + kind + body + crc

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    for key, value in (text_chunks or {"Software": "headcount"}).items():
        out += chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1"))
    for kind, body in extra:
        out += chunk(kind, body)
    return out + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")


SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="200pt" height="100pt" viewBox="0 0 200 100" version="1.1">
 <metadata><title>人口金字塔</title></metadata>
 <g id="figure_1">
  <path d="M 0 100 L 200 100 L 200 0 L 0 0 z" style="fill: #ffffff"/>
  <!-- {comment} -->
  <text x="10" y="20">{label}</text>
 </g>
</svg>
"""


def write_communique(
    root: Path,
    *,
    markdown_extra: str = "",
    svg_comment: str = "人口金字塔 Population pyramid",
    chart_png: bytes | None = None,
    svg: bool = True,
) -> Path:
    (root / "charts").mkdir(parents=True, exist_ok=True)
    (root / "communique.md").write_text(
        "# 第七次全国人口普查公报（第一号）\n\n全国人口共 1411778724 人，性别比为 105.07。\n"
        + markdown_extra,
        "utf-8",
    )
    (root / "communique.html").write_text(
        "<!doctype html><html><body><h1>公报</h1><table><tr><th>省份</th><th>人口</th></tr>"
        "<tr><td>北京市</td><td>21893095</td></tr></table></body></html>",
        "utf-8",
    )
    (root / "communique.json").write_text(
        json.dumps({"title": "公报", "figures": {"population_total": 1411778724}}), "utf-8"
    )
    if svg:
        text = SVG.format(comment=svg_comment, label="男 Male")
        (root / "charts" / "pyramid.svg").write_text(text, "utf-8")
    (root / "charts" / "pyramid.png").write_bytes(chart_png if chart_png is not None else png())
    return root
