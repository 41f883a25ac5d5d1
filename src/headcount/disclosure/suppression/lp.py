"""One linear program, solved again and again with new objectives (HiGHS, warm-started).

The attack optimises every hidden cell of a component twice over the same constraints: passing
the model once and changing only the objective lets HiGHS start each solve from the last basis,
many times faster than building a new program per solve. ``Program(a, row_lo, row_hi, col_lo,
col_hi)`` holds the constraints ``row_lo ≤ a x ≤ row_hi`` and ``col_lo ≤ x ≤ col_hi``.

HiGHS prints a banner on standard output the first time a solver is made in a process; the
commands' ``--json`` output must stay one JSON object, so the first one is made with standard
output pointed at /dev/null.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]

__all__ = ["INFEASIBLE", "OPTIMAL", "UNBOUNDED", "Program"]

OPTIMAL, INFEASIBLE, UNBOUNDED = "optimal", "infeasible", "unbounded"
_STATUS = {
    highspy.HighsModelStatus.kOptimal: OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: UNBOUNDED,
}
_made = False


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    global _made
    if _made:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _made = True


class Program:
    def __init__(
        self,
        a: sp.spmatrix,
        row_lo: npt.NDArray[np.float64],
        row_hi: npt.NDArray[np.float64],
        col_lo: npt.NDArray[np.float64],
        col_hi: npt.NDArray[np.float64],
        *,
        warm: bool = True,
    ) -> None:
        with _quiet():
            self.highs = highspy.Highs()  # type: ignore[no-untyped-call]
        self.highs.setOptionValue("output_flag", False)
        if warm:  # re-solves start from the last basis; presolve would throw it away
            self.highs.setOptionValue("presolve", "off")
        matrix = sp.csc_matrix(a)
        self.columns = matrix.shape[1]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
        lp.col_cost_ = np.zeros(self.columns)
        lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
        lp.col_upper_ = np.where(np.isinf(col_hi), highspy.kHighsInf, col_hi).astype(np.float64)
        lp.row_lower_ = np.where(np.isinf(row_lo), -highspy.kHighsInf, row_lo).astype(np.float64)
        lp.row_upper_ = np.where(np.isinf(row_hi), highspy.kHighsInf, row_hi).astype(np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(np.float64)
        self.highs.passModel(lp)
        self.cost = np.zeros(self.columns)

    def minimise(self, cost: npt.NDArray[np.float64]) -> tuple[str, npt.NDArray[np.float64] | None]:
        """(status, solution) of minimising ``cost · x``; the solution only when optimal."""
        changed = np.flatnonzero(cost != self.cost)
        if changed.size:
            self.highs.changeColsCost(changed.size, changed.astype(np.int32), cost[changed])
            self.cost = cost.copy()
        self.highs.run()
        status = _STATUS.get(self.highs.getModelStatus(), "failed")
        if status != OPTIMAL:
            return status, None
        return status, np.asarray(self.highs.getSolution().col_value)

    def bound(self, column: int, low: float, high: float) -> None:
        """Set one variable's bounds (``inf`` for none above)."""
        self.highs.changeColBounds(column, low, highspy.kHighsInf if np.isinf(high) else high)

    def why(self) -> str:
        return str(self.highs.modelStatusToString(self.highs.getModelStatus()))
