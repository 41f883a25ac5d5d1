"""The confidential histograms a release measures, from an extract or a synthetic directory.

Who is counted is the tables' definition (``tables.population``: the resident population at the
standard time point by ``processing.counting``, records the field confirmed erroneous left out),
computed here at the small area, which the tables never need. Everything is aggregated in DuckDB
at the small area and rolled up in numpy along the geography, so every level's histograms are
sums of the same small-area cells.

The geography is public (the division and urban-rural codes are published), so every small area of
``small_areas`` is a unit of the release, inhabited or not, and whether a unit has urban or rural
small areas is a structural fact, not a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from scipy import sparse  # type: ignore[import-untyped]

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing import counting
from headcount.tables import population, source
from headcount.tables.compute import NATIONAL_CODE

LEVELS = ("national", "province", "prefecture", "county", "township", "small_area")
_COLUMN = {
    "province": "province_code",
    "prefecture": "prefecture_code",
    "county": "county_code",
    "township": "township_code",
    "small_area": "small_area_code",
}
MAX_AGE = 100  # 100 and over: one cell
SEXES = ("M", "F")  # codes 1 and 2
SEX_AGE_CELLS = tuple(
    f"{sex}{age}{'+' if age == MAX_AGE else ''}" for sex in SEXES for age in range(MAX_AGE + 1)
)
ADULT = np.array([int(cell[1:].rstrip("+")) >= 18 for cell in SEX_AGE_CELLS])  # 18 and over
HOUSEHOLD_TYPES = ("family", "collective")  # household_type 1 and 2
MAX_SIZE = 10  # 10 persons and more: one cell
HOUSEHOLD_CELLS = tuple(
    f"{kind}:{size}{'+' if size == MAX_SIZE else ''}"
    for kind in HOUSEHOLD_TYPES
    for size in range(1, MAX_SIZE + 1)
)
CLASSES = ("urban", "rural")


@dataclass(frozen=True, slots=True)
class Level:
    """The units of one geolevel, in code order within their parent."""

    name: str
    codes: np.ndarray  # str objects
    parent: np.ndarray  # index of each unit's parent in the level above (zeros at the nation)
    classes: np.ndarray  # (n, 2) bool: the unit has urban / rural small areas

    @property
    def size(self) -> int:
        return int(self.codes.size)


@dataclass(frozen=True, slots=True)
class Confidential:
    """Every level's true histograms (int64): persons by class, sex × age, households."""

    levels: tuple[Level, ...]
    persons: tuple[np.ndarray, ...]  # (n, 2) urban, rural
    sex_age: tuple[np.ndarray, ...]  # (n, 202)
    households: tuple[np.ndarray, ...]  # (n, 20) households by type × size
    source_digest: str


def _geography(frame: pl.DataFrame) -> tuple[list[Level], list[np.ndarray]]:
    """The levels, and for each level below the nation the indicator of its units' small areas."""
    frame = frame.sort([_COLUMN[level] for level in LEVELS[1:]])
    for level in LEVELS[1:-1]:  # each unit has one parent: codes nest
        below = LEVELS[LEVELS.index(level) + 1]
        parents = frame.group_by(_COLUMN[below]).agg(pl.col(_COLUMN[level]).n_unique())
        if parents[_COLUMN[level]].max() != 1:
            raise HeadcountError(errors.DP_SOURCE_GEOGRAPHY, level=below)
    urban = frame["urban"].fill_null(False).to_numpy().astype(bool)
    leaf_classes = np.stack([urban, ~urban], axis=1)
    n_leaf = frame.height
    levels: list[Level] = []
    indicators: list[np.ndarray] = []
    previous: np.ndarray = np.zeros(n_leaf, dtype=np.int64)
    for level in LEVELS:
        if level == "national":
            index = np.zeros(n_leaf, dtype=np.int64)
            codes = np.array([NATIONAL_CODE], dtype=object)
        else:
            column = frame[_COLUMN[level]].to_numpy().astype(str)
            # Sorted frame: units of a level are contiguous, in order; number them as they come.
            change = np.ones(n_leaf, dtype=bool)
            change[1:] = column[1:] != column[:-1]
            index = np.cumsum(change) - 1
            codes = column[change].astype(object)
        n = int(index.max()) + 1 if n_leaf else 1
        parent = np.zeros(n, dtype=np.int64)
        parent[index] = previous
        classes = np.zeros((n, 2), dtype=bool)
        np.logical_or.at(classes, index, leaf_classes)
        levels.append(Level(level, codes, parent, classes))
        indicators.append(index)
        previous = index
    return levels, indicators


def _roll_up(leaf: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    matrix = sparse.csr_matrix(
        (np.ones(index.size, dtype=np.int64), (index, np.arange(index.size))),
        shape=(n, index.size),
    )
    return np.asarray(matrix @ leaf, dtype=np.int64)


def _cells(frame: pl.DataFrame, leaves: pl.DataFrame, width: int) -> np.ndarray:
    """(small area, cell, n) rows as a (small areas × width) matrix in the geography's order."""
    out = np.zeros((leaves.height, width), dtype=np.int64)
    if frame.height:
        placed = frame.join(leaves, on="small_area_code", how="inner")
        rows, cells = placed["_row"].to_numpy(), placed["cell"].to_numpy()
        np.add.at(out, (rows, cells), placed["n"].to_numpy())
    return out


def confidential(root: Path) -> Confidential:
    """Every level's true histograms of the source at ``root`` (extract or synthetic directory)."""
    src = source.open_source(root)
    con = duckdb.connect()
    try:
        source.register(con, src)
        counting.register_districts(con)
        confirmed = counting.confirmed_erroneous_sql("verifications")
        con.execute(  # the records population.build counts, at their small area
            "CREATE OR REPLACE TEMP VIEW records AS "
            "SELECT p.*, h.small_area_code, h.household_type "
            "FROM persons AS p JOIN households AS h USING (household_id) "
            f"WHERE NOT EXISTS (SELECT 1 FROM ({confirmed}) AS x "
            "WHERE x.household_id = p.household_id AND x.person_no = p.person_no)"
        )
        select = (
            "sa.small_area_code, r.household_id, r.household_type, r.sex, "
            f"{population.age_sql('r.')} AS age"
        )
        view = counting.view_sql("records", "small_areas", select=select)
        con.execute(f"CREATE TEMP TABLE dp_pop AS SELECT * FROM ({view}) WHERE counted")
        bad = con.execute(
            "SELECT count(*) FROM dp_pop WHERE sex NOT IN (1, 2) OR sex IS NULL "
            "OR age IS NULL OR age < 0"
        ).fetchall()[0][0]
        if bad:
            raise HeadcountError(errors.DP_SOURCE_UNPLACED, count=str(bad))
        geography = con.sql(
            "SELECT small_area_code, township_code, county_code, prefecture_code, "
            "province_code, urban FROM small_areas"
        ).pl()
        people = con.sql(
            f"SELECT small_area_code, (sex - 1) * {MAX_AGE + 1} + least(age, {MAX_AGE}) AS cell, "
            "count(*) AS n FROM dp_pop GROUP BY ALL"
        ).pl()
        homes = con.sql(
            f"SELECT small_area_code, (household_type - 1) * {MAX_SIZE} + least(n, {MAX_SIZE}) - 1"
            " AS cell, count(*) AS n FROM (SELECT small_area_code, household_id, household_type, "
            "count(*) AS n FROM dp_pop WHERE household_type IN (1, 2) GROUP BY ALL) GROUP BY ALL"
        ).pl()
    finally:
        con.close()
    levels, indicators = _geography(geography)
    leaves = pl.DataFrame(
        {"small_area_code": levels[-1].codes.astype(str), "_row": np.arange(levels[-1].size)}
    ).with_columns(pl.col("small_area_code").cast(people["small_area_code"].dtype))
    sex_age_leaf = _cells(people, leaves, len(SEX_AGE_CELLS))
    households_leaf = _cells(homes, leaves, len(HOUSEHOLD_CELLS))
    total_leaf = sex_age_leaf.sum(axis=1)
    persons_leaf = np.where(levels[-1].classes, total_leaf[:, None], 0)
    persons, sex_age, households = [], [], []
    for level, index in zip(levels, indicators, strict=True):
        persons.append(_roll_up(persons_leaf, index, level.size))
        sex_age.append(_roll_up(sex_age_leaf, index, level.size))
        households.append(_roll_up(households_leaf, index, level.size))
    return Confidential(
        tuple(levels), tuple(persons), tuple(sex_age), tuple(households), src.digest
    )


__all__ = [
    "ADULT",
    "CLASSES",
    "HOUSEHOLD_CELLS",
    "LEVELS",
    "SEX_AGE_CELLS",
    "Confidential",
    "Level",
    "confidential",
]
