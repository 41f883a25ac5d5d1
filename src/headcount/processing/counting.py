"""Who is counted where (常住人口): the one module every table uses (docs/processing.md).

The rules are one table of small boolean expressions (``RULES``) over seven inputs, rendered both
to DuckDB SQL (``sql_expressions``, ``view_sql``) and to Polars (``polars_expressions``,
``apply``), so the two engines cannot drift apart. Every comparison is two-valued: an empty item
makes the comparison false (never null), so ``counted`` and the mobility flags are always true or
false.

Inputs, per census person record joined to the small area it was recorded in:

    residence_at_reference  D7     hukou_place        D8     time_away_from_hukou  D9
    hukou_county            the county of an "other county" hukou (D8 = 4)
    county_code             the small area's county (the residence county of a residence record)
    residence_is_district   county_code is a 市辖区 district (…区)
    hukou_is_district       hukou_county is a district

Decisions beyond the text of forms-2020 §9–§10 (version 2020.2):

- A record whose D7 is empty is neither a residence nor a hukou-place record: not counted.
- For D8 = 3 (other township, same county) the hukou county is the residence county, so the move
  is within one city's districts exactly when that county is a district.
- D8 = 4 with an empty or unknown hukou county is floating and intraprovincial (it cannot be shown
  to be within a city, nor to cross a provincial border).
- (2020.2) A record the field confirmed, answering a verification task of the quality run, as the
  copy of a duplicate or as a person who died before the standard time point is not counted
  (``CONFIRMED_ERRONEOUS``; the extract's ``verifications``). Suspicions alone change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import duckdb
import polars as pl

from headcount.identity.divisions import divisions

RULE_VERSION = "2020.2"
# (finding, answer) of a verification that takes a census record out of the count.
CONFIRMED_ERRONEOUS = (("duplicate", "duplicate_confirmed"), ("died", "died"))

D7 = "residence_at_reference"
D8 = "hukou_place"
D9 = "time_away_from_hukou"
HUKOU_COUNTY = "hukou_county"
COUNTY = "county_code"
RESIDENCE_DISTRICT = "residence_is_district"
HUKOU_DISTRICT = "hukou_is_district"
INPUTS = (D7, D8, D9, HUKOU_COUNTY, COUNTY, RESIDENCE_DISTRICT, HUKOU_DISTRICT)

DISTRICTS = "county_districts"  # the lookup table's name in DuckDB: county_code, is_district


# --- the expression language (just enough for the rules) --------------------------------------
class Expr:
    def __and__(self, other: Expr) -> Expr:
        return _And(self, other)

    def __or__(self, other: Expr) -> Expr:
        return _Or(self, other)

    def __invert__(self) -> Expr:
        return _Not(self)


@dataclass(frozen=True)
class _In(Expr):
    column: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class _AtLeast(Expr):
    column: str
    value: int


@dataclass(frozen=True)
class _Flag(Expr):
    column: str


@dataclass(frozen=True)
class _Prefix(Expr):
    """The first ``length`` characters of two codes are equal (``same``) or differ."""

    left: str
    right: str
    length: int
    same: bool


@dataclass(frozen=True)
class _And(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class _Or(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True)
class _Not(Expr):
    inner: Expr


@dataclass(frozen=True)
class _Ref(Expr):
    rule: str


def _in(column: str, *values: int) -> Expr:
    return _In(column, values)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    expr: Expr
    zh: str
    en: str


_res, _huk = _Ref("residence_record"), _Ref("hukou_record")
_same_city = _Prefix(HUKOU_COUNTY, COUNTY, 4, True)  # one prefecture: the first four digits
RULES: tuple[Rule, ...] = (
    Rule("residence_record", _in(D7, 1), "普查时点居住在本普查小区", "lived in this small area"),
    Rule("hukou_record", _in(D7, 2, 3, 4, 5, 6, 7), "户口在本小区而人不在", "hukou here, absent"),
    Rule(
        "left_hukou_recently",
        _in(D8, 3, 4) & _in(D9, 2),
        "离开外乡镇户口登记地不满半年",
        "left a hukou in another township less than six months ago",
    ),
    Rule(
        "counted",
        (_res & ~_Ref("left_hukou_recently"))
        | (_huk & (_in(D7, 6, 7) | (_in(D7, 4, 5) & _in(D9, 2)))),
        "常住人口（在本小区计数）",
        "usual resident counted at this small area",
    ),
    Rule(
        "hukou_separated",
        _res & _in(D8, 3, 4) & _AtLeast(D9, 3),
        "人户分离",
        "living away from the hukou township for six months or more",
    ),
    Rule(
        "within_city",
        _Ref("hukou_separated")
        & _Flag(RESIDENCE_DISTRICT)
        & (_in(D8, 3) | (_in(D8, 4) & _Flag(HUKOU_DISTRICT) & _same_city)),
        "市辖区内人户分离",
        "separated within the districts of one city",
    ),
    Rule(
        "floating",
        _Ref("hukou_separated") & ~_Ref("within_city"),
        "流动人口",
        "floating population",
    ),
    Rule(
        "interprovincial",
        _Ref("floating") & _in(D8, 4) & _Prefix(HUKOU_COUNTY, COUNTY, 2, False),
        "跨省流动人口",
        "interprovincial floating population",
    ),
    Rule(
        "intraprovincial",
        _Ref("floating") & ~_Ref("interprovincial"),
        "省内流动人口",
        "intraprovincial floating population",
    ),
)
DERIVED = (
    "counted",
    "hukou_separated",
    "within_city",
    "floating",
    "interprovincial",
    "intraprovincial",
)
_BY_NAME = {rule.name: rule for rule in RULES}


# --- rendering ----------------------------------------------------------------------------------
def _sql(expr: Expr, cols: Mapping[str, str]) -> str:
    if isinstance(expr, _In):
        values = ", ".join(str(v) for v in expr.values)
        return f"coalesce({cols[expr.column]} IN ({values}), false)"
    if isinstance(expr, _AtLeast):
        return f"coalesce({cols[expr.column]} >= {expr.value}, false)"
    if isinstance(expr, _Flag):
        return f"coalesce({cols[expr.column]}, false)"
    if isinstance(expr, _Prefix):
        op = "=" if expr.same else "<>"
        n = expr.length
        left, right = cols[expr.left], cols[expr.right]
        return f"coalesce(substr({left}, 1, {n}) {op} substr({right}, 1, {n}), false)"
    if isinstance(expr, _And):
        return f"({_sql(expr.left, cols)} AND {_sql(expr.right, cols)})"
    if isinstance(expr, _Or):
        return f"({_sql(expr.left, cols)} OR {_sql(expr.right, cols)})"
    if isinstance(expr, _Not):
        return f"(NOT {_sql(expr.inner, cols)})"
    if isinstance(expr, _Ref):
        return _sql(_BY_NAME[expr.rule].expr, cols)
    raise TypeError(type(expr).__name__)


def _polars(expr: Expr) -> pl.Expr:
    if isinstance(expr, _In):
        return pl.col(expr.column).is_in(list(expr.values)).fill_null(False)
    if isinstance(expr, _AtLeast):
        return (pl.col(expr.column) >= expr.value).fill_null(False)
    if isinstance(expr, _Flag):
        return pl.col(expr.column).fill_null(False)
    if isinstance(expr, _Prefix):
        left = pl.col(expr.left).str.slice(0, expr.length)
        right = pl.col(expr.right).str.slice(0, expr.length)
        return (left == right if expr.same else left != right).fill_null(False)
    if isinstance(expr, _And):
        return _polars(expr.left) & _polars(expr.right)
    if isinstance(expr, _Or):
        return _polars(expr.left) | _polars(expr.right)
    if isinstance(expr, _Not):
        return ~_polars(expr.inner)
    if isinstance(expr, _Ref):
        return _polars(_BY_NAME[expr.rule].expr)
    raise TypeError(type(expr).__name__)


def sql_expressions(cols: Mapping[str, str] | None = None) -> dict[str, str]:
    """SQL boolean expressions of the derived columns, by name; ``cols`` maps each input name of
    ``INPUTS`` to a SQL column reference (default: the bare input names)."""
    mapping = {name: name for name in INPUTS} | dict(cols or {})
    return {name: _sql(_BY_NAME[name].expr, mapping) for name in DERIVED}


def polars_expressions() -> dict[str, pl.Expr]:
    """Polars expressions of the derived columns over a frame holding the ``INPUTS`` columns."""
    return {name: _polars(_BY_NAME[name].expr).alias(name) for name in DERIVED}


# --- the district lookup ------------------------------------------------------------------------
@cache
def district_frame() -> pl.DataFrame:
    """Every county-level code of GB/T 2260 (historical ones included) and whether it is a 市辖区
    district, judged by ``divisions().is_district``; one row per code."""
    table = divisions()
    codes = sorted({d.code for d in table.counties(current_only=False)})
    return pl.DataFrame(
        {"county_code": codes, "is_district": [table.is_district(c) for c in codes]},
        schema={"county_code": pl.String, "is_district": pl.Boolean},
    )


def register_districts(con: duckdb.DuckDBPyConnection, name: str = DISTRICTS) -> None:
    """Create the lookup as a temporary table in a DuckDB connection (one join, not a call per
    row)."""
    con.register("_headcount_districts_arrow", district_frame().to_arrow())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _headcount_districts_arrow")
    con.unregister("_headcount_districts_arrow")


def confirmed_erroneous_sql(verifications: str) -> str:
    """(household_id, person_no) of the records the field confirmed should not be counted."""
    pairs = " OR ".join(
        f"(v.finding = '{finding}' AND v.answer = '{answer}')"
        for finding, answer in CONFIRMED_ERRONEOUS
    )
    return f"SELECT v.household_id, v.person_no FROM {verifications} AS v WHERE {pairs}"


def view_sql(
    records: str,
    small_areas: str,
    *,
    districts: str = DISTRICTS,
    select: str = "r.*, sa.* EXCLUDE (small_area_code)",
) -> str:
    """A SELECT adding the derived columns to census person records.

    ``records`` is a relation with ``small_area_code`` and the person items (D7, D8, D9,
    ``hukou_county``); ``small_areas`` one with ``small_area_code`` and ``county_code``;
    ``districts`` the lookup of ``register_districts``. Aliases: r, sa, rd, hd.
    """
    cols = {
        D7: f"r.{D7}",
        D8: f"r.{D8}",
        D9: f"r.{D9}",
        HUKOU_COUNTY: f"r.{HUKOU_COUNTY}",
        COUNTY: "sa.county_code",
        RESIDENCE_DISTRICT: "rd.is_district",
        HUKOU_DISTRICT: "hd.is_district",
    }
    derived = ",\n  ".join(f"{sql} AS {name}" for name, sql in sql_expressions(cols).items())
    return (
        f"SELECT {select},\n  {derived}\n"
        f"FROM {records} AS r\n"
        f"JOIN {small_areas} AS sa ON sa.small_area_code = r.small_area_code\n"
        f"LEFT JOIN {districts} AS rd ON rd.county_code = sa.county_code\n"
        f"LEFT JOIN {districts} AS hd ON hd.county_code = r.{HUKOU_COUNTY}"
    )


def apply(records: pl.LazyFrame, small_areas: pl.LazyFrame) -> pl.LazyFrame:
    """The Polars twin of ``view_sql``: records joined to their small area's codes, with the
    derived columns."""
    lookup = district_frame().lazy()
    joined = (
        records.join(small_areas, on="small_area_code", how="inner")
        .join(
            lookup.rename({"is_district": RESIDENCE_DISTRICT}),
            on=COUNTY,
            how="left",
        )
        .join(
            lookup.rename({"county_code": HUKOU_COUNTY, "is_district": HUKOU_DISTRICT}),
            on=HUKOU_COUNTY,
            how="left",
        )
    )
    return joined.with_columns(*polars_expressions().values()).drop(
        RESIDENCE_DISTRICT, HUKOU_DISTRICT
    )


__all__ = [
    "CONFIRMED_ERRONEOUS",
    "DERIVED",
    "DISTRICTS",
    "INPUTS",
    "RULES",
    "RULE_VERSION",
    "Rule",
    "apply",
    "confirmed_erroneous_sql",
    "district_frame",
    "polars_expressions",
    "register_districts",
    "sql_expressions",
    "view_sql",
]
