"""The long form: a systematic 10 % sample of eligible households and their extra items.

The frame excludes (workflow-2020.md §A5) households at the hukou place made only of absent members
(all away ≥ 6 months), all-died households (999) and households whose members are all abroad; the
draw is 随机等距 — a random start and a fixed step over the frame in area and household order.
Universes follow forms-2020.md §5 (age at the standard time point; women 15–64 / 15–50; 60+);
where only an app condition is known, the official-looking threshold is used and noted in the docs.
Codes without numbers in the reference are numbered 1…n in the listed order.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth.census import Records
from headcount.synth.truth import ChunkTruth

INDUSTRIES = (
    "电子元件制造",
    "建筑施工",
    "批发零售",
    "餐饮服务",
    "道路运输",
    "中小学教育",
    "医院诊疗",
    "种植业",
    "软件开发",
    "物业管理",
)
OCCUPATIONS = (
    "装配工",
    "砌筑工",
    "营业员",
    "厨师",
    "货车司机",
    "教师",
    "护士",
    "农民",
    "程序员",
    "保安员",
)


def sample(rng: np.random.Generator, eligible: NDArray[np.bool_], rate: float) -> NDArray[np.bool_]:
    """Systematic sample (random start, step 1/rate) over the eligible households in order."""
    chosen = np.zeros(eligible.size, dtype=np.bool_)
    frame = np.flatnonzero(eligible)
    if rate <= 0 or frame.size == 0:
        return chosen
    step = 1.0 / rate
    picks = np.floor(rng.random() * step + np.arange(0, frame.size / step + 1) * step).astype(
        np.int64
    )
    chosen[frame[picks[picks < frame.size]]] = True
    return chosen


def household_items(
    rng: np.random.Generator, k: int, storeys: NDArray[np.int16], urban: NDArray[np.bool_]
) -> dict[str, NDArray[np.int8]]:
    """H8–H19 for ``k`` sampled ordinary dwellings."""

    def pick(codes: int, p_urban: list[float], p_rural: list[float]) -> NDArray[np.int8]:
        values = np.arange(1, codes + 1, dtype=np.int8)
        return np.where(
            urban, rng.choice(values, k, p=p_urban), rng.choice(values, k, p=p_rural)
        ).astype(np.int8)

    band = np.select([storeys <= 1, storeys <= 7, storeys <= 33], [1, 2, 3], 4).astype(np.int8)
    source = pick(
        9,
        [0.05, 0.25, 0.28, 0.12, 0.10, 0.05, 0.10, 0.03, 0.02],
        [0.01, 0.04, 0.05, 0.02, 0.01, 0.01, 0.80, 0.05, 0.01],
    )
    rent = np.where(source <= 2, rng.integers(1, 11, k), 0).astype(np.int8)
    return {
        "building_storeys": band,
        "structure_type": pick(5, [0.85, 0.12, 0.02, 0.0, 0.01], [0.35, 0.40, 0.20, 0.04, 0.01]),
        "year_built": pick(
            9,
            [0.0, 0.01, 0.01, 0.02, 0.06, 0.18, 0.35, 0.22, 0.15],
            [0.01, 0.02, 0.03, 0.06, 0.18, 0.25, 0.27, 0.11, 0.07],
        ),
        "elevator": np.where(band >= 3, 1, 2).astype(np.int8),
        "cooking_fuel": pick(5, [0.75, 0.22, 0.01, 0.01, 0.01], [0.35, 0.30, 0.08, 0.25, 0.02]),
        "piped_water": pick(2, [0.99, 0.01], [0.85, 0.15]),
        "kitchen": pick(3, [0.93, 0.04, 0.03], [0.95, 0.02, 0.03]),
        "toilet": pick(5, [0.93, 0.03, 0.01, 0.02, 0.01], [0.55, 0.10, 0.10, 0.22, 0.03]),
        "bathing": pick(4, [0.30, 0.66, 0.02, 0.02], [0.05, 0.75, 0.08, 0.12]),
        "housing_source": source,
        "monthly_rent": rent,
        "car_value": pick(
            7, [0.10, 0.15, 0.08, 0.05, 0.02, 0.01, 0.59], [0.10, 0.08, 0.03, 0.01, 0.0, 0.0, 0.78]
        ),
    }


def person_items(
    rng: np.random.Generator,
    t: ChunkTruth,
    r: Records,
    rows: NDArray[np.int64],
    urban: NDArray[np.bool_],
    res_county: NDArray[np.int32],
) -> dict[str, NDArray[np.int64]]:
    """§5.2 person items for the given census records (0 = not asked)."""
    i = r.person[rows]
    p, hk = t.persons, t.hukou
    k = i.size
    age = p.age[i].astype(np.int64)
    sex = p.sex[i]
    rel = p.relationship[i]
    edu = t.education[i]
    u = rng.random((8, k))
    pending = hk.hukou_place[i] == 5
    place_type = np.where(urban, np.where(u[0] < 0.7, 4, 3), np.where(u[0] < 0.6, 1, 2))
    land = np.where(urban, np.where(u[1] < 0.12, 1, 2), np.where(u[1] < 0.75, 1, 2))
    moved_county = hk.separated[i] & (hk.hukou_place[i] == 4)
    other_province = hk.county[i] // 10000 != res_county // 10000
    birthplace = np.where(moved_county, np.where(other_province, 3, 2), 1)
    birthplace = np.where((birthplace == 1) & (u[2] < 0.08), 2, birthplace)
    five_ago = np.where(age >= 5, np.where(hk.separated[i] & (hk.time_away[i] <= 7), 2, 1), 0)
    completion = np.where(
        (age >= 3) & (edu != 1),
        np.where(age <= 22, 1, np.where(u[3] < 0.9, 2, np.where(u[3] < 0.95, 3, 4))),
        0,
    )
    works = np.interp(age, [16, 20, 25, 50, 60, 70, 100], [0.2, 0.55, 0.85, 0.82, 0.45, 0.15, 0.02])
    worked = np.where(age >= 16, np.where(u[4] < works, 1, np.where(u[4] < works + 0.03, 2, 3)), 0)
    hours = np.where(worked == 1, np.clip(np.round(rng.normal(46, 9, k)), 1, 98), 0)
    at_work = (worked == 1) | (worked == 2)  # C19–C21 are asked of those with a job
    employer = np.where(
        at_work,
        np.where(
            urban,
            rng.choice([1, 2, 4], k, p=[0.7, 0.15, 0.15]),
            rng.choice([1, 2, 3, 4], k, p=[0.3, 0.1, 0.5, 0.1]),
        ),
        0,
    )
    not_working = np.where(
        worked == 3, np.select([age <= 24, age >= 55], [1, 2], np.where(u[5] < 0.6, 3, 5)), 0
    )
    income = np.where(
        age >= 5, np.select([worked == 1, age >= 60], [1, np.where(u[6] < 0.7, 2, 6)], 6), 0
    )
    other = np.where(u[7] < 0.8, 2, np.where(u[7] < 0.9, 4, np.where(u[7] < 0.95, 3, 1)))
    has_spouse = np.zeros(t.households.size_count, dtype=np.bool_)
    has_spouse[p.household[p.relationship == 1]] = True
    couple = (rel == 1) | ((rel == 0) & has_spouse[p.household[i]])
    marital = np.where(age >= 15, np.select([couple, age < 25], [2, 1], other), 0)
    first_marriage = np.where(
        np.isin(marital, (2, 3, 4)), t.year[i] + np.clip(np.round(rng.normal(25, 3, k)), 18, 45), 0
    )
    # Married at 15 at the earliest and before the standard time point (2020-10 at the latest).
    first_marriage = np.where(
        first_marriage > 0, np.clip(first_marriage, t.year[i].astype(np.int64) + 16, 2020), 0
    )
    fm_month = np.where(first_marriage > 0, rng.integers(1, 13, k), 0)
    fm_month = np.where(first_marriage == 2020, np.minimum(fm_month, 10), fm_month)
    women_15_64 = (sex == 2) & (age >= 15) & (age <= 64)
    ever = np.where(
        women_15_64 & (marital != 1), np.clip(rng.poisson(np.where(age < 30, 0.8, 1.7), k), 0, 8), 0
    )
    boys = rng.binomial(ever, 0.53)
    survive_m = boys - rng.binomial(boys, 0.02)
    survive_f = (ever - boys) - rng.binomial(ever - boys, 0.02)
    women_15_50 = (sex == 2) & (age >= 15) & (age <= 50)
    births = np.where(
        women_15_50 & (ever > 0) & (age <= 40), (rng.random(k) < 0.06).astype(np.int64), 0
    )
    elderly = age >= 60
    arrangement = np.where(
        elderly, rng.choice(7, k, p=[0.2, 0.4, 0.2, 0.01, 0.12, 0.03, 0.04]) + 1, 0
    )
    health = np.where(
        elderly,
        np.select(
            [age < 70, age < 80],
            [
                rng.choice([1, 2, 3, 4], k, p=[0.6, 0.3, 0.08, 0.02]),
                rng.choice([1, 2, 3, 4], k, p=[0.4, 0.4, 0.15, 0.05]),
            ],
            rng.choice([1, 2, 3, 4], k, p=[0.2, 0.4, 0.25, 0.15]),
        ),
        0,
    )
    return {
        "hukou_place_type": np.where(pending, 0, place_type),
        "rural_land_contract": land,
        "birthplace": birthplace,
        "residence_5y_ago": five_ago,
        "education_completion": completion,
        "worked_last_week": worked,
        "hours_worked": hours,
        "employer_type": employer,
        "reason_not_working": not_working,
        "main_income_source": income,
        "marital_status": marital,
        "first_marriage_year_month_year": first_marriage,
        "first_marriage_year_month_month": fm_month,
        "children_ever_born_male": np.where(women_15_64, boys, -1),
        "children_ever_born_female": np.where(women_15_64, ever - boys, -1),
        "children_surviving_male": np.where(women_15_64, survive_m, -1),
        "children_surviving_female": np.where(women_15_64, survive_f, -1),
        "births_last_year": np.where(women_15_50, births, -1),
        "living_arrangement": arrangement,
        "health_status": health,
        "_worked": worked,
    }


def text_items(rng: np.random.Generator, worked: NDArray[np.int64]) -> tuple[pl.Series, pl.Series]:
    """C20 industry and C21 occupation as free text (coded later), only for those who worked."""
    pick = rng.integers(0, len(INDUSTRIES), worked.size)
    has = pl.Series((worked == 1) | (worked == 2))
    industry = pl.select(
        pl.when(has).then(pl.Series(INDUSTRIES).gather(pl.Series(pick)))
    ).to_series()
    occupation = pl.select(
        pl.when(has).then(pl.Series(OCCUPATIONS).gather(pl.Series(pick)))
    ).to_series()
    return industry, occupation
