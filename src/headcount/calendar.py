"""The census calendar: the standard time point and the windows of each phase.

All census dates are local time in China (UTC+8). Code asks a ``Clock`` for "now" instead of calling
``datetime.now()``, so tests and rehearsals can move through the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

CST = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is put; tests move it explicitly."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=CST)


@dataclass(frozen=True, slots=True)
class Window:
    opens: datetime
    closes: datetime

    def contains(self, at: datetime) -> bool:
        return self.opens <= _aware(at) < self.closes


@dataclass(frozen=True, slots=True)
class CensusCalendar:
    """Dates of one census wave. The defaults are those of the 2020 (7th) census."""

    wave: str = "2020"
    reference_time: datetime = datetime(2020, 11, 1, 0, 0, tzinfo=CST)
    pre_registration: Window = Window(
        datetime(2020, 10, 11, tzinfo=CST), datetime(2020, 11, 1, tzinfo=CST)
    )
    # Pre-fill from 10-11, confirm after the standard time point, hard close at the end of 11-05.
    self_report: Window = Window(
        datetime(2020, 10, 11, tzinfo=CST), datetime(2020, 11, 6, tzinfo=CST)
    )
    short_form: Window = Window(
        datetime(2020, 11, 1, tzinfo=CST), datetime(2020, 11, 16, tzinfo=CST)
    )
    long_form: Window = Window(
        datetime(2020, 11, 16, tzinfo=CST), datetime(2020, 12, 1, tzinfo=CST)
    )
    record_check: Window = Window(
        datetime(2020, 11, 16, tzinfo=CST), datetime(2020, 12, 11, tzinfo=CST)
    )
    # The post-enumeration survey's re-enumeration: only once the count has closed, so neither
    # side can learn from the other; a month for it (Headcount's choice, not an official date).
    pes: Window = Window(datetime(2020, 11, 16, tzinfo=CST), datetime(2020, 12, 16, tzinfo=CST))

    @property
    def reference_date(self) -> date:
        """The day of the standard time point: nobody born on or after it is counted."""
        return self.reference_time.date()

    @property
    def reference_year_start(self) -> date:
        """Start of the reference year for births and deaths (2019-11-01)."""
        ref = self.reference_date
        return ref.replace(year=ref.year - 1)

    def age_at_reference(self, birth_year: int, birth_month: int) -> int:
        """Completed years at the standard time point from year and month of birth only."""
        ref = self.reference_date
        return ref.year - birth_year - (1 if birth_month >= ref.month else 0)


CENSUS_2020 = CensusCalendar()
