from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest

from headcount.fieldwork.sampling import FrameHousehold, draw, exclusion_of


def _frame(areas: int = 30, seed: int = 1) -> list[FrameHousehold]:
    rng = random.Random(seed)
    frame = []
    for a in range(areas):
        area = f"110101001{a:03d}"
        for small in range(rng.randint(1, 4)):
            for n in range(rng.randint(0, 60)):
                frame.append(
                    FrameHousehold(
                        f"{area}-{small}-{n}", area, f"{area}{small:03d}", f"{n + 1:03d}"
                    )
                )
    return frame


def test_about_ten_percent_per_area_with_weights_summing_to_the_frame() -> None:
    frame = _frame()
    sample = draw(frame, seed=2020)
    assert sample.eligible == len(frame)
    for area in sample.areas:
        assert len(area.selected) in (area.eligible // 10, -(-area.eligible // 10))
        if area.selected:
            assert area.weight * len(area.selected) == pytest.approx(area.eligible)
    assert abs(sample.selected - len(frame) / 10) <= len(sample.areas)


def test_every_household_has_inclusion_probability_exactly_the_rate() -> None:
    frame = _frame(areas=3)
    hits: Counter[str] = Counter()
    for seed in range(2000):
        for area in draw(frame, seed=seed).areas:
            hits.update(area.selected)
    # Systematic: each start gives one of 10 disjoint lists; over many seeds ≈ 200 hits each.
    assert set(hits) == {h.household_id for h in frame}
    assert min(hits.values()) > 120 and max(hits.values()) < 290


def test_the_ten_starts_partition_the_frame() -> None:
    from headcount.fieldwork import sampling

    frame = [
        FrameHousehold(f"h{i}", "110101001001", "110101001001001", f"{i:03d}") for i in range(95)
    ]
    seen: list[str] = []
    original = sampling.random_start
    try:
        for start in range(10):
            sampling.random_start = lambda seed, code, q, s=start: s  # type: ignore[misc]
            seen.extend(sampling.draw(frame, seed=0).areas[0].selected)
    finally:
        sampling.random_start = original
    assert sorted(seen) == sorted(h.household_id for h in frame)


def test_reproducible_by_seed_and_sensitive_to_it() -> None:
    frame = _frame()
    assert draw(frame, seed=7).digest() == draw(list(reversed(frame)), seed=7).digest()
    assert draw(frame, seed=7).digest() != draw(frame, seed=8).digest()


def test_exclusions_leave_the_frame_and_are_counted() -> None:
    frame = _frame(areas=2)
    frame.append(FrameHousehold("dead", "110101001000", "110101001000000", "999", "all_died"))
    frame.append(FrameHousehold("moved", "110101001000", "110101001000000", "500", "moved_away"))
    sample = draw(frame, seed=1)
    picked = {hid for area in sample.areas for hid in area.selected}
    assert "dead" not in picked and "moved" not in picked
    assert sample.excluded == {"all_died": 1, "moved_away": 1}


def test_rate_must_be_a_proportion() -> None:
    with pytest.raises(ValueError):
        draw([], seed=1, rate=Fraction(0))
    assert draw(_frame(areas=1), seed=1, rate=Fraction(1)).selected == len(_frame(areas=1))


def _person(**items: int) -> dict[str, int]:
    return {"relationship": 0, "residence_at_reference": 1, **items}


def test_exclusion_rules_from_the_household_record() -> None:
    ordinary = {"form": "short", "household_no": "001", "persons": [_person()]}
    assert exclusion_of(ordinary) is None
    assert exclusion_of({**ordinary, "household_no": "999"}) == "all_died"
    assert exclusion_of({**ordinary, "form": "hmtf"}) == "hmtf_only"
    assert exclusion_of({**ordinary, "persons": []}) == "empty_unit"
    assert exclusion_of(ordinary, moved_away=True) == "moved_away"
    nominal = [_person(reason_away=4, residence_at_reference=5, time_away_from_hukou=8)] * 2
    assert exclusion_of({**ordinary, "persons": nominal}) == "all_nominal_hukou"
    away = [_person(residence_at_reference=5, time_away_from_hukou=3, reason_away=0)] * 2
    assert exclusion_of({**ordinary, "persons": away}) == "all_away_6_months"
    recent = [_person(residence_at_reference=5, time_away_from_hukou=2, reason_away=0)]
    assert exclusion_of({**ordinary, "persons": recent}) is None
