"""A standard table at one level: aggregate once at small-area grain in DuckDB, roll up to the level
in DuckDB, then complete the grid (every area × every dimension value, zeros included), derive the
ratios and order the rows in Polars (small frames by then).
"""

from __future__ import annotations

import duckdb
import polars as pl

from headcount.tables.population import AREA_COLUMNS
from headcount.tables.reference import province_info
from headcount.tables.specs import TableSpec, share

LEVELS = ("national", "province", "prefecture", "county", "township", "small_area")
NATIONAL_CODE = "CN"
_LEVEL_COLUMN = dict(zip(LEVELS[1:], AREA_COLUMNS, strict=True))


def area_sql(level: str) -> str:
    """The ``area_code`` of a level over a relation carrying the four area columns."""
    return f"'{NATIONAL_CODE}'" if level == "national" else _LEVEL_COLUMN[level]


def areas(con: duckdb.DuckDBPyConnection, level: str) -> pl.DataFrame:
    """Every area of a level that has a small area, in code order."""
    if level == "national":
        return pl.DataFrame({"area_code": [NATIONAL_CODE]})
    column = _LEVEL_COLUMN[level]
    frame: pl.DataFrame = con.sql(
        f"SELECT DISTINCT {column} AS area_code FROM small_areas "
        f"WHERE {column} IS NOT NULL ORDER BY 1"
    ).pl()
    return frame.select(pl.col("area_code").cast(pl.String))


def populations(con: duckdb.DuckDBPyConnection, level: str) -> pl.DataFrame:
    """Usual residents per area of a level (the denominator of shares)."""
    frame: pl.DataFrame = con.sql(
        f"SELECT {area_sql(level)} AS area_code, count(*) AS _population FROM pop GROUP BY ALL"
    ).pl()
    return frame.with_columns(pl.col("area_code").cast(pl.String))


class Table:
    """One spec's small-area-grain aggregate, kept in DuckDB while its levels are made."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
        self.con = con
        self.spec = spec
        self.base = f"base_{spec.id}"
        dims = ", ".join(f"{d.sql} AS {d.name}" for d in spec.dims)
        counts = ", ".join(f"{m.sql} AS {m.name}" for m in spec.measures if m.sql)
        codes = ", ".join(AREA_COLUMNS)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.base} AS "
            f"SELECT {codes}, {dims}, {counts} FROM {spec.source} "
            f"WHERE {spec.where} GROUP BY ALL"
        )

    def at(self, level: str, area_frame: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
        spec = self.spec
        dim_names = [d.name for d in spec.dims]
        count_names = [m.name for m in spec.measures if m.sql]
        sums = ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in count_names)
        rolled = self.con.sql(
            f"SELECT {area_sql(level)} AS area_code, {', '.join(dim_names)}, {sums} "
            f"FROM {self.base} GROUP BY ALL"
        ).pl()
        grid = area_frame
        for dim in spec.dims:
            dtype = pl.Int64 if isinstance(dim.domain[0], int) else pl.String
            values = pl.DataFrame(
                {dim.name: list(dim.domain), f"_ord_{dim.name}": range(len(dim.domain))},
                schema={dim.name: dtype, f"_ord_{dim.name}": pl.Int64},
            )
            grid = grid.join(values, how="cross")
        rolled = rolled.with_columns(
            [pl.col(d.name).cast(grid.schema[d.name]) for d in spec.dims]
            + [pl.col("area_code").cast(pl.String)]
        )
        frame = (
            grid.join(rolled, on=["area_code", *dim_names], how="left")
            .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in count_names])
            .join(population, on="area_code", how="left")
            .with_columns(pl.col("_population").fill_null(0))
        )
        derived = [m.derive().alias(m.name) for m in spec.measures if m.derive is not None]
        if derived:
            frame = frame.with_columns(derived)
        order = ["area_code", *(f"_ord_{d}" for d in dim_names)]
        return frame.sort(order).select(["area_code", *dim_names, *(m.name for m in spec.measures)])


def population_by_province(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The national table the provincial bars read: one row per province with a small area."""
    counts = con.sql(
        "SELECT province_code, count(*) AS population, count_if(sex = 1) AS male, "
        "count_if(sex = 2) AS female, count_if(urban) AS urban FROM pop GROUP BY ALL"
    ).pl()
    codes = areas(con, "province")["area_code"].to_list()
    info = province_info()
    rows = [
        {
            "province_code": code,
            "province_zh": info[code].name_zh if code in info else None,
            "province_en": info[code].name_en if code in info else None,
            "region": info[code].region if code in info else None,
        }
        for code in codes
    ]
    base = pl.DataFrame(
        rows,
        schema={
            "province_code": pl.String,
            "province_zh": pl.String,
            "province_en": pl.String,
            "region": pl.String,
        },
    )
    frame = base.join(
        counts.with_columns(pl.col("province_code").cast(pl.String)), on="province_code", how="left"
    ).with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in _PBP_COUNTS])
    total = int(frame["population"].sum())
    return frame.with_columns(
        pl.lit(NATIONAL_CODE).alias("area_code"),
        share(pl.col("population"), pl.lit(total)).alias("share_pct"),
        share(pl.col("male"), pl.col("female")).alias("sex_ratio"),
        share(pl.col("urban"), pl.col("population")).alias("urban_pct"),
    ).select(
        "area_code",
        "province_code",
        "province_zh",
        "province_en",
        "region",
        *_PBP_COUNTS,
        "share_pct",
        "sex_ratio",
        "urban_pct",
    )


_PBP_COUNTS = ("population", "male", "female", "urban")

__all__ = ["LEVELS", "NATIONAL_CODE", "Table", "area_sql", "areas", "population_by_province"]
