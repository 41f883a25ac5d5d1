"""Heuristic secondary suppression: one small linear program per primary cell and direction.

For a primary cell p of value v the attacker's interval must reach T above and 0 below. Both are
shown by a *perturbation* y of the true table: v + y satisfies every equation of the model, no
count goes negative, published cells do not move (y = 0 there), and y_p = T − v (upward) or
y_p = −v (downward). If such a y exists using only hidden cells, the attacker's linear program
has the feasible point v + y, so its bound reaches T (or 0) whatever else is hidden. The heuristic
looks for the cheapest perturbation

    minimise Σ w_i (y⁺_i + y⁻_i)   subject to   A (y⁺ − y⁻) = 0 (≥ −slack on inequalities),
                                                0 ≤ y⁻_i ≤ v_i,  y⁺ ≥ 0,  y_p fixed,

where w_i is 0 for a cell already hidden and, for the others, one plus small penalties for
margins, coarse levels and large counts (fewer cells, then fewer persons and totals). Every cell
the perturbation moves is hidden. The program is posed on the cells within a few equations of p
(a neighbourhood grown until a perturbation exists), so a large table costs one small program per
primary cell. Cells hidden earlier cost nothing, so later primary cells reuse them. Hiding more
cells only widens intervals, so each cell stays protected as others are added. ``prune`` then
publishes again the complementary cells the pattern can do without.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]

from headcount import errors
from headcount.disclosure.suppression.lp import INFEASIBLE, Program
from headcount.disclosure.suppression.model import Model
from headcount.errors import HeadcountError

__all__ = [
    "Graph",
    "Pattern",
    "Perturbation",
    "achieves",
    "cell_weights",
    "protect",
    "protect_cell",
]

_TOL = 1e-7
_DEPTHS = (3, 5, 8, 13)
_MAX_CELLS = 60_000


def cell_weights(model: Model) -> npt.NDArray[np.float64]:
    """The cost of hiding a cell: 1, plus 0.3 per margin dimension and per level above the
    finest, plus 0.05 × ln(1 + count) — cells first, then totals and persons."""
    finest = int(model.depth.max()) if model.size else 0
    values = np.nan_to_num(model.values, nan=0.0)
    return 1.0 + 0.3 * model.margin + 0.3 * (finest - model.depth) + 0.05 * np.log1p(values)


class Graph:
    """Which cells share an equation: the model's incidence, for growing neighbourhoods."""

    def __init__(self, model: Model) -> None:
        incidence = model.A.copy().tocsr()
        incidence.data = np.ones_like(incidence.data)
        self.rows = incidence  # equations × cells
        self.cells = incidence.T.tocsr()  # cells × equations
        self.size = model.size
        self._near: dict[tuple[int, int], npt.NDArray[np.int64]] = {}

    def near(self, cell: int, depth: int) -> npt.NDArray[np.int64]:
        """Cells within ``depth`` equations of ``cell`` (sorted; remembered)."""
        known = self._near.get((cell, depth))
        if known is not None:
            return known
        reached = np.zeros(self.size)
        reached[cell] = 1.0
        for _ in range(depth):
            grown = np.minimum(reached + self.cells @ (self.rows @ reached), 1.0)
            done = grown.sum() == reached.sum() or grown.sum() > _MAX_CELLS
            reached = grown
            if done:
                break
        found = np.flatnonzero(reached)
        self._near[(cell, depth)] = found
        return found


@dataclass(frozen=True, slots=True)
class Perturbation:
    """A feasible move of the true table: the cells it moves (all hidden) and by how much."""

    cells: npt.NDArray[np.int64]
    shift: npt.NDArray[np.float64]


def _perturb(
    model: Model,
    cells: npt.NDArray[np.int64],
    cell: int,
    move: float,
    cost: npt.NDArray[np.float64],
) -> Perturbation | None:
    """The cheapest perturbation over ``cells`` (sorted, ``cell`` among them) moving ``cell`` by
    ``move``; None when there is none over these cells."""
    values = np.nan_to_num(model.values, nan=0.0)
    sub = model.A[:, cells].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    block = sub[rows]
    ge = model.inequality[rows]
    slack = model.A[rows] @ values  # ≥ 0 on inequalities, 0 on equations
    n = cells.size
    both = sp.hstack([block, -block]).tocsr()
    c = np.concatenate([cost[cells], cost[cells]])
    upper = np.concatenate([np.full(n, np.inf), values[cells]])
    lower = np.zeros(2 * n)
    at = int(np.searchsorted(cells, cell))
    if move > 0:
        lower[at] = upper[at] = move
        upper[n + at] = 0.0
    else:
        upper[at] = 0.0
        lower[n + at] = upper[n + at] = -move
    row_lo = np.where(ge, -slack, 0.0)
    row_hi = np.where(ge, np.inf, 0.0)
    program = Program(both, row_lo, row_hi, lower, upper, warm=False)
    status, x = program.minimise(c)
    if status == INFEASIBLE:
        return None
    if x is None:
        raise HeadcountError(errors.SUPPRESS_SOLVER_FAILED, reason=program.why())
    shift = x[:n] - x[n:]
    moved = x[:n] + x[n:] > _TOL
    return Perturbation(cells[moved], shift[moved])


def achieves(found: Perturbation, cell: int, move: float) -> bool:
    at = np.flatnonzero(found.cells == cell)
    if at.size == 0:
        return False
    shift = float(found.shift[at[0]])
    return shift >= move - _TOL if move > 0 else shift <= move + _TOL


def protect_cell(
    model: Model,
    graph: Graph,
    cell: int,
    move: float,
    cost: npt.NDArray[np.float64],
) -> Perturbation | None:
    """A cheapest perturbation moving ``cell`` by ``move`` on a growing neighbourhood; None if
    none exists even on the whole connected part of the model."""
    previous = -1
    for depth in _DEPTHS:
        cells = graph.near(cell, depth)
        if cells.size == previous:
            return None  # the neighbourhood stopped growing: no perturbation anywhere
        previous = cells.size
        found = _perturb(model, cells, cell, move, cost)
        if found is not None:
            return found
    return None


@dataclass(slots=True)
class Pattern:
    """Hidden cells with their proof: for each move, the perturbation that achieves it."""

    hidden: npt.NDArray[np.bool_]
    moves: list[tuple[int, float]]
    proofs: list[Perturbation] = field(default_factory=list)
    proof_of: list[int] = field(default_factory=list)  # per move: index into proofs, −1 none
    failed: list[int] = field(default_factory=list)


def protect(
    model: Model,
    hidden: npt.NDArray[np.bool_],
    moves: list[tuple[int, float]],
    cost: npt.NDArray[np.float64],
) -> Pattern:
    """Hide what every (cell, move) needs, in order.

    A perturbation found for one cell often moves others far enough too (two small cells of one
    rectangle): each is kept, and a move some kept perturbation already achieves costs no program.
    """
    pattern = Pattern(hidden.copy(), list(moves))
    graph = Graph(model)
    best_up = np.full(model.size, -1)  # the kept perturbation moving each cell furthest up
    best_down = np.full(model.size, -1)
    reach_up, reach_down = np.zeros(model.size), np.zeros(model.size)
    for cell, move in moves:
        best = best_up if move > 0 else best_down
        if (move > 0 and reach_up[cell] >= move - _TOL) or (
            move < 0 and reach_down[cell] <= move + _TOL
        ):
            pattern.proof_of.append(int(best[cell]))
            continue
        found = protect_cell(model, graph, cell, move, np.where(pattern.hidden, 0.0, cost))
        if found is None:
            pattern.failed.append(cell)
            pattern.proof_of.append(-1)
            continue
        number = len(pattern.proofs)
        pattern.proofs.append(found)
        pattern.proof_of.append(number)
        pattern.hidden[found.cells] = True
        up = found.shift > reach_up[found.cells]
        best_up[found.cells[up]] = number
        reach_up[found.cells[up]] = found.shift[up]
        down = found.shift < reach_down[found.cells]
        best_down[found.cells[down]] = number
        reach_down[found.cells[down]] = found.shift[down]
    return pattern
