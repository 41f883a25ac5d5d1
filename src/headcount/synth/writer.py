"""Writing table parts: ``DIR/<table>/part-NNNNN.parquet`` (or .csv), byte-identical for a seed.

Parquet is written by Polars with fixed settings (zstd level 3, fixed row-group size, statistics
on) and carries no timestamp, so the same frames give the same bytes. Every part of a table has the
same schema: the first part written fixes it, and Null-typed columns are stored as strings.
"""

from __future__ import annotations

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
            path, compression="zstd", compression_level=3, statistics=True, row_group_size=ROW_GROUP
        )
    else:
        frame.write_csv(path)
    return path


def read_table(root: Path, table: str) -> pl.LazyFrame:
    """All parts of a table as one lazy frame, whichever format was written."""
    folder = root / table
    if any(folder.glob("*.parquet")):
        return pl.scan_parquet(folder / "*.parquet")
    return pl.scan_csv(folder / "*.csv", infer_schema_length=10_000)
