"""Tables in long form: one row per cell, margins included, as suppression publishes them.

A standard table (``tables.specs``) is wide: one row per area and dimension values, one column per
count (``male``, ``female``, ``total``). Suppression works on *cells*, so each table becomes

    geocode, <one column per dimension>, count, status

with ``sex`` a dimension (``male``, ``female``, ``total``) when the counts are by sex, or
``measure`` (``households``, ``persons``: two counts, no total) otherwise. Every dimension that
adds up gets margin rows whose value is ``total`` (all subsets: the age total of every education,
the education total of every age, and both), so the published file holds exactly the equations an
attacker can use. Derived measures (percent, mean, ratio) are dropped: a share of a suppressed
count would give the count back. ``count`` is empty where the cell is suppressed, and ``status`` is
``published``, ``primary`` or ``secondary``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from headcount.tables.index import TableEntry

__all__ = [
    "COUNT",
    "GEOCODE",
    "MARGIN",
    "MEASURE",
    "PRIMARY",
    "PUBLISHED",
    "SECONDARY",
    "SEX",
    "STATUS",
    "STATUSES",
    "LongTable",
    "is_long",
    "to_long",
    "write_long",
]

GEOCODE = "geocode"
COUNT = "count"
STATUS = "status"
MARGIN = "total"
SEX = "sex"
MEASURE = "measure"
PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
STATUSES = (PUBLISHED, PRIMARY, SECONDARY)
BY_SEX = ("male", "female", "total")
# Dimensions whose values do not add up to a total (their own sums, if any, are in structure.py).
NO_MARGIN = {("mobility", "category")}


@dataclass(frozen=True, slots=True, eq=False)
class LongTable:
    """One table at one level in long form; ``frame`` has GEOCODE, *dims, COUNT, STATUS."""

    id: str
    level: str
    dims: tuple[str, ...]
    frame: pl.DataFrame
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.level}/{self.id}"

    def with_status(self, status: pl.Series) -> LongTable:
        """The table as published: ``status`` per row, the count emptied where suppressed."""
        frame = self.frame.with_columns(status.alias(STATUS)).with_columns(
            pl.when(pl.col(STATUS) == PUBLISHED).then(pl.col(COUNT)).otherwise(None).alias(COUNT)
        )
        return replace(self, frame=frame)


def is_long(table: TableEntry) -> bool:
    """A table suppression wrote: keyed by ``geocode``, one ``count`` measure."""
    return bool(table.dimensions) and table.dimensions[0] == GEOCODE and COUNT in table.measures


def _ordinals(frame: pl.DataFrame, dims: list[str]) -> pl.DataFrame:
    """An order column per dimension: first appearance in the wide table, ``total`` last."""
    columns = []
    for dim in dims:
        values = frame[dim].unique(maintain_order=True).to_list()
        rank = {v: n for n, v in enumerate(v for v in values if v != MARGIN)}
        rank[MARGIN] = len(rank)
        columns.append(pl.col(dim).replace_strict(rank, return_dtype=pl.Int64).alias(f"_o_{dim}"))
    return frame.with_columns(columns)


def to_long(table: TableEntry, wide: pl.DataFrame) -> LongTable | None:
    """The long form of a wide table with its margins; None when it has no count measure."""
    counts = [name for name, kind in table.measures.items() if kind == "count"]
    if not counts:
        return None
    dims = [d for d in table.dimensions if d != "area_code"]
    frame = wide.select(
        pl.col("area_code").cast(pl.String).alias(GEOCODE),
        *(pl.col(d).cast(pl.String) for d in dims),
        *(pl.col(c).cast(pl.Int64) for c in counts),
    )
    melted = SEX if sorted(counts) == sorted(BY_SEX) else MEASURE
    order = list(BY_SEX) if melted == SEX else counts
    long = frame.unpivot(
        index=[GEOCODE, *dims], on=order, variable_name=melted, value_name=COUNT
    ).with_columns(pl.col(COUNT).cast(pl.Int64))
    all_dims = [*dims, melted]
    ranked = _ordinals(long, all_dims)  # wide order, before the margins join the rows
    for dim in dims:  # sex has its total already; ``measure`` and nested categories have none
        if (table.id, dim) in NO_MARGIN:
            continue
        others = [GEOCODE, *(d for d in all_dims if d != dim)]
        margin = (
            ranked.group_by(others + [f"_o_{d}" for d in all_dims if d != dim], maintain_order=True)
            .agg(pl.col(COUNT).sum())
            .with_columns(
                pl.lit(MARGIN).alias(dim), pl.lit(10**6, dtype=pl.Int64).alias(f"_o_{dim}")
            )
        )
        ranked = pl.concat([ranked, margin.select(ranked.columns)])
    ordered = ranked.sort([GEOCODE, *(f"_o_{d}" for d in all_dims)]).select(
        GEOCODE, *all_dims, COUNT
    )
    ordered = ordered.with_columns(pl.lit(PUBLISHED).alias(STATUS))
    titles = {
        "title_zh": table.title_zh,
        "title_en": table.title_en,
        "universe_zh": table.universe_zh,
        "universe_en": table.universe_en,
    }
    return LongTable(table.id, table.level, tuple(all_dims), ordered, titles)


def write_long(table: LongTable, root: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """``root/<level>/<id>.<fmt>`` for each format (csv, parquet); returns format → path."""
    folder = root / table.level
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = folder / f"{table.id}.{fmt}"
        if fmt == "csv":
            table.frame.write_csv(path, null_value="")
        else:
            table.frame.write_parquet(path)
        written[fmt] = path
    return written
