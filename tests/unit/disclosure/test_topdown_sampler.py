"""The vectorised exact discrete Gaussian: the distribution it must have, at the scale it states.

Draws use a seeded byte source (numpy's PCG64 bytes) so a failure can be replayed; the release
itself reads os.urandom."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from headcount.disclosure.topdown.sampler import (
    Uniform,
    add_noise,
    bernoulli_exp,
    discrete_gaussian_noise,
    exact_sigma,
    rational_variance,
)


def _bytes(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    return lambda n: rng.bytes(n)


def _pmf(sigma: float, k: np.ndarray) -> np.ndarray:
    span = np.arange(-40 * math.ceil(sigma) - 40, 40 * math.ceil(sigma) + 41)
    norm = np.exp(-(span**2) / (2 * sigma**2)).sum()
    return np.asarray(np.exp(-(k**2) / (2 * sigma**2)) / norm)


@pytest.mark.parametrize("sigma", [0.4, 1.53, 7.2])
def test_draws_follow_the_discrete_gaussian(sigma: float) -> None:
    n = 200_000
    draws = discrete_gaussian_noise(n, sigma, _bytes(1))
    used = exact_sigma(sigma)
    span = np.arange(-int(6 * used) - 1, int(6 * used) + 2)
    expected = _pmf(used, span) * n
    observed = np.array([(draws == k).sum() for k in span])
    keep = expected > 20
    chi2 = (((observed - expected) ** 2) / expected)[keep].sum()
    # Pearson's χ² with df = cells − 1; 5 standard deviations above its mean fails.
    df = int(keep.sum()) - 1
    assert chi2 < df + 5 * math.sqrt(2 * df), (chi2, df)
    assert abs(draws.mean()) < 5 * used / math.sqrt(n)
    variance = float((_pmf(used, span) * span**2).sum())
    assert draws.var() == pytest.approx(variance, rel=0.02)


def test_bernoulli_exp_has_probability_exp_minus_gamma() -> None:
    u = Uniform(_bytes(2))
    n = 200_000
    for num, den in ((1, 2), (5, 2), (0, 1), (7, 3)):
        heads = bernoulli_exp(u, np.full(n, num), np.full(n, den)).mean()
        p = math.exp(-num / den)
        assert abs(heads - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-9, (num, den, heads)


def test_uniform_below_is_uniform_and_below() -> None:
    u = Uniform(_bytes(3))
    bounds = np.array([1, 2, 3, 7, 1000, 2**40 + 3] * 20_000)
    draws = u.below(bounds)
    assert (draws >= 0).all() and (draws < bounds).all()
    threes = draws[bounds == 3]
    assert np.bincount(threes, minlength=3) / threes.size == pytest.approx([1 / 3] * 3, abs=0.01)


def test_sigma_is_rounded_up_never_down() -> None:
    for sigma in (0.05, 1.0, 1.5275, 3.93, 40.0, 900.0):
        n, d = rational_variance(sigma)
        assert Fraction(n, d) >= Fraction(sigma) ** 2
        assert exact_sigma(sigma) / sigma - 1 < (1e-6 if sigma >= 0.2 else 1e-4)
    with pytest.raises(ValueError):
        rational_variance(0.0)


def test_noise_is_added_to_counts_of_any_shape() -> None:
    counts = np.arange(12).reshape(3, 4)
    noisy = add_noise(counts, 1.0, _bytes(4))
    assert noisy.shape == (3, 4) and noisy.dtype == np.int64
    assert not np.array_equal(add_noise(np.zeros(1000, dtype=np.int64), 1.0), np.zeros(1000))
