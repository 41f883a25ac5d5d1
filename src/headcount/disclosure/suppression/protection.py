"""Which cells must be hidden (primary cells) and what hiding them has to achieve.

Primary cells come from the existing rules, applied to every cell of the long form (margins
included, since each of them is published): the minimum frequency (``disclosure.frequency``:
0 < count < threshold) at every level, and the full cells of a sensitive dimension
(``disclosure.attribute``) at the attribute levels — a group being one value of every other
dimension, ``total`` included, and the margin ``total`` never a category.

**The protection interval.** The attacker's interval [lo, hi] of a primary cell must contain both
0 and the threshold T: lo ≤ 0 and hi ≥ T. Then the published tables cannot show that the cell is
small (hi < T: "one or two persons"), nor that it is non-empty (lo ≥ 1: "somebody here has this
education"), nor pin it (lo = hi). For a full cell of n ≥ T persons this says the tables cannot
show that anyone of the group has the category, let alone all of them. The rule needs no true
value, so the bundle's check can apply it to the published files alone. A secondary cell must
only not be recalculable (lo < hi); a cell the attacker can compute exactly protects nothing and
is published instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from headcount.disclosure.attribute import full_cells
from headcount.disclosure.frequency import MinimumFrequency
from headcount.disclosure.sensitive import NOT_DISCLOSING, Sensitive
from headcount.disclosure.suppression.attack import Bounds
from headcount.disclosure.suppression.long_form import (
    COUNT,
    GEOCODE,
    MARGIN,
    PRIMARY,
    LongTable,
)
from headcount.disclosure.suppression.model import Model

__all__ = ["Exposure", "ProtectionRule", "judge", "primary_cells"]


@dataclass(frozen=True, slots=True)
class ProtectionRule:
    threshold: int = 3
    attribute_levels: frozenset[str] = frozenset({"township", "small_area"})
    sensitive: tuple[Sensitive, ...] = ()

    def __post_init__(self) -> None:
        MinimumFrequency(self.threshold)  # E2152 for a threshold below 1

    def need(self, status: str) -> tuple[float, float]:
        """(lo at most, hi at least) the attacker may reach for a cell of this status."""
        if status == PRIMARY:
            return 0.0, float(self.threshold)
        return -np.inf, np.inf  # secondary: only lo < hi, judged apart


def _full(table: LongTable, dimension: str) -> Iterable[int]:
    """Row numbers of the full cells of ``table`` for its sensitive ``dimension``."""
    others = [GEOCODE, *(d for d in table.dims if d != dimension)]
    rows = table.frame.with_row_index("_row").filter(pl.col(dimension) != MARGIN)
    where: dict[tuple[tuple[str, ...], str], int] = {}
    triples: list[tuple[tuple[str, ...], str, int | None]] = []
    for record in rows.select(*others, dimension, COUNT, "_row").iter_rows():
        *group_values, category, count, row = record
        key: tuple[str, ...] = tuple(str(g) for g in group_values)
        where[(key, str(category))] = int(row)
        triples.append((key, str(category), count))
    for group, category in full_cells(triples, not_disclosing=NOT_DISCLOSING):
        yield where[(group, category)]


def primary_cells(model: Model, rule: ProtectionRule) -> npt.NDArray[np.bool_]:
    """The cells the rules make primary (the model's values are the true ones)."""
    values = model.values
    primary = (values > 0) & (values < rule.threshold)
    for table, offset in zip(model.tables, model.offsets, strict=True):
        if table.level not in rule.attribute_levels:
            continue
        for entry in rule.sensitive:
            if entry.table == table.id and entry.dimension in table.dims:
                for row in _full(table, entry.dimension):
                    primary[offset + row] = True
    return primary


@dataclass(frozen=True, slots=True)
class Exposure:
    cell: int
    status: str
    problem: str  # recalculable, below_threshold, non_empty


def judge(
    model: Model, bounds: Bounds, status: npt.NDArray[np.str_], rule: ProtectionRule
) -> list[Exposure]:
    """Every hidden cell the attacker's bounds expose under the protection rule."""
    found: list[Exposure] = []
    contradicted = set(bounds.infeasible.tolist())
    for cell, lo, hi in zip(bounds.cells, bounds.lo, bounds.hi, strict=True):
        kind = str(status[cell])
        if int(cell) in contradicted:
            continue  # no bounds at all: named below
        if lo >= hi:
            found.append(Exposure(int(cell), kind, "recalculable"))
        elif kind == PRIMARY and hi < rule.threshold:
            found.append(Exposure(int(cell), kind, "below_threshold"))
        elif kind == PRIMARY and lo > 0:
            found.append(Exposure(int(cell), kind, "non_empty"))
    for cell in bounds.infeasible:
        found.append(Exposure(int(cell), str(status[cell]), "inconsistent"))
    return found
