"""The minimum-frequency rule, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from headcount.disclosure import DEFAULT_MIN_CELL, MinimumFrequency
from headcount.errors import HeadcountError


def test_default_threshold_three_flags_one_and_two_only() -> None:
    rule = MinimumFrequency()
    assert rule.threshold == DEFAULT_MIN_CELL == 3
    assert [v for v in (0, 1, 2, 3, 4, 1000) if rule.risky(v)] == [1, 2]
    assert rule.risky(Decimal("2.5")) and not rule.risky(None)
    assert rule.rule == "0 < count < 3"


def test_threshold_is_configurable_and_one_turns_it_off() -> None:
    assert [v for v in range(12) if MinimumFrequency(10).risky(v)] == list(range(1, 10))
    assert not any(MinimumFrequency(1).risky(v) for v in range(5))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_a_threshold_below_one_or_not_whole_is_e2152(bad: object) -> None:
    with pytest.raises(HeadcountError) as caught:
        MinimumFrequency(bad)  # type: ignore[arg-type]
    assert caught.value.code == "E2152"
