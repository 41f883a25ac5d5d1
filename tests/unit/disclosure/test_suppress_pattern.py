"""Secondary suppression on hand-made tables, checked by an attacker written apart from ours.

The independent attacker below poses the 2-D table's linear program directly from its rows and
columns (not from ``model``) and bounds every hidden interior cell with SciPy's ``linprog``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.optimize import linprog  # type: ignore[import-untyped]

from headcount.disclosure.sensitive import Sensitive
from headcount.disclosure.suppression import (
    LongTable,
    ProtectionRule,
    build,
    primary_cells,
    suppress,
)
from headcount.disclosure.suppression.long_form import PRIMARY, PUBLISHED, SECONDARY
from headcount.errors import HeadcountError
from tests.unit.disclosure.test_attack_bounds import grid_table

# 4 × 5 interior cells: three small ones (1, 2, 1) and a zero.
BIG = [[20, 1, 14, 9, 30], [11, 17, 2, 25, 8], [6, 19, 12, 0, 15], [13, 7, 22, 16, 1]]


def table_of(grid: list[list[int]]) -> LongTable:
    rows: list[tuple[str, str, str, int]] = []
    width = len(grid[0])
    for r, line in enumerate(grid):
        rows += [("A", f"r{r}", f"c{c}", v) for c, v in enumerate(line)]
        rows.append(("A", f"r{r}", "total", sum(line)))
    for c in range(width):
        rows.append(("A", "total", f"c{c}", sum(line[c] for line in grid)))
    rows.append(("A", "total", "total", sum(map(sum, grid))))
    frame = pl.DataFrame(rows, schema=["geocode", "row", "col", "count"], orient="row")
    return LongTable(
        "grid", "county", ("row", "col"), frame.with_columns(pl.lit(PUBLISHED).alias("status"))
    )


def independent_bounds(
    grid: list[list[int]], hidden: set[tuple[int, int]]
) -> dict[tuple[int, int], tuple[float, float]]:
    """Interior cells only, margins published: row and column sums over the hidden cells."""
    cells = sorted(hidden)
    rows, cols = len(grid), len(grid[0])
    a_eq, b_eq = [], []
    for r in range(rows):
        a_eq.append([1.0 if cell[0] == r else 0.0 for cell in cells])
        b_eq.append(sum(grid[r][c] for c in range(cols) if (r, c) in hidden))
    for c in range(cols):
        a_eq.append([1.0 if cell[1] == c else 0.0 for cell in cells])
        b_eq.append(sum(grid[r][c] for r in range(rows) if (r, c) in hidden))
    out = {}
    for k, cell in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[k] = 1.0
        lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
        hi = -linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs").fun
        out[cell] = (lo, hi)
    return out


def _hidden_interior(
    result_status: np.ndarray, table: LongTable
) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    keys = list(table.frame.select("row", "col").iter_rows())
    hidden: set[tuple[int, int]] = set()
    status: dict[tuple[int, int], str] = {}
    for (r, c), s in zip(keys, result_status, strict=True):
        if s != PUBLISHED:
            assert r != "total" and c != "total", "a margin hidden in a table that needs none"
            hidden.add((int(r[1:]), int(c[1:])))
            status[(int(r[1:]), int(c[1:]))] = str(s)
    return hidden, status


@pytest.mark.parametrize("method", ["heuristic", "optimal"])
def test_every_primary_cell_keeps_zero_and_the_threshold_in_reach(method: str) -> None:
    table = table_of(BIG)
    result = suppress([table], ProtectionRule(3), method=method)
    hidden, status = _hidden_interior(result.status, table)
    assert {k for k, s in status.items() if s == PRIMARY} == {(0, 1), (1, 2), (3, 4)}
    for cell, (lo, hi) in independent_bounds(BIG, hidden).items():
        assert lo < hi - 0.5, cell  # nothing recalculable
        if status[cell] == PRIMARY:
            assert lo <= 1e-6 and hi >= 3 - 1e-6, (cell, lo, hi)


def test_optimal_proves_its_pattern_minimal_on_a_small_table() -> None:
    table = table_of(BIG)
    heuristic = suppress([table], ProtectionRule(3))
    optimal = suppress([table], ProtectionRule(3), method="optimal")
    assert optimal.notes[0].endswith(": optimal")  # the MILP's own pattern, proven minimal
    assert (optimal.status == SECONDARY).sum() <= (heuristic.status == SECONDARY).sum()
    # Three primary cells in three rows and columns: each needs a rectangle; the best pattern
    # shares cells, so fewer than 3 × 3 complementary cells.
    assert (optimal.status == SECONDARY).sum() < 9


def test_a_table_small_everywhere_is_hidden_whole_and_nothing_bounds_it() -> None:
    # Total 2: the grand total and every non-zero margin are small cells themselves. Only when
    # nothing is published can the attacker not cap them at 2.
    tiny = [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    result = suppress([grid_table(tiny)], ProtectionRule(3))
    values = result.model.values
    assert (result.status[values > 0] != PUBLISHED).all()
    hidden_total = result.bounds.of(int(np.flatnonzero(values == 2)[-1]))
    assert hidden_total[0] <= 0 and hidden_total[1] >= 3


def test_tables_that_do_not_add_up_are_refused() -> None:
    table = table_of(BIG)
    frame = table.frame.with_columns(
        pl.when((pl.col("row") == "r0") & (pl.col("col") == "total"))
        .then(999)
        .otherwise(pl.col("count"))
        .alias("count")
    )
    with pytest.raises(HeadcountError) as caught:
        suppress([LongTable("grid", "county", ("row", "col"), frame)], ProtectionRule(3))
    assert caught.value.code == "E2183"


def test_full_cells_of_a_sensitive_dimension_are_primary_at_the_attribute_levels() -> None:
    # Column c0 of row r2 holds all 6 of its row (a full cell); nothing else is small.
    grid = [[10, 12, 9], [8, 11, 14], [6, 0, 0]]
    table = grid_table(grid, "A", "township")
    rule = ProtectionRule(3, sensitive=(Sensitive("grid", "col"),))
    model_primary = primary_cells(build([table]), rule)
    keys = list(table.frame.select("row", "col").iter_rows())
    assert {keys[i] for i in np.flatnonzero(model_primary)} == {("r3", "c1")}
    county = LongTable("grid", "county", table.dims, table.frame)
    assert not primary_cells(build([county]), rule).any()  # not an attribute level
    result = suppress([table], rule)
    assert result.status[keys.index(("r3", "c1"))] == PRIMARY
