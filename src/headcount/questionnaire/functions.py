"""Built-in functions of the rule language, each written twice side by side: once over Python values
(one household, online) and once as a Polars expression (batch). Keeping both in one table is what
stops the two executors drifting; tests/unit/questionnaire/test_functions.py compares them.

Every function maps a missing argument to a missing result, except ``is_null`` and ``if``.
Citizen-ID functions take the normalised number (see ``identity.citizen_id.normalize``): the engine
normalises on input, the store keeps normalised numbers, so batch frames hold them too.
"""

from __future__ import annotations

import re
from calendar import isleap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import polars as pl

from headcount.identity import citizen_id
from headcount.identity.citizen_id import EARLIEST_BIRTH_YEAR
from headcount.identity.divisions import divisions

PyFn = Callable[..., Any]
PlFn = Callable[..., pl.Expr]

_ID_CHARS = re.compile(r"[0-9]*[0-9X]")
_ID_CHARS_PL = r"^[0-9]*[0-9X]$"


@dataclass(frozen=True, slots=True)
class Function:
    """``polars`` takes the argument expressions, plus the helper columns when ``uses_helpers``."""

    name: str
    arity: int
    python: PyFn
    polars: PlFn
    uses_helpers: bool = False


@cache
def current_counties() -> frozenset[str]:
    """County-level codes in use at the census: the answer set of place items."""
    return frozenset(d.code for d in divisions().counties(current_only=True))


@cache
def current_provinces() -> frozenset[str]:
    """Province-level codes (xx0000) in use at the census, HK/Macau/Taiwan included."""
    table = divisions()
    return frozenset(c for c in (f"{p}0000" for p in range(11, 83)) if c in table)


@cache
def id_address_codes() -> frozenset[str]:
    """Every address code a citizen ID may carry: any county-level code since 1980, and province
    and prefecture codes (xx0000, xxxx00) of older numbers and of HK/Macau/Taiwan permits."""
    table = divisions()
    counties = {d.code for d in table.counties(current_only=False)}
    upper = {
        c for c in (f"{p:02d}{q:02d}00" for p in range(11, 84) for q in range(100)) if c in table
    }
    return frozenset(counties | upper)


@cache
def id_province_codes() -> frozenset[str]:
    """The two-digit province codes an address code may start with (``identity.divisions``)."""
    return divisions().province_codes()


# --- Python side -----------------------------------------------------------------------------


def _py_if(cond: Any, then: Any, otherwise: Any) -> Any:
    return then if cond is True else otherwise


def _py_abs(x: Any) -> Any:
    return None if x is None else abs(x)


def _py_known_county(x: Any) -> Any:
    return None if x is None else x in current_counties()


def _py_length(x: Any) -> Any:
    return None if x is None else len(x)


def _py_known_province(x: Any) -> Any:
    return None if x is None else x in current_provinces()


def _py_id_structured(x: str) -> bool:
    return len(x) == 18 and _ID_CHARS.fullmatch(x) is not None


def _py_id_chars_ok(x: Any) -> Any:
    return None if x is None else _ID_CHARS.fullmatch(x) is not None


def _py_id_check_ok(x: Any) -> Any:
    if x is None or not _py_id_structured(x):
        return None
    return citizen_id.check_char(x[:17]) == x[17]


def _py_id_birth(x: Any) -> date | None:
    if x is None or not _py_id_structured(x):
        return None
    try:
        born = date(int(x[6:10]), int(x[10:12]), int(x[12:14]))
    except ValueError:
        return None
    return born if born.year >= EARLIEST_BIRTH_YEAR else None


def _py_id_date_ok(x: Any) -> Any:
    if x is None or not _py_id_structured(x):
        return None
    return _py_id_birth(x) is not None


def _py_id_birth_year(x: Any) -> Any:
    born = _py_id_birth(x)
    return None if born is None else born.year


def _py_id_birth_month(x: Any) -> Any:
    born = _py_id_birth(x)
    return None if born is None else born.month


def _py_id_sex(x: Any) -> Any:
    if x is None or not _py_id_structured(x):
        return None
    return 1 if int(x[16]) % 2 == 1 else 2


def _py_id_area_known(x: Any) -> Any:
    if x is None or not _py_id_structured(x):
        return None
    return x[:6] in id_address_codes()


def _py_id_province_ok(x: Any) -> Any:
    if x is None or not _py_id_structured(x):
        return None
    return x[:2] in id_province_codes()


# --- Polars side -----------------------------------------------------------------------------


def _pl_if(cond: pl.Expr, then: pl.Expr, otherwise: pl.Expr) -> pl.Expr:
    return pl.when(cond).then(then).otherwise(otherwise)


def _pl_is_null(x: pl.Expr) -> pl.Expr:
    return x.is_null()


def _pl_known_county(x: pl.Expr) -> pl.Expr:
    return pl.when(x.is_not_null()).then(x.is_in(sorted(current_counties())))


def _pl_known_province(x: pl.Expr) -> pl.Expr:
    return pl.when(x.is_not_null()).then(x.is_in(sorted(current_provinces())))


# Citizen-ID helpers: computed once per ID column per frame (the batch hoists them into columns),
# then read by every ID function. Each maps a missing number to a missing result.
Helpers = dict[str, pl.Expr]


def _h_chars(x: pl.Expr, h: Helpers) -> pl.Expr:
    return x.str.contains(_ID_CHARS_PL)


def _h_digits17(x: pl.Expr, h: Helpers) -> pl.Expr:
    # 17 decimal digits fit an Int64 (< 10^17): digits become arithmetic, not string slicing.
    return x.str.slice(0, 17).cast(pl.Int64, strict=False)


def _h_check_value(x: pl.Expr, h: Helpers) -> pl.Expr:
    # (1 - 2·int(first17, base 13)) mod 11 is the MOD 11-2 check value (10 = X); 13^17 < 2^63.
    rest = x.str.slice(0, 17).str.to_integer(base=13, strict=False) % 11
    return (1 - 2 * rest) % 11


def _h_given_check(x: pl.Expr, h: Helpers) -> pl.Expr:
    last = x.str.slice(17, 1)
    return pl.when(last == "X").then(10).otherwise(last.cast(pl.Int64, strict=False))


def _h_structured(x: pl.Expr, h: Helpers) -> pl.Expr:
    # Only ASCII digits and X passed ``chars``, so bytes count characters.
    return h["chars"] & (x.str.len_bytes() == 18)


def _h_first17(x: pl.Expr, h: Helpers) -> pl.Expr:
    return pl.when(h["structured"]).then(h["digits17"])


def _h_birth(x: pl.Expr, h: Helpers) -> pl.Expr:
    """The birth date as the integer YYYYMMDD when it is a real date from 1880 on, else null.

    Two set lookups instead of calendar arithmetic (three times faster): a month-day that exists
    in every year, or one of the leap days 1880…9999.
    """
    ymd = (h["first17"] // 1000) % 100_000_000
    real = ((ymd >= EARLIEST_BIRTH_YEAR * 10_000 + 101) & (ymd % 10_000).is_in(_MONTH_DAYS)) | (
        ymd.is_in(_LEAP_DAYS)
    )
    return pl.when(real).then(ymd)


# Month-days (MMDD) that exist in every year, and every leap day (YYYY0229) a date can hold.
_MONTH_DAYS = sorted(
    {(d.month * 100 + d.day) for d in (date(2001, 1, 1) + timedelta(days=n) for n in range(365))}
)
_LEAP_DAYS = [y * 10_000 + 229 for y in range(EARLIEST_BIRTH_YEAR, 10_000) if isleap(y)]


# In dependency order; helpers of one level read only earlier levels, so the batch computes each
# level in one parallel step (the string work of level 0 dominates).
ID_HELPERS: dict[str, tuple[int, Callable[[pl.Expr, Helpers], pl.Expr]]] = {
    "chars": (0, _h_chars),
    "digits17": (0, _h_digits17),
    "check_value": (0, _h_check_value),
    "given_check": (0, _h_given_check),
    "structured": (1, _h_structured),
    "first17": (2, _h_first17),
    "birth": (3, _h_birth),
}


def _pl_id_check_ok(x: pl.Expr, h: Helpers) -> pl.Expr:
    return pl.when(h["structured"]).then(h["check_value"] == h["given_check"])


def _pl_id_date_ok(x: pl.Expr, h: Helpers) -> pl.Expr:
    return pl.when(h["structured"]).then(h["birth"].is_not_null())


def _pl_id_birth_year(x: pl.Expr, h: Helpers) -> pl.Expr:
    return h["birth"] // 10_000


def _pl_id_birth_month(x: pl.Expr, h: Helpers) -> pl.Expr:
    return (h["birth"] // 100) % 100


def _pl_id_sex(x: pl.Expr, h: Helpers) -> pl.Expr:
    return 2 - (h["first17"] % 10) % 2


def _pl_id_area_known(x: pl.Expr, h: Helpers) -> pl.Expr:
    codes = sorted(int(c) for c in id_address_codes())
    return pl.when(h["structured"]).then((h["first17"] // 100_000_000_000).is_in(codes))


def _pl_id_province_ok(x: pl.Expr, h: Helpers) -> pl.Expr:
    codes = sorted(int(c) for c in id_province_codes())
    return pl.when(h["structured"]).then((h["first17"] // 1_000_000_000_000_000).is_in(codes))


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("is_null", 1, lambda x: x is None, _pl_is_null),
        Function("if", 3, _py_if, _pl_if),
        Function("abs", 1, _py_abs, lambda x: x.abs()),
        Function("length", 1, _py_length, lambda x: x.str.len_chars().cast(pl.Int64)),
        Function("known_county", 1, _py_known_county, _pl_known_county),
        Function("known_province", 1, _py_known_province, _pl_known_province),
        Function("id_chars_ok", 1, _py_id_chars_ok, lambda x, h: h["chars"], True),
        Function("id_check_ok", 1, _py_id_check_ok, _pl_id_check_ok, True),
        Function("id_date_ok", 1, _py_id_date_ok, _pl_id_date_ok, True),
        Function("id_birth_year", 1, _py_id_birth_year, _pl_id_birth_year, True),
        Function("id_birth_month", 1, _py_id_birth_month, _pl_id_birth_month, True),
        Function("id_sex", 1, _py_id_sex, _pl_id_sex, True),
        Function("id_area_known", 1, _py_id_area_known, _pl_id_area_known, True),
        Function("id_province_ok", 1, _py_id_province_ok, _pl_id_province_ok, True),
    )
}

# Aggregates over the household's rosters; each executor implements them structurally.
#   count_persons([cond]) sum_persons(expr) any_person(cond) count_deaths([cond])
#   head(expr): expr for the household head when exactly one person has relationship 0, else
#   missing (an edit against an ambiguous head means nothing; HEAD_ONE reports the household).
AGGREGATES: dict[str, tuple[int, int]] = {
    "count_persons": (0, 1),
    "sum_persons": (1, 1),
    "any_person": (1, 1),
    "count_deaths": (0, 1),
    "head": (1, 1),
}
