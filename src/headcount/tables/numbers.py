"""Numbers as the NBS prints them in the census communiqués, in Chinese and in English.

One indicator name decides its kind, so the communiqués, their index and the tests format a figure
the same way:

    kind        name looks like                 zh text           en text
    count       population_total, urban, …      141177.87万人     1,411,778,724
    exact       hmtf_* (No.8 prints them whole) 1430695人         1,430,695
    percent     *_pct                           17.95%            17.95%
    ratio       sex_ratio*                      105.07            105.07
    per_100k    *_per_100k                      15467             15,467
    mean        avg_* / mean_*                  2.62              2.62

Chinese counts of 10,000 and more are 万 with two decimals (the NBS style, e.g. 141177.87万人);
smaller ones are whole numbers. Households take 户, persons 人. Rounding is half-up on the decimal
value (never binary float rounding), so 0.125 prints as 0.13. A value that is absent (None, NaN) is
*not available*, never 0. Table cells (:func:`format_cell`) drop the unit and the % sign, which
the column header carries, and print counts whole, as the NBS tables do.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = [
    "NOT_AVAILABLE",
    "Kind",
    "Lang",
    "format_cell",
    "format_figure",
    "integer",
    "kind_of",
    "unit_zh",
    "wan",
]

Lang = Literal["zh", "en"]
Kind = Literal["count", "exact", "percent", "ratio", "per_100k", "mean"]

NOT_AVAILABLE: dict[str, str] = {"zh": "暂无数据", "en": "not available"}
_CELL_NOT_AVAILABLE: dict[str, str] = {"zh": "暂无", "en": "n/a"}
_TWO = Decimal("0.01")
_ONE = Decimal("1")
WAN_FROM = 10_000  # Chinese counts from here on are printed in 万


def kind_of(indicator: str) -> Kind:
    """The kind of an indicator (national or provincial column name) by its name."""
    if indicator.endswith("_pct"):
        return "percent"
    if indicator.startswith("sex_ratio"):
        return "ratio"
    if indicator.endswith("_per_100k"):
        return "per_100k"
    if indicator.startswith(("avg_", "mean_")):
        return "mean"
    if indicator.startswith("hmtf_"):
        return "exact"
    return "count"


def unit_zh(indicator: str) -> str:
    """The Chinese unit a count carries: 户 for households, else 人."""
    return "户" if indicator.startswith("households") else "人"


def _decimal(value: float | int) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    # str() of a float is its shortest round-trip form: 17.95 stays 17.95, not 17.9499…
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def _places(value: Decimal, step: Decimal) -> Decimal:
    q = value.quantize(step, rounding=ROUND_HALF_UP)
    return q.copy_abs() if q.is_zero() else q  # never "-0.00"


def integer(value: float | int, *, grouped: bool) -> str:
    """A whole number, half-up; grouped with commas (English) or not (Chinese)."""
    d = _decimal(value)
    if d is None:
        raise ValueError("not a finite number")
    n = int(_places(d, _ONE))
    return f"{n:,}" if grouped else str(n)


def wan(value: float | int) -> str:
    """A count in 万 with two decimals, half-up: 1411778724 → '141177.87'."""
    d = _decimal(value)
    if d is None:
        raise ValueError("not a finite number")
    return f"{_places(d / 10_000, _TWO):f}"


def _two(d: Decimal) -> str:
    return f"{_places(d, _TWO):f}"


def format_figure(indicator: str, value: float | int | None, lang: Lang) -> str:
    """A figure as the communiqué text prints it (with its Chinese unit for counts)."""
    d = None if value is None else _decimal(value)
    if d is None or value is None:
        return NOT_AVAILABLE[lang]
    kind = kind_of(indicator)
    if kind == "percent":
        return f"{_two(d)}%"
    if kind in ("ratio", "mean"):
        return _two(d)
    if kind == "per_100k":
        return integer(value, grouped=lang == "en")
    if lang == "en":
        return integer(value, grouped=True)
    if kind == "count" and abs(d) >= WAN_FROM:
        return f"{wan(value)}万{unit_zh(indicator)}"
    return f"{integer(value, grouped=False)}{unit_zh(indicator)}"


def format_cell(indicator: str, value: float | int | None, lang: Lang) -> str:
    """A figure as a table cell prints it: no unit, no % sign; counts whole."""
    d = None if value is None else _decimal(value)
    if d is None or value is None:
        return _CELL_NOT_AVAILABLE[lang]
    kind = kind_of(indicator)
    if kind in ("percent", "ratio", "mean"):
        return _two(d)
    return integer(value, grouped=lang == "en")
