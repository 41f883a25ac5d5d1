"""The PES sample of small areas: stratified, PPS with certainty units, reproducible."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.pes.design import FrameArea, draw


def _frame(seed: int = 1) -> list[FrameArea]:
    rng = random.Random(seed)
    areas = []
    for province, urban_share in (("11", 0.9), ("44", 0.6), ("65", 0.4)):
        for i in range(60):
            kind = "111" if rng.random() < urban_share else "220"
            code = f"{province}0101001{i // 20:03d}{i % 20:03d}"
            areas.append(FrameArea(code, rng.randint(50, 400), kind))
    return areas


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    one, two = draw(_frame(), areas=20, seed=7), draw(_frame(), areas=20, seed=7)
    assert one == two and one.digest == two.digest
    other = draw(_frame(), areas=20, seed=8)
    assert other.digest != one.digest
    assert len(one.areas) == 20 and len({a.small_area_code for a in one.areas}) == 20


def test_every_stratum_gets_two_and_the_rest_goes_by_size() -> None:
    frame = _frame()
    sample = draw(frame, areas=24, seed=3)
    per = Counter(a.stratum for a in sample.areas)
    assert set(per) == {f.stratum for f in frame} and min(per.values()) >= 2
    assert {s.stratum: s.allocated for s in sample.strata} == dict(per)
    assert sum(s.allocated for s in sample.strata) == 24


def test_inclusion_probabilities_are_n_size_over_total_and_sum_to_n() -> None:
    frame = _frame()
    sample = draw(frame, areas=30, seed=11)
    for stratum in sample.strata:
        members = [f for f in frame if f.stratum == stratum.stratum]
        total = sum(f.size for f in members)
        chosen = [a for a in sample.areas if a.stratum == stratum.stratum]
        for a in chosen:  # no area here comes near the interval: no certainty units
            assert not a.certainty
            expected = stratum.allocated * a.size / total
            assert a.inclusion_probability == pytest.approx(expected, rel=1e-9)
        assert len(chosen) == stratum.allocated


def test_an_area_as_big_as_the_interval_is_taken_with_certainty() -> None:
    frame = [FrameArea(f"110101001001{i:03d}", 10, "111") for i in range(10)]
    frame.append(FrameArea("110101001001999", 500, "111"))
    sample = draw(frame, areas=3, seed=5)
    big = next(a for a in sample.areas if a.small_area_code.endswith("999"))
    assert big.certainty and big.inclusion_probability == 1.0
    others = [a for a in sample.areas if not a.certainty]
    assert len(others) == 2
    assert all(a.inclusion_probability == pytest.approx(2 * 10 / 100) for a in others)


def test_selection_frequency_matches_the_inclusion_probability() -> None:
    frame = [FrameArea(f"110101001001{i:03d}", size, "111") for i, size in enumerate(
        [10, 20, 30, 40, 50, 60, 70, 80]
    )]  # fmt: skip
    runs = 4000
    hits = Counter(
        a.small_area_code for s in range(runs) for a in draw(frame, areas=2, seed=s).areas
    )
    total = sum(f.size for f in frame)
    for f in frame:
        expected = 2 * f.size / total
        assert hits[f.small_area_code] / runs == pytest.approx(expected, abs=0.03)


def test_bad_requests_are_refused_with_their_codes() -> None:
    frame = _frame()
    strata = len({f.stratum for f in frame})
    with pytest.raises(HeadcountError) as few:
        draw(frame, areas=2 * strata - 1, seed=1)
    assert few.value.problem == errors.PES_TOO_FEW_AREAS
    with pytest.raises(HeadcountError) as many:
        draw(frame, areas=len(frame) + 1, seed=1)
    assert many.value.problem == errors.PES_TOO_MANY_AREAS
    with pytest.raises(HeadcountError) as empty:
        draw([], areas=2, seed=1)
    assert empty.value.problem == errors.PES_FRAME_EMPTY
    with pytest.raises(HeadcountError) as sizeless:
        draw([FrameArea("110101001001001", 0)], areas=1, seed=1)
    assert sizeless.value.problem == errors.PES_FRAME_INVALID
