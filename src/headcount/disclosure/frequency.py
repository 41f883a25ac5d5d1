"""The minimum-frequency rule for frequency (count) tables: 0 < count < threshold is risky.

A count of 1 or 2 lets a member of the cell recognise the others (or himself), so by default a
count must be 0 or at least 3. A zero is not risky: it says that nobody has the combination,
which the table's structure already tells. Only ``count`` measures are checked; percent, ratio,
per-100k and mean measures are derived from counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from headcount import errors
from headcount.errors import HeadcountError

__all__ = ["DEFAULT_MIN_CELL", "MinimumFrequency"]

DEFAULT_MIN_CELL = 3


@dataclass(frozen=True, slots=True)
class MinimumFrequency:
    """``threshold`` ≥ 1 (1 turns the rule off: no count is both above 0 and below 1)."""

    threshold: int = DEFAULT_MIN_CELL

    def __post_init__(self) -> None:
        valid = isinstance(self.threshold, int) and not isinstance(self.threshold, bool)
        if not valid or self.threshold < 1:
            raise HeadcountError(errors.DISCLOSE_MIN_CELL_INVALID, value=self.threshold)

    @property
    def rule(self) -> str:
        return f"0 < count < {self.threshold}"

    def risky(self, value: Decimal | int | float | None) -> bool:
        """Whether a count is risky; an empty cell (None) is not a count."""
        return value is not None and 0 < value < self.threshold
