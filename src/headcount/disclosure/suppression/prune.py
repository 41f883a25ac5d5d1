"""Pruning a suppression pattern: publishing again the complementary cells it can do without.

Complementary cells are tried dearest first. Without cell s, each move whose perturbation goes
through s needs another one among the other hidden cells; that is the attacker's own program over
the hidden cells with s fixed at its value — one program, warm-started, re-solved per move (a
solution is a perturbation). If every such move is still achieved, s is published and the new
perturbations replace the old. A time budget bounds the search; cells not tried stay hidden.
"""

from __future__ import annotations

import math
import time

import numpy as np
import numpy.typing as npt

from headcount.disclosure.suppression.lp import Program
from headcount.disclosure.suppression.model import Model
from headcount.disclosure.suppression.secondary import Pattern, Perturbation, achieves

__all__ = ["prune"]

_TOL = 1e-7


def prune(
    model: Model,
    pattern: Pattern,
    keep: npt.NDArray[np.bool_],
    cost: npt.NDArray[np.float64],
    *,
    budget: float = math.inf,
) -> Pattern:
    """Publish again every complementary cell the pattern can do without, dearest first, for at
    most ``budget`` seconds (the cells not tried yet stay hidden: safe, perhaps not minimal).

    Without cell s, each move whose perturbation goes through s needs another one among the
    other hidden cells. That is the attacker's own program over the hidden cells with s fixed at
    its value: one program, warm-started, re-solved per move (a solution is a perturbation). If
    every such move is still achieved, s is published and the new perturbations replace the old.
    """
    hidden = pattern.hidden.copy()
    values = np.nan_to_num(model.values, nan=0.0)
    cells = np.flatnonzero(hidden)
    column = np.full(model.size, -1)
    column[cells] = np.arange(cells.size)
    a_h = model.A[:, cells].tocsr()
    rows = np.flatnonzero(np.diff(a_h.indptr) > 0)
    rhs = -(model.A[rows] @ np.where(hidden, 0.0, values))
    high = np.where(model.inequality[rows], np.inf, rhs)
    program = Program(a_h[rows], rhs, high, np.zeros(cells.size), np.full(cells.size, np.inf))
    proofs = list(pattern.proofs)
    proof_of = list(pattern.proof_of)
    users: dict[int, set[int]] = {}
    for number, proof in enumerate(proofs):
        for c in proof.cells.tolist():
            users.setdefault(c, set()).add(number)
    candidates = np.flatnonzero(hidden & ~keep)
    deadline = time.monotonic() + budget
    for s in candidates[np.argsort(-cost[candidates], kind="stable")]:
        if time.monotonic() > deadline:
            break
        broken = users.get(int(s), set())
        affected = [m for m, p in enumerate(proof_of) if p in broken]
        program.bound(int(column[s]), values[s], values[s])
        found_now: list[Perturbation] = []
        replacement: dict[int, int] = {}
        for m in affected:
            cell, move = pattern.moves[m]
            reuse = next((n for n, f in enumerate(found_now) if achieves(f, cell, move)), None)
            if reuse is None:
                objective = np.zeros(cells.size)
                objective[column[cell]] = -1.0 if move > 0 else 1.0
                _status, x = program.minimise(objective)
                if x is None:
                    break
                shift = x - values[cells]
                moved = np.abs(shift) > _TOL
                found = Perturbation(cells[moved], shift[moved])
                if not achieves(found, cell, move):
                    break
                found_now.append(found)
                reuse = len(found_now) - 1
            replacement[m] = reuse
        else:
            hidden[s] = False
            base = len(proofs)
            for n, found in enumerate(found_now):
                for c in found.cells.tolist():
                    users.setdefault(c, set()).add(base + n)
                proofs.append(found)
            for m, n in replacement.items():
                proof_of[m] = base + n
            continue
        program.bound(int(column[s]), 0.0, np.inf)
    return Pattern(hidden, pattern.moves, proofs, proof_of, pattern.failed)
