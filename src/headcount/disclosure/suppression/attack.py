"""The recalculation attack: the tightest bounds every published equation puts on a hidden cell.

For each suppressed cell the attacker minimises and maximises it by linear programming over all
of the model's equations (margins, geographic levels, linked tables), with the published cells
fixed at their values and every count non-negative (HiGHS through SciPy). Counts are whole
numbers, so the bounds are rounded inwards: [⌈lo⌉, ⌊hi⌋]. Suppressed cells that share no equation
are independent, so the problem splits into connected components, each solved on its own.

``attack(model, hidden)`` returns the bounds; ``judge`` says which cells they expose under the
protection rule (``protection``): a primary cell must keep 0 and the threshold inside its
interval, and no suppressed cell may be pinned to one value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from headcount import errors
from headcount.disclosure.suppression.lp import INFEASIBLE, UNBOUNDED, Program
from headcount.disclosure.suppression.model import Model
from headcount.errors import HeadcountError

__all__ = ["Bounds", "attack"]

_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Bounds:
    """Per hidden cell (``cells``, model indices): the attacker's whole-number interval; ``hi`` is
    ``inf`` when nothing bounds the cell from above. ``infeasible`` lists cells whose component
    has no solution at all: the published tables contradict each other there."""

    cells: npt.NDArray[np.int64]
    lo: npt.NDArray[np.float64]
    hi: npt.NDArray[np.float64]
    infeasible: npt.NDArray[np.int64]
    programs: int  # linear programs solved

    def of(self, cell: int) -> tuple[float, float]:
        at = int(np.searchsorted(self.cells, cell))
        return float(self.lo[at]), float(self.hi[at])


def _system(model: Model, hidden: npt.NDArray[np.bool_], known: npt.NDArray[np.float64]) -> tuple[
    sp.csr_matrix, npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.int64]
]:  # fmt: skip
    """Rows touching a hidden cell, over the hidden cells only: A_h x (= or ≥) rhs."""
    cells = np.flatnonzero(hidden)
    a_hidden = model.A[:, cells].tocsr()
    shown = np.where(hidden, 0.0, known)
    rhs = -(model.A @ shown)
    rows = np.flatnonzero(np.diff(a_hidden.indptr) > 0)
    return a_hidden[rows], rhs[rows], model.inequality[rows], cells


def attack(
    model: Model,
    hidden: npt.NDArray[np.bool_],
    values: npt.NDArray[np.float64] | None = None,
    *,
    need: dict[int, tuple[float, float]] | None = None,
) -> Bounds:
    """Bounds of every hidden cell. ``values``: the published values (default the model's; hidden
    cells' values are never read). ``need``: cell → (low, high) the caller only has to know about —
    a cell whose solutions already reached ``low`` and ``high`` is not optimised further (the
    bounds reported for it are then those reached, not the tightest)."""
    known = model.values if values is None else values
    a_h, rhs, ge, cells = _system(model, hidden, known)
    n = cells.size
    lo = np.zeros(n)
    hi = np.full(n, math.inf)
    bad: list[int] = []
    if n == 0:
        return Bounds(cells, lo, hi, np.zeros(0, dtype=np.int64), 0)
    graph = (a_h.T @ a_h).tocsr() if a_h.shape[0] else sp.csr_matrix((n, n))
    _count, label = connected_components(graph, directed=False)
    order = np.argsort(label, kind="stable")
    splits = np.flatnonzero(np.diff(label[order])) + 1
    programs = 0
    for members in np.split(order, splits):
        sub_rows = np.unique(a_h[:, members].tocsc().indices)
        sub = a_h[sub_rows][:, members]
        low = rhs[sub_rows]
        high = np.where(ge[sub_rows], np.inf, low)
        size = members.size
        program = Program(sub, low, high, np.zeros(size), np.full(size, np.inf))
        seen_lo, seen_hi = np.full(size, math.inf), np.full(size, -math.inf)
        done_lo, done_hi = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
        for k, at in enumerate(members):
            wanted = need.get(int(cells[at])) if need is not None else None
            for sense in (1.0, -1.0):
                done = done_lo if sense > 0 else done_hi
                if done[k] or (
                    wanted is not None
                    and (seen_lo[k] <= wanted[0] if sense > 0 else seen_hi[k] >= wanted[1])
                ):
                    continue
                c = np.zeros(size)
                c[k] = sense
                status, x = program.minimise(c)
                programs += 1
                if status == INFEASIBLE:  # the published numbers contradict each other
                    bad.extend(int(cells[m]) for m in members)
                    break
                if status == UNBOUNDED:  # nothing bounds the cell from above
                    done_hi[k], seen_hi[k] = True, math.inf
                    continue
                if x is None:
                    raise HeadcountError(errors.SUPPRESS_SOLVER_FAILED, reason=program.why())
                seen_lo, seen_hi = np.minimum(seen_lo, x), np.maximum(seen_hi, x)
                done[k] = True
                done_lo |= x <= _TOL  # a solution at zero: nothing goes lower
            else:
                continue
            break
        lo[members] = np.ceil(np.maximum(seen_lo, 0.0) - _TOL)
        hi[members] = np.floor(seen_hi + _TOL)
    order_cells = np.argsort(cells)
    return Bounds(cells[order_cells], lo[order_cells], hi[order_cells],
                  np.unique(np.asarray(bad, dtype=np.int64)), programs)  # fmt: skip
