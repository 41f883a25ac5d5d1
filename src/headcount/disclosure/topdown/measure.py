"""The noisy measurements of a release: every query at every level, drawn once.

Each (level, query) of the budget's allocation gets discrete Gaussian noise of its σ (ρ_q and the
query's sensitivity, ``disclosure.budget``) on every cell of its histogram, structural zeros
included: a cell that is zero by the public geography (the rural persons of an urban small area)
is measured like any other, so its noisy value says nothing, and nothing depends on the data in
deciding what is measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from headcount.disclosure.budget import Budget
from headcount.disclosure.topdown.queries import Confidential
from headcount.disclosure.topdown.sampler import RandomBytes, add_noise, exact_sigma


@dataclass(frozen=True, slots=True)
class Measurement:
    level: str
    query: str
    sigma: float  # the sampler's σ (≥ the budget's: sampler.rational_variance)
    noisy: np.ndarray  # (units, cells) int64


def true_counts(data: Confidential, index: int, query: str) -> np.ndarray:
    """The confidential histogram of ``query`` at level ``index``: (units, cells)."""
    if query == "total":
        return np.asarray(data.persons[index].sum(axis=1, keepdims=True))
    if query == "urban_rural":
        return data.persons[index]
    if query == "sex_age":
        return data.sex_age[index]
    if query == "household_type_size":
        return data.households[index]
    raise KeyError(query)


def measure(
    data: Confidential, budget: Budget, random_bytes: RandomBytes = os.urandom
) -> dict[tuple[str, str], Measurement]:
    """Every measurement of the budget's allocation, keyed (level, query)."""
    names = [level.name for level in data.levels]
    out: dict[tuple[str, str], Measurement] = {}
    for row in budget.allocation():
        index = names.index(row.level)
        truth = true_counts(data, index, row.query)
        noisy = add_noise(truth, row.sigma, random_bytes)
        out[(row.level, row.query)] = Measurement(
            row.level, row.query, exact_sigma(row.sigma), noisy
        )
    return out


__all__ = ["Measurement", "measure", "true_counts"]
