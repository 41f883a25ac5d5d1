"""Optimal secondary suppression for small tables: one mixed-integer program (HiGHS via SciPy).

The heuristic's perturbations, all at once: a binary z_i per cell (hidden or not), and for every
primary cell and direction its own perturbation y, allowed to move a cell only if it is hidden:

    minimise Σ w_i z_i
    subject to, for each (primary p, move m):  A (y⁺ − y⁻) = 0 (≥ −slack on inequalities),
               y⁺_p − y⁻_p = m,  0 ≤ y⁻_i ≤ v_i z_i,  0 ≤ y⁺_i ≤ M z_i,  z_p = 1.

This is the model of Fischetti and Salazar (attacker-proof by construction, since each y is a
feasible point of the attacker's program), without their cutting planes; M = 2 T bounds how far a
perturbation moves a cell (a smaller pattern may exist that needs more; the result is still
safe, only perhaps not minimal). It is exact but grows with primaries × cells, so it refuses a
model above ``LIMIT`` variables (E2185), and it stops at ``time_limit`` with the best pattern found
(said in the note).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.optimize import Bounds as VarBounds  # type: ignore[import-untyped]
from scipy.optimize import LinearConstraint, milp

from headcount import errors
from headcount.disclosure.suppression.model import Model
from headcount.errors import HeadcountError

__all__ = ["LIMIT", "solve"]

LIMIT = 400_000


def solve(
    model: Model,
    primary: npt.NDArray[np.bool_],
    moves: list[tuple[int, float]],
    cost: npt.NDArray[np.float64],
    *,
    time_limit: float,
) -> tuple[npt.NDArray[np.bool_], str]:
    n = model.size
    k = len(moves)
    variables = n + 2 * n * k
    if variables > LIMIT:
        raise HeadcountError(errors.SUPPRESS_TOO_LARGE, variables=variables, limit=LIMIT)
    values = np.nan_to_num(model.values, nan=0.0)
    big = 2.0 * max((abs(m) for _c, m in moves), default=1.0)
    a = model.A.tocsr()
    ge = model.inequality
    slack = a @ values
    blocks: list[LinearConstraint] = []
    lower = np.zeros(variables)
    upper = np.concatenate([np.ones(n), np.tile(np.concatenate([np.full(n, big), values]), k)])
    lower[:n] = primary.astype(float)  # a primary cell is hidden
    eye = sp.identity(n, format="csr")
    for j, (cell, move) in enumerate(moves):
        start = n + 2 * n * j
        flow = sp.hstack(
            [
                sp.csr_matrix((a.shape[0], start)),
                a,
                -a,
                sp.csr_matrix((a.shape[0], variables - start - 2 * n)),
            ]
        ).tocsr()
        blocks.append(LinearConstraint(flow, np.where(ge, -slack, 0.0), np.where(ge, np.inf, 0.0)))
        # y⁺ ≤ M z and y⁻ ≤ v z
        link = sp.hstack(
            [
                sp.vstack([-big * eye, -sp.diags(values)]),
                sp.csr_matrix((2 * n, start - n)),
                sp.identity(2 * n),
                sp.csr_matrix((2 * n, variables - start - 2 * n)),
            ]
        ).tocsr()
        blocks.append(LinearConstraint(link, -np.inf, 0.0))
        if move > 0:
            lower[start + cell] = upper[start + cell] = move
            upper[start + n + cell] = 0.0
        else:
            upper[start + cell] = 0.0
            lower[start + n + cell] = upper[start + n + cell] = -move
    c = np.concatenate([np.where(primary, 0.0, cost), np.zeros(2 * n * k)])
    integrality = np.concatenate([np.ones(n), np.zeros(2 * n * k)])
    result = milp(
        c,
        constraints=blocks,
        integrality=integrality,
        bounds=VarBounds(lower, upper),
        options={"time_limit": time_limit, "disp": False},
    )
    if result.status == 2:  # no pattern at all: a primary cell nothing can protect
        raise HeadcountError(
            errors.SUPPRESS_UNPROTECTABLE, table="-", count="-", example="-", threshold="-"
        )
    if result.x is None:
        raise HeadcountError(errors.SUPPRESS_SOLVER_FAILED, reason=str(result.message)[:120])
    hidden = result.x[:n] > 0.5
    proven = (
        "optimal" if result.status == 0 else f"best found in {time_limit:g} s, not proven optimal"
    )
    return hidden | primary, f"MILP over {variables} variables: {proven}"
