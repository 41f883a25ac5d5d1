from __future__ import annotations

import numpy as np
import pytest

from headcount.synth.demography import age_at_reference, birth_year, choose, stratified_draw
from headcount.synth.geography import allocate


def test_stratified_draw_matches_the_distribution_to_one_per_cell() -> None:
    rng = np.random.default_rng(1)
    probs = np.array([0.1, 0.25, 0.4, 0.25])
    draws = stratified_draw(rng, probs, 10_001)
    counts = np.bincount(draws, minlength=4)
    assert np.all(np.abs(counts - probs * 10_001) <= 1)


def test_choose_takes_exactly_k_and_never_a_zero_weight() -> None:
    rng = np.random.default_rng(2)
    w = np.array([0.0, 1.0, 2.0, 0.0, 5.0, 1.0])
    picked = choose(rng, w, 3)
    assert picked.size == 3 and len(set(picked.tolist())) == 3
    assert not set(picked.tolist()) & {0, 3}
    assert choose(rng, w, 10).size == 4  # only four positive weights


def test_allocate_is_exact_and_proportional() -> None:
    shares = allocate(1000, np.array([1.0, 1.0, 1.0]))
    assert shares.sum() == 1000 and shares.max() - shares.min() <= 1
    assert allocate(0, np.array([1.0])).tolist() == [0]


@pytest.mark.parametrize(
    ("age", "month", "year"), [(0, 10, 2020), (0, 11, 2019), (15, 10, 2005), (15, 11, 2004)]
)
def test_birth_year_inverts_the_age_rule(age: int, month: int, year: int) -> None:
    y = birth_year(np.array([age]), np.array([month]))
    assert int(y[0]) == year
    assert int(age_at_reference(y, np.array([month]))[0]) == age
