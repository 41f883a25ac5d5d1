"""The recalculation attack on hand-made long-form tables whose bounds are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from headcount.disclosure.suppression import LongTable, ProtectionRule, attack, build, judge
from headcount.disclosure.suppression.long_form import PRIMARY, PUBLISHED, SECONDARY

# rows r1..r3 × columns c1..c3 of one area, with both margins:
#        c1  c2  c3 | total
#   r1    1   5   7 | 13
#   r2    4   6   8 | 18
#   r3    9   2   3 | 14
#   tot  14  13  18 | 45
GRID = [[1, 5, 7], [4, 6, 8], [9, 2, 3]]


def grid_table(
    grid: list[list[int]] = GRID, geocode: str = "A", level: str = "county"
) -> LongTable:
    rows: list[tuple[str, str, str, int]] = []
    for r, line in enumerate(grid):
        rows += [(geocode, f"r{r + 1}", f"c{c + 1}", v) for c, v in enumerate(line)]
        rows.append((geocode, f"r{r + 1}", "total", sum(line)))
    for c in range(3):
        rows.append((geocode, "total", f"c{c + 1}", sum(line[c] for line in grid)))
    rows.append((geocode, "total", "total", sum(map(sum, grid))))
    frame = pl.DataFrame(rows, schema=["geocode", "row", "col", "count"], orient="row")
    frame = frame.with_columns(pl.lit(PUBLISHED).alias("status"))
    return LongTable("grid", level, ("row", "col"), frame)


def hide(table: LongTable, keys: set[tuple[str, str]]) -> np.ndarray:
    return np.array([(r, c) in keys for r, c in table.frame.select("row", "col").iter_rows()])


def bounds_of(
    table: LongTable, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[float, float]]:
    model = build([table])
    hidden = hide(table, keys)
    found = attack(model, hidden, np.where(hidden, np.nan, model.values))
    return {
        (model.key(int(c))["row"], model.key(int(c))["col"]): found.of(int(c)) for c in found.cells
    }


def test_a_lone_hidden_cell_is_recalculated_from_its_margins() -> None:
    assert bounds_of(grid_table(), {("r1", "c1")}) == {("r1", "c1"): (1.0, 1.0)}


def test_a_hidden_rectangle_leaves_the_bounds_worked_out_by_hand() -> None:
    # x11 + x12 = 13 − 7 = 6, x21 + x22 = 18 − 8 = 10, x11 + x21 = 14 − 9 = 5, x12 + x22 = 11:
    # one free value t = x11 ∈ [0, 5] (x21 = 5 − t ≥ 0), x12 = 6 − t, x22 = 5 + t.
    found = bounds_of(grid_table(), {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")})
    assert found == {
        ("r1", "c1"): (0.0, 5.0),
        ("r1", "c2"): (1.0, 6.0),
        ("r2", "c1"): (0.0, 5.0),
        ("r2", "c2"): (5.0, 10.0),
    }


def test_a_hidden_margin_with_its_cells_can_be_unbounded() -> None:
    # Hiding the grand total and a whole row and column: r1 c1 is still tied to r1's other
    # cells? No: r1's total is hidden too, so the cell only meets the c1 column (hidden total).
    keys = {("r1", "c1"), ("r1", "total"), ("total", "c1"), ("total", "total")}
    found = bounds_of(grid_table(), keys)
    # r1 total = x11 + 12, c1 total = x11 + 13, grand total = x11 + 44: nothing caps x11.
    assert found[("r1", "c1")] == (0.0, math.inf)
    assert found[("total", "total")] == (44.0, math.inf)


def test_levels_are_tied_by_their_codes() -> None:
    # Two sub-areas A1, A2 of A, each the same grid; A's table is their sum. Hiding a rectangle
    # in A1 alone is undone by A (published) minus A2 (published): every cell is exact.
    coarse = grid_table([[2 * v for v in line] for line in GRID], "A", "county")
    fine_a1 = grid_table(GRID, "A1", "township")
    fine_a2 = grid_table(GRID, "A2", "township")
    fine = LongTable("grid", "township", ("row", "col"), pl.concat([fine_a1.frame, fine_a2.frame]))
    model = build([coarse, fine])
    rect = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")}
    keys = [
        (model.key(c)["geocode"], model.key(c)["row"], model.key(c)["col"])
        for c in range(model.size)
    ]
    hidden = np.array([g == "A1" and (r, c) in rect for g, r, c in keys])
    found = attack(model, hidden, np.where(hidden, np.nan, model.values))
    assert np.array_equal(found.lo, found.hi)
    assert np.array_equal(found.lo, model.values[found.cells])


def test_judge_names_each_exposure() -> None:
    table = grid_table()
    model = build([table])
    rule = ProtectionRule(3)
    rect = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")}
    hidden = hide(table, rect)
    status = np.where(hidden, SECONDARY, PUBLISHED)
    status[np.flatnonzero(hide(table, {("r1", "c1")}))] = PRIMARY
    found = attack(model, hidden, np.where(hidden, np.nan, model.values))
    assert judge(model, found, status, rule) == []  # r1 c1 ∈ [0, 5] ⊇ [0, 3]
    # With r3 c2 (2) as the primary cell of a rectangle whose partners leave it [2, 3]: fine;
    # a lone hidden cell is exposed as recalculable.
    lone = hide(table, {("r3", "c2")})
    status = np.where(lone, PRIMARY, PUBLISHED)
    found = attack(model, lone, np.where(lone, np.nan, model.values))
    assert [e.problem for e in judge(model, found, status, rule)] == ["recalculable"]


def test_contradictory_published_numbers_are_named() -> None:
    table = grid_table()
    model = build([table])
    values = model.values.copy()
    at = next(
        c
        for c in range(model.size)
        if model.key(c)["row"] == "r1" and model.key(c)["col"] == "total"
    )
    values[at] = 100.0  # r1's total no longer matches its cells
    hidden = hide(table, {("r1", "c1"), ("r2", "c1")})
    found = attack(model, hidden, np.where(hidden, np.nan, values))
    assert found.infeasible.size == 2
    status = np.where(hidden, SECONDARY, PUBLISHED)
    assert {e.problem for e in judge(model, found, status, ProtectionRule(3))} == {"inconsistent"}
