"""Writing table parts: ``DIR/<table>/part-NNNNN.parquet`` (or .csv), byte-identical for a seed.

Parquet is written by Polars with fixed settings (zstd level 1, fixed row-group size, no column
statistics: they cost a third of the writing time and synthetic data is read whole) and carries no
timestamp, so the same frames give the same bytes. Every chunk builds its tables with the same
columns and types; Null-typed columns are stored as strings, and the manifest records each table's
schema so CSV parts read back with their types.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import polars as pl

Format = Literal["parquet", "csv"]

TABLES = (
    "census_areas",
    "small_areas",
    "buildings",
    "dwelling_units",
    "households",
    "persons",
    "death_forms",
    "hmtf_households",
    "hmtf_persons",
    "staff",
    "registers_hukou",
    "registers_births",
    "registers_deaths",
    "truth_persons",
    "truth_deaths",
    "truth_errors",
)
ROW_GROUP = 131_072


def normalise(frame: pl.DataFrame, schema: dict[str, pl.DataType] | None) -> pl.DataFrame:
    """Null-typed columns become strings; with a schema, columns are ordered and cast to it."""
    frame = frame.with_columns(
        pl.col(c).cast(pl.Utf8) for c, t in frame.schema.items() if t == pl.Null
    )
    if schema is None:
        return frame
    return frame.select(
        (pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c))
        for c, t in schema.items()
    )


def write_part(frame: pl.DataFrame, folder: Path, part: int, fmt: Format) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{part:05d}.{fmt}"
    if fmt == "parquet":
        frame.write_parquet(
            path,
            compression="zstd",
            compression_level=1,
            statistics=False,
            row_group_size=ROW_GROUP,
        )
    else:
        frame.write_csv(path)
    return path


_DTYPES: dict[str, pl.DataType] = {
    str(t): t
    for t in (
        pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64(), pl.UInt32(), pl.UInt64(),
        pl.Float64(), pl.Boolean(), pl.String(),
    )
}  # fmt: skip


def schema_of(frame: pl.DataFrame) -> dict[str, str]:
    """Column types as text, recorded in the manifest so CSV parts read back with their types
    (codes such as ethnic group "01" stay strings)."""
    return {name: str(dtype) for name, dtype in frame.schema.items()}


def read_table(root: Path, table: str, schema: dict[str, str] | None = None) -> pl.LazyFrame:
    """All parts of a table as one lazy frame, whichever format was written."""
    folder = root / table
    if any(folder.glob("*.parquet")):
        return pl.scan_parquet(folder / "*.parquet")
    if schema is None:
        manifest = root / "manifest.json"
        tables = (
            json.loads(manifest.read_text("utf-8")).get("tables", {}) if manifest.exists() else {}
        )
        schema = tables.get(table, {}).get("schema")
    if schema:
        types = {c: _DTYPES.get(t, pl.String()) for c, t in schema.items()}
        return pl.scan_csv(folder / "*.csv", schema=types)
    return pl.scan_csv(folder / "*.csv", infer_schema=False)
