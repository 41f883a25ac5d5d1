"""The p % rule for magnitude tables: no contributor's value may be estimated to within p %.

The closest estimate of the largest contribution x1 is made by the second largest contributor:
it knows its own x2, so it learns x1 up to the rest, T − x1 − x2. The cell is risky when
T − x1 − x2 < p/100 × x1. A cell of one contributor is always risky (the rest is 0); an empty
cell (total 0) never is. The default p is 10; 0 < p ≤ 100 (E2154 otherwise). Like the dominance
rule it reads contributions (``magnitude.cell_contributions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl

from headcount import errors
from headcount.disclosure.magnitude import CONTRIBUTOR, VALUE, cell_contributions
from headcount.errors import HeadcountError

__all__ = ["DEFAULT_P_PERCENT", "PPercentRule"]

DEFAULT_P_PERCENT = 10.0


@dataclass(frozen=True, slots=True)
class PPercentRule:
    p: float = DEFAULT_P_PERCENT

    def __post_init__(self) -> None:
        if not isinstance(self.p, int | float) or isinstance(self.p, bool) or not 0 < self.p <= 100:
            raise HeadcountError(errors.DISCLOSE_P_PERCENT_INVALID, value=self.p)

    @classmethod
    def parse(cls, text: str) -> PPercentRule:
        try:
            p = Decimal(text.strip().removesuffix("%"))
        except InvalidOperation:
            raise HeadcountError(errors.DISCLOSE_P_PERCENT_INVALID, value=text) from None
        if not p.is_finite():
            raise HeadcountError(errors.DISCLOSE_P_PERCENT_INVALID, value=text)
        return cls(float(p))

    @property
    def rule(self) -> str:
        return f"total − x1 − x2 < {self.p:g} % of x1"

    def cells(
        self,
        frame: pl.DataFrame,
        cells: Sequence[str],
        *,
        contributor: str = CONTRIBUTOR,
        value: str = VALUE,
    ) -> pl.DataFrame:
        """Every cell with ``total``, ``contributors``, ``x1``, ``x2``, ``rest`` and ``risky``."""
        reduced = cell_contributions(frame, cells, contributor=contributor, value=value)
        x1 = pl.col("top").list.get(0, null_on_oob=True).fill_null(0)
        x2 = pl.col("top").list.get(1, null_on_oob=True).fill_null(0)
        return (
            reduced.with_columns(x1.alias("x1"), x2.alias("x2"))
            .with_columns((pl.col("total") - pl.col("x1") - pl.col("x2")).alias("rest"))
            .with_columns(
                ((pl.col("total") > 0) & (pl.col("rest") * 100 < pl.col("x1") * self.p)).alias(
                    "risky"
                )
            )
        )

    def risky_cells(
        self, frame: pl.DataFrame, cells: Sequence[str], **columns: str
    ) -> pl.DataFrame:
        found = self.cells(frame, cells, **columns).filter(pl.col("risky"))
        return found.select(list(cells))
