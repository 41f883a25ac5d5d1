"""Suppression of a set of tables: primary cells, complementary cells, and the attack that checks.

``suppress(tables, rule, method)`` builds the model of the tables (true values), checks that they
add up, marks the primary cells, chooses complementary cells (``secondary`` heuristic; with
``optimal`` also the MILP, keeping the cheaper pattern of the two), then mounts the
recalculation attack on the result and repairs what it finds until it finds nothing:

* a primary cell the attacker can narrow (it never should: each was protected by a perturbation;
  kept as a guard against solver tolerances) gets its perturbation again;
* a secondary cell the attacker can compute exactly protects nothing: it is published instead
  (which leaves every interval as it was when the cell was exact in the linear program, and is
  re-checked otherwise); after two rounds a still-exact secondary cell is widened instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from headcount import errors
from headcount.disclosure.suppression import optimal, secondary
from headcount.disclosure.suppression.attack import Bounds, attack
from headcount.disclosure.suppression.long_form import PRIMARY, PUBLISHED, SECONDARY, LongTable
from headcount.disclosure.suppression.model import Model, build
from headcount.disclosure.suppression.protection import ProtectionRule, judge, primary_cells
from headcount.disclosure.suppression.prune import prune
from headcount.errors import HeadcountError

__all__ = ["METHODS", "Suppressed", "check_additive", "suppress"]

METHODS = ("heuristic", "optimal")
_ROUNDS = 6


@dataclass(slots=True)
class Suppressed:
    model: Model
    status: npt.NDArray[np.str_]
    bounds: Bounds
    method: str
    seconds: float
    rounds: int
    notes: list[str] = field(default_factory=list)

    def tables(self) -> list[LongTable]:
        """Every table as published: counts emptied where hidden, status per row."""
        import polars as pl

        out = []
        for table, offset in zip(self.model.tables, self.model.offsets, strict=True):
            status = pl.Series(self.status[offset : offset + table.frame.height].tolist())
            out.append(table.with_status(status))
        return out


def check_additive(model: Model) -> None:
    """E2183 when the true tables break one of their own equations (not one consistent set)."""
    values = np.nan_to_num(model.values, nan=0.0)
    residual = model.A @ values
    broken = np.flatnonzero(np.where(model.inequality, residual < -1e-6, np.abs(residual) > 1e-6))
    if broken.size:
        row = model.A.getrow(int(broken[0]))
        table, _row = model.locate(int(row.indices[0]))
        example = ", ".join(f"{k}={v}" for k, v in model.key(int(row.indices[0])).items())
        raise HeadcountError(
            errors.SUPPRESS_NOT_ADDITIVE, table=table.name, count=int(broken.size), example=example
        )


def _moves(
    model: Model, cells: npt.NDArray[np.int64], rule: ProtectionRule
) -> list[tuple[int, float]]:
    """Upward (to the threshold) and downward (to zero) moves, coarse levels first."""
    order = cells[np.lexsort((cells, model.depth[cells]))]
    moves: list[tuple[int, float]] = []
    for cell in order:
        value = float(model.values[cell])
        if value < rule.threshold:
            moves.append((int(cell), rule.threshold - value))
        if value > 0:
            moves.append((int(cell), -value))
    return moves


def _unprotectable(model: Model, failed: list[int], rule: ProtectionRule) -> HeadcountError:
    table, _row = model.locate(failed[0])
    example = ", ".join(f"{k}={v}" for k, v in model.key(failed[0]).items())
    return HeadcountError(
        errors.SUPPRESS_UNPROTECTABLE,
        table=table.name,
        count=len(failed),
        example=example,
        threshold=rule.threshold,
    )


def suppress(
    tables: list[LongTable],
    rule: ProtectionRule,
    *,
    method: str = "heuristic",
    time_limit: float = 60.0,
) -> Suppressed:
    started = time.perf_counter()
    model = build(tables)
    check_additive(model)
    primary = primary_cells(model, rule)
    cost = secondary.cell_weights(model)
    notes: list[str] = []
    moves = _moves(model, np.flatnonzero(primary), rule)
    pattern = secondary.protect(model, primary, moves, cost)
    if pattern.failed:
        raise _unprotectable(model, pattern.failed, rule)
    pattern = prune(model, pattern, primary, cost, budget=time_limit)
    hidden = pattern.hidden
    if method == "optimal":
        # The MILP stopped by its time limit may hold a worse pattern than the heuristic's:
        # the cheaper of the two is kept (and the note says which).
        best, note = optimal.solve(model, primary, moves, cost, time_limit=time_limit)
        if cost[best & ~primary].sum() <= cost[hidden & ~primary].sum() + 1e-9:
            hidden = best
            notes.append(note)
        else:
            notes.append(f"{note}; the heuristic's pattern is cheaper and was kept")
    rounds = 0
    while True:
        rounds += 1
        status = np.where(primary, PRIMARY, np.where(hidden, SECONDARY, PUBLISHED))
        bounds = attack(model, hidden)
        exposed = judge(model, bounds, status, rule)
        if not exposed:
            break
        if rounds >= _ROUNDS:
            raise _unprotectable(model, [e.cell for e in exposed], rule)
        repairs = [e.cell for e in exposed if e.status == PRIMARY]
        extra = _moves(model, np.asarray(repairs, dtype=np.int64), rule)
        for e in exposed:
            if e.status == SECONDARY and rounds <= 2:
                hidden[e.cell] = False
            elif e.status == SECONDARY:
                extra.append((e.cell, 1.0))
        if extra:
            pattern = secondary.protect(model, hidden, extra, cost)
            hidden, failed = pattern.hidden, pattern.failed
            if failed:
                raise _unprotectable(model, failed, rule)
    seconds = time.perf_counter() - started
    return Suppressed(model, status, bounds, method, seconds, rounds, notes)
