"""HK/Macau/Taiwan residents and foreigners (港澳台居民和外籍人员): their households and form.

They are 0.101 % of the population count (1,430,695 against 1,411,778,724) but never part of it;
origin, sex, length of stay and purpose follow the published marginals (Communiqué No.8). They live
mostly in urban small areas. Item keys follow forms-2020.md §6 (R4–R12 are a reconstruction).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import identities, targets
from headcount.synth.demography import birth_year
from headcount.synth.geography import Plan

ORIGINS = ("hong_kong", "macau", "taiwan", "foreign")  # identity_or_nationality 1..4
STAYS = ("lt_3m", "3m_6m", "6m_1y", "1y_2y", "2y_5y", "5y_plus")  # length_of_stay 1..6
PURPOSES = ("business", "employment", "study", "settle", "visit_family", "other")  # 1..6
COUNTRIES = (
    "KOR",
    "USA",
    "JPN",
    "VNM",
    "MMR",
    "RUS",
    "PAK",
    "GBR",
    "DEU",
    "FRA",
    "CAN",
    "AUS",
    "IND",
    "THA",
    "NGA",
)
FOREIGN_GIVEN = (
    "James",
    "Maria",
    "Min-jun",
    "Thi",
    "Aung",
    "Ivan",
    "Ahmed",
    "Anna",
    "Yuki",
    "Pierre",
    "Sofia",
    "David",
    "Priya",
    "Somchai",
    "Chinedu",
)
FOREIGN_FAMILY = (
    "Smith",
    "Kim",
    "Nguyen",
    "Win",
    "Ivanov",
    "Khan",
    "Tanaka",
    "Martin",
    "Garcia",
    "Muller",
    "Silva",
    "Brown",
    "Sharma",
    "Wong",
    "Okafor",
)


def share() -> float:
    nat = targets.national()
    return nat["hmtf_total"] / nat["population_total"]


def _p(keys: tuple[str, ...], prefix: str) -> NDArray[np.float64]:
    nat = targets.national()
    values = np.array([nat[f"{prefix}_{k}"] for k in keys], dtype=np.float64)
    return np.asarray(values / values.sum(), dtype=np.float64)


def generate(
    rng: np.random.Generator, plan: Plan, rows: NDArray[np.int64], persons: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = round(persons * share())
    nat = targets.national()
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.choice([1, 2, 3, 4], p=[0.55, 0.25, 0.15, 0.05])))
    if sizes:
        sizes[-1] -= sum(sizes) - n
    size = np.array([s for s in sizes if s > 0], dtype=np.int64)
    k = size.size
    weight = np.where(plan.urban[rows], 6.0, 1.0) * plan.persons[rows]
    area = (
        np.sort(rng.choice(rows.size, size=k, p=weight / weight.sum()))
        if k
        else np.zeros(0, np.int64)
    )
    number = np.arange(k) - np.searchsorted(area, area, side="left") + 1
    code = pl.Series(plan.code[rows][area]).cast(pl.Utf8)
    hid = (
        pl.DataFrame({"c": code, "n": pl.Series(number).cast(pl.Utf8).str.zfill(3)})
        .select(pl.concat_str("c", pl.lit("-F"), "n"))
        .to_series()
    )
    collective = (size == 1) & (rng.random(k) < 0.15)
    dwelling = np.where(collective, 2, np.where(rng.random(k) < 0.95, 1, 3)).astype(np.int8)
    ordinary = dwelling == 1
    households = pl.DataFrame(
        {
            "household_id": hid,
            "small_area_code": code,
            "household_type": np.where(collective, 2, 1).astype(np.int8),
            "dwelling_type": dwelling,
            "floor_area_m2": pl.Series(
                np.where(ordinary, np.round(rng.gamma(4, 20, k) + 20 * size, 1), np.nan)
            ).fill_nan(None),
            "rooms": pl.Series(
                np.where(ordinary, np.clip(size + rng.integers(0, 3, k), 1, 9), 0)
            ).replace(0, None),
        }
    )
    # Persons: one origin per household; the first person heads it.
    hh = np.repeat(np.arange(k), size)
    m = hh.size
    person_no = np.arange(m) - np.repeat(np.cumsum(size) - size, size) + 1
    origin = rng.choice(4, size=k, p=_p(ORIGINS, "hmtf"))[hh] + 1
    male_share = nat["hmtf_male"] / nat["hmtf_total"]
    sex = np.where(rng.random(m) < male_share, 1, 2).astype(np.int8)
    age = np.where(person_no == 1, rng.integers(20, 70, m), rng.integers(0, 60, m)).astype(np.int16)
    month = rng.integers(1, 13, m).astype(np.int8)
    rel = np.where(person_no == 1, 0, np.where(age < 18, 2, 1)).astype(np.int8)
    rel = np.where(np.repeat(collective, size), 9, rel).astype(np.int8)
    stay = rng.choice(6, size=m, p=_p(STAYS, "hmtf_stay")) + 1
    purpose = rng.choice(6, size=m, p=_p(PURPOSES, "hmtf_purpose")) + 1
    foreign = origin == 4
    chinese = identities.names(rng, sex, hh, rel, np.cumsum(size) - size)
    latin = (
        pl.DataFrame(
            {
                "g": pl.Series(FOREIGN_GIVEN).gather(
                    pl.Series(rng.integers(0, len(FOREIGN_GIVEN), m))
                ),
                "f": pl.Series(FOREIGN_FAMILY).gather(
                    pl.Series(rng.integers(0, len(FOREIGN_FAMILY), m))
                ),
            }
        )
        .select(pl.concat_str("g", pl.lit(" "), "f"))
        .to_series()
    )
    name = pl.select(pl.when(pl.Series(foreign)).then(latin).otherwise(chinese)).to_series()
    country = pl.select(
        pl.when(pl.Series(foreign)).then(
            pl.Series(COUNTRIES).gather(pl.Series(rng.integers(0, len(COUNTRIES), m)))
        )
    ).to_series()
    edu = np.where(
        age >= 3,
        rng.choice([3, 4, 5, 6, 7, 8, 9], size=m, p=[0.08, 0.12, 0.2, 0.15, 0.3, 0.12, 0.03]),
        0,
    )
    work = np.where(
        age >= 16, np.where(np.isin(purpose, (1, 2)), 1, np.where(rng.random(m) < 0.3, 1, 2)), 0
    )
    persons_frame = pl.DataFrame(
        {
            "household_id": hid.gather(pl.Series(hh)),
            "person_no": person_no.astype(np.int32),
            "name": name,
            "relationship": rel,
            "sex": sex,
            "birth_year_month_year": birth_year(age, month),
            "birth_year_month_month": month,
            "identity_or_nationality": origin.astype(np.int8),
            "country": country,
            "purpose_of_stay": purpose.astype(np.int8),
            "length_of_stay": stay.astype(np.int8),
            "education": pl.Series(edu.astype(np.int8)).replace(0, None),
            "work_status": pl.Series(work.astype(np.int8)).replace(0, None),
        }
    )
    return households, persons_frame
