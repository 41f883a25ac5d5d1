"""Magnitude tables in long form: one row per (cell, contributor, value), reduced per cell.

A magnitude cell (turnover, floor area, wages …) is a sum of contributions, and its risk depends
on how unequal they are, which the published sum does not show. The dominance and p % rules
(``dominance``, ``p_percent``) therefore read the contributions, not the table: a frame with the
cell's key columns, a ``contributor`` column and a ``value`` column. A contributor with several
rows in one cell is one contributor (its values are summed first). Values must be numbers, none
empty or negative (both rules assume non-negative contributions); anything else is E2157.

The census tables of today are all frequency tables (counts of persons, households, deaths), so
no published table is a magnitude table yet: the rules run over such frames, in tests and for
callers that hold contributions.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

__all__ = ["CONTRIBUTOR", "VALUE", "cell_contributions"]

CONTRIBUTOR = "contributor"
VALUE = "value"


def _bad(reason: str) -> HeadcountError:
    return HeadcountError(errors.DISCLOSE_CONTRIBUTIONS_INVALID, reason=reason)


def cell_contributions(
    frame: pl.DataFrame,
    cells: Sequence[str],
    *,
    contributor: str = CONTRIBUTOR,
    value: str = VALUE,
) -> pl.DataFrame:
    """Per cell: the key columns, ``total``, ``contributors`` and ``top`` (every contributor's
    total, largest first), in the order of the cells' keys."""
    keys = list(cells)
    if not keys:
        raise _bad("no cell key columns")
    missing = [c for c in [*keys, contributor, value] if c not in frame.columns]
    if missing:
        raise _bad(f"no column {missing[0]}")
    if not frame.schema[value].is_numeric():
        raise _bad(f"{value} is not a number column")
    if frame.get_column(value).null_count() or frame.get_column(contributor).null_count():
        raise _bad(f"an empty {value} or {contributor}")
    if frame.height and frame.get_column(value).min() < 0:  # type: ignore[operator]
        raise _bad(f"a negative {value}")
    return (
        frame.group_by([*keys, contributor])
        .agg(pl.col(value).sum().alias("_x"))
        .group_by(keys)
        .agg(
            pl.col("_x").sum().alias("total"),
            pl.len().alias("contributors"),
            pl.col("_x").sort(descending=True).alias("top"),
        )
        .sort(keys)
    )
