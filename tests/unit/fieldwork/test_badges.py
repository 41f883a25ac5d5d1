from __future__ import annotations

import pytest

from headcount.fieldwork.badges import is_well_formed, make_badge, normalize_badge


def test_badges_round_trip_and_catch_single_digit_typos() -> None:
    badge = make_badge("11", "E", 42)
    assert len(badge) == 11 and badge.startswith("11E0000042")
    assert is_well_formed(badge)
    assert is_well_formed(" " + badge.lower()[:-1] + badge[-1].lower())
    for i in [0, 1, 3, 4, 9]:
        typo = badge[:i] + str((int(badge[i]) + 1) % 10) + badge[i + 1 :]
        assert not is_well_formed(typo)
    assert not is_well_formed(badge.replace("E", "S", 1))


def test_supervisor_badges_and_bad_arguments() -> None:
    assert is_well_formed(make_badge("31", "S", 9_999_999))
    assert normalize_badge("11e-0000042-x") == "11E0000042X"
    for args in [("1", "E", 1), ("11", "E", 0), ("11", "E", 10**7)]:
        with pytest.raises(ValueError):
            make_badge(*args)  # type: ignore[arg-type]
    assert not is_well_formed("")
    assert not is_well_formed("11X0000042X")
