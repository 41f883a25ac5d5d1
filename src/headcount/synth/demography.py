"""Exact sampling helpers and the age–sex pool of a province.

Marginals are hit *exactly* (to one person per cell) rather than in expectation: ages come from
stratified draws of the inverse distribution, and a fixed number of items is chosen with the
Gumbel top-k trick (sampling without replacement, proportional to weights). A 20,000-person run then
already lands on the published shares, and a 1 M run is as close as rounding allows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from headcount.synth import targets

REF_YEAR = 2020
REF_MONTH = 11  # standard time point 2020-11-01 00:00


def stratified_draw(
    rng: np.random.Generator, probs: NDArray[np.float64], n: int
) -> NDArray[np.int64]:
    """``n`` category indices whose counts match ``n * probs`` to within one, in random order."""
    u = (rng.permutation(n) + rng.random(n)) / max(n, 1)
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, u, side="right").astype(np.int64)


def choose(rng: np.random.Generator, weights: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Indices of ``k`` items drawn without replacement, probability ∝ weights (zero = never)."""
    n = weights.size
    k = min(k, int(np.count_nonzero(weights > 0)))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=n)
    if k >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.argpartition(-keys, k - 1)[:k]).astype(np.int64)


def choose_mask(
    rng: np.random.Generator, weights: NDArray[np.float64], k: int
) -> NDArray[np.bool_]:
    mask = np.zeros(weights.size, dtype=np.bool_)
    mask[choose(rng, weights, k)] = True
    return mask


def ages_and_sexes(
    rng: np.random.Generator, t: targets.ProvinceTargets, n: int
) -> tuple[NDArray[np.int16], NDArray[np.int8], NDArray[np.int8]]:
    """Age at the standard time point, birth month and sex code (1 male, 2 female) for ``n``
    persons of one province; the male count is exact."""
    dist = targets.age_distribution(t)
    age = stratified_draw(rng, dist, n).astype(np.int16)
    p_male = targets.male_probability(t, dist)[age]
    # Bernoulli by age, then the few persons needed to make the male count exact are switched
    # (chosen by the same probabilities), so each age keeps its sex ratio.
    males = rng.random(n) < p_male
    gap = round(n * t.male_pct / 100.0) - int(males.sum())
    if gap > 0:
        females = np.flatnonzero(~males)
        males[females[choose(rng, p_male[females], gap)]] = True
    elif gap < 0:
        men = np.flatnonzero(males)
        males[men[choose(rng, 1.0 - p_male[men], -gap)]] = False
    sex = np.where(males, 1, 2).astype(np.int8)
    month = rng.integers(1, 13, size=n).astype(np.int8)
    return age, month, sex


def birth_year(age: NDArray[np.integer], month: NDArray[np.integer]) -> NDArray[np.int16]:
    """Invert ``age = 2020 − year − (month ≥ 11)``: months 11–12 belong to the year before."""
    return (REF_YEAR - age.astype(np.int32) - (month >= REF_MONTH)).astype(np.int16)


def age_at_reference(year: NDArray[np.integer], month: NDArray[np.integer]) -> NDArray[np.int16]:
    return (REF_YEAR - year.astype(np.int32) - (month >= REF_MONTH)).astype(np.int16)


def birth_day(
    rng: np.random.Generator, year: NDArray[np.integer], month: NDArray[np.integer]
) -> NDArray[np.int8]:
    """A valid day of the month (leap years included)."""
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int8)[month - 1]
    y = year.astype(np.int32)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    days = days + ((month == 2) & leap)
    return np.asarray(1 + (rng.random(year.size) * days).astype(np.int8), dtype=np.int8)
