"""The dominance (n,k) rule for magnitude tables: the n largest contributors hold more than k %.

A cell is risky when the sum of its ``n`` largest contributions exceeds ``k`` % of its total:
those contributors, or anyone who knows one of them, learn too much about the rest (with n = 1,
the largest contributor's value is nearly the cell's). An empty cell (total 0) is not risky.
The default is (2, 85); ``n`` is a whole number ≥ 1 and ``k`` a percentage, 0 < k < 100, not
below ``n`` (E2153 otherwise). The rule reads contributions (``magnitude.cell_contributions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl

from headcount import errors
from headcount.disclosure.magnitude import CONTRIBUTOR, VALUE, cell_contributions
from headcount.errors import HeadcountError

__all__ = ["DEFAULT_DOMINANCE", "DominanceRule"]

DEFAULT_DOMINANCE = (2, 85.0)


def _invalid(value: object, reason: str) -> HeadcountError:
    return HeadcountError(errors.DISCLOSE_DOMINANCE_INVALID, value=value, reason=reason)


@dataclass(frozen=True, slots=True)
class DominanceRule:
    n: int = int(DEFAULT_DOMINANCE[0])
    k: float = DEFAULT_DOMINANCE[1]

    def __post_init__(self) -> None:
        shown = f"{self.n},{self.k:g}" if isinstance(self.k, int | float) else str(self.k)
        if not isinstance(self.n, int) or isinstance(self.n, bool) or self.n < 1:
            raise _invalid(shown, "n must be a whole number of at least 1")
        if not isinstance(self.k, int | float) or not 0 < self.k < 100:
            raise _invalid(shown, "k is a percentage above 0 and below 100")
        if self.n > self.k:
            raise _invalid(shown, "n cannot be above k")

    @classmethod
    def parse(cls, text: str) -> DominanceRule:
        """``"n,k"`` as typed on a command line, e.g. ``"1,85"`` or ``"2,90.5"``."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 2:
            raise _invalid(text, "write it as n,k (e.g. 2,85)")
        try:
            n, k = int(parts[0]), Decimal(parts[1])
        except (ValueError, InvalidOperation):
            raise _invalid(text, "n is a whole number and k a number") from None
        if not k.is_finite():
            raise _invalid(text, "k is a percentage above 0 and below 100")
        return cls(n, float(k))

    @property
    def rule(self) -> str:
        return f"the {self.n} largest contributions > {self.k:g} % of the cell"

    def cells(
        self,
        frame: pl.DataFrame,
        cells: Sequence[str],
        *,
        contributor: str = CONTRIBUTOR,
        value: str = VALUE,
    ) -> pl.DataFrame:
        """Every cell with ``total``, ``contributors``, ``top_n`` (the n largest contributions'
        sum) and ``risky``."""
        reduced = cell_contributions(frame, cells, contributor=contributor, value=value)
        top_n = pl.col("top").list.head(self.n).list.sum()
        return reduced.with_columns(top_n.alias("top_n")).with_columns(
            ((pl.col("total") > 0) & (pl.col("top_n") * 100 > pl.col("total") * self.k)).alias(
                "risky"
            )
        )

    def risky_cells(
        self, frame: pl.DataFrame, cells: Sequence[str], **columns: str
    ) -> pl.DataFrame:
        """The key columns of the risky cells only."""
        found = self.cells(frame, cells, **columns).filter(pl.col("risky"))
        return found.select(list(cells))
