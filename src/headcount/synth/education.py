"""Education (D11) and literacy (D12), calibrated to the published rates per 100,000 persons.

Children get the level their age implies (pre-school 3–5, primary 6–11, junior 12–14, senior or
junior 15–17); adults are ranked by a score (younger cohorts and urban areas higher) and the
remaining quota of each level is filled from the top, so the per-100k rates come out exactly.
Illiterates (2.67 % of the whole population, all aged 15+) are drawn from those who never attended
school first, then from the oldest with primary schooling.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from headcount.synth import targets
from headcount.synth.demography import choose

NOT_ASKED = 0
NEVER, PRESCHOOL, PRIMARY, JUNIOR, SENIOR = 1, 2, 3, 4, 5
COLLEGE, BACHELOR, MASTER, DOCTORATE = 6, 7, 8, 9
_UNIVERSITY_SPLIT = np.array([0.455, 0.47, 0.066, 0.009])


def assign(
    rng: np.random.Generator,
    age: NDArray[np.int16],
    urban: NDArray[np.bool_],
    t: targets.ProvinceTargets,
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """D11 (0 = not asked, under 3) and D12 (0 = not asked, 1 literate, 2 illiterate)."""
    n = age.size
    edu = np.zeros(n, dtype=np.int8)
    edu[(age >= 3) & (age <= 5)] = PRESCHOOL
    edu[(age >= 6) & (age <= 11)] = PRIMARY
    edu[(age >= 12) & (age <= 14)] = JUNIOR
    teen = np.flatnonzero((age >= 15) & (age <= 17))
    edu[teen] = np.where(rng.random(teen.size) < 0.62, SENIOR, JUNIOR)
    per = t.education_per_100k
    quota = {
        COLLEGE: round(n * per["university"] / 1e5),
        SENIOR: round(n * per["senior_secondary"] / 1e5) - int((edu == SENIOR).sum()),
        JUNIOR: round(n * per["junior_secondary"] / 1e5) - int((edu == JUNIOR).sum()),
        PRIMARY: round(n * per["primary"] / 1e5) - int((edu == PRIMARY).sum()),
    }
    adults = np.flatnonzero(age >= 18)
    a_age = age[adults].astype(np.float64)
    score = rng.normal(0.0, 1.0, adults.size) + np.where(urban[adults], 0.9, 0.0)
    score -= 0.05 * np.maximum(a_age - 30.0, 0.0) + 0.04 * np.maximum(22.0 - a_age, 0.0)
    ranked = adults[np.argsort(-score, kind="stable")]
    start = 0
    for level in (COLLEGE, SENIOR, JUNIOR, PRIMARY):
        take = max(0, min(quota[level], ranked.size - start))
        edu[ranked[start : start + take]] = level
        start += take
    edu[ranked[start:]] = NEVER
    college = np.flatnonzero(edu == COLLEGE)
    split = rng.choice(
        np.array([COLLEGE, BACHELOR, MASTER, DOCTORATE], dtype=np.int8),
        size=college.size,
        p=_UNIVERSITY_SPLIT,
    )
    split = np.where((split == DOCTORATE) & (age[college] < 27), MASTER, split)
    split = np.where((split == MASTER) & (age[college] < 23), BACHELOR, split)
    edu[college] = split

    literate = np.where(age >= 15, 1, 0).astype(np.int8)
    rate = targets.national()["illiteracy_rate_pct"] / 100.0
    eligible = (age >= 15) & ((edu == NEVER) | (edu == PRIMARY))
    weight = np.where(eligible, np.where(edu == NEVER, 1e4, 1.0) * np.exp(age / 15.0), 0.0)
    literate[choose(rng, weight, round(n * rate))] = 2
    return edu, literate
