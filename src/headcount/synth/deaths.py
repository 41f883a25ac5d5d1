"""Deaths of the reference year (2019-11-01 … 2020-10-31): H4 counts and the death forms.

Deaths fall on households in proportion to a mortality weight of their members (doubling every
eight years of age), so old people's households report them; the deceased is usually of the same
generation as the household's oldest member. Households whose members have all died are numbered
999 and report only H4 (at most one per small area).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import identities
from headcount.synth.config import SynthConfig
from headcount.synth.demography import birth_day
from headcount.synth.geography import Plan
from headcount.synth.truth import ChunkTruth

_DEATH_MONTHS = np.array(
    [(2019, 11), (2019, 12)] + [(2020, m) for m in range(1, 11)], dtype=np.int16
)
_DEATH_AGE_P = np.interp(
    np.arange(101), [0, 1, 5, 40, 60, 70, 80, 88, 95, 100], [3, 0.3, 0.1, 0.6, 2.5, 5, 9, 9, 5, 2]
)


@dataclass(slots=True)
class Deaths:
    household: NDArray[np.int64]  # census household index; >= n_households for 999 households
    area: NDArray[np.int64]
    sex: NDArray[np.int8]
    birth_year: NDArray[np.int16]
    birth_month: NDArray[np.int8]
    death_year: NDArray[np.int16]
    death_month: NDArray[np.int8]
    age_at_death: NDArray[np.int16]
    ethnic: NDArray[np.int8]
    education: NDArray[np.int8]
    marital: NDArray[np.int8]  # 0 not asked, 1 never married, 2 married, 3 divorced, 4 widowed
    name: pl.Series
    citizen_id: pl.Series
    all_died_areas: NDArray[np.int64]  # areas that have a 999 household

    @property
    def size(self) -> int:
        return int(self.sex.size)


def generate(rng: np.random.Generator, t: ChunkTruth, plan: Plan, cfg: SynthConfig) -> Deaths:
    p, h = t.persons, t.households
    n_hh = h.size_count
    weight = np.exp2((p.age.astype(np.float64) - 80.0) / 8.0)
    hh_weight = np.bincount(p.household, weights=weight, minlength=n_hh)
    expected = cfg.death_rate * p.size * 0.93  # the rest die in all-died households
    lam = hh_weight / max(hh_weight.sum(), 1e-9) * expected
    count = rng.poisson(lam)
    household = np.repeat(np.arange(n_hh), count)
    oldest = np.maximum.reduceat(p.age, h.first) if n_hh else np.zeros(0, np.int16)
    # Households of the 999 kind: at most one per area, one or two deaths.
    area_persons = np.bincount(h.area, weights=h.size, minlength=t.rows.size)
    all_died = np.flatnonzero(
        rng.random(t.rows.size) < np.minimum(1.0, area_persons * cfg.death_rate * 0.07)
    )
    two = rng.random(all_died.size) < 0.2
    d999_area = np.repeat(all_died, np.where(two, 2, 1))
    k, k999 = household.size, d999_area.size
    total = k + k999
    age = np.empty(total, dtype=np.int16)
    base = oldest[household].astype(np.float64)
    age[:k] = np.clip(np.where(base >= 55, base + rng.normal(0, 4, k), _draw_ages(rng, k)), 0, 100)
    age[k:] = np.clip(_draw_ages(rng, k999) + 5, 50, 100)
    sex = np.where(rng.random(total) < 0.57, 1, 2).astype(np.int8)
    dm = _DEATH_MONTHS[rng.integers(0, 12, total)]
    death_year, death_month = dm[:, 0], dm[:, 1].astype(np.int8)
    birth_month = rng.integers(1, 13, total).astype(np.int8)
    # Completed years at death (by month): born before the death month in the same year or earlier.
    birth_year = (death_year - age - (birth_month > death_month)).astype(np.int16)
    area = np.concatenate([h.area[household], d999_area])
    head_eth = t.ethnic[h.first]
    ethnic = np.concatenate([head_eth[household], np.ones(k999, np.int8)])
    education = np.where(
        age >= 3, rng.choice([1, 3, 4, 5, 6], size=total, p=[0.25, 0.35, 0.25, 0.1, 0.05]), 0
    ).astype(np.int8)
    marital = np.where(
        age >= 15, rng.choice([1, 2, 3, 4], size=total, p=[0.05, 0.45, 0.03, 0.47]), 0
    ).astype(np.int8)
    household_all = np.concatenate([household, -1 - np.searchsorted(all_died, d999_area)])
    county = plan.county[t.rows][area].astype(np.int64)
    day = birth_day(rng, birth_year, birth_month)
    slots = identities.chunk_slots(t.chunk, plan.chunks, 1, 2)  # never a living person's number
    f17 = identities.unique_first17(rng, county, birth_year, birth_month, day, sex, slots)
    ids = identities.id_strings(f17, identities.check_chars(f17))
    names = identities.names(rng, sex, np.arange(total), np.zeros(total, np.int8), np.arange(total))
    return Deaths(
        household=household_all,
        area=area,
        sex=sex,
        birth_year=birth_year,
        birth_month=birth_month,
        death_year=death_year.astype(np.int16),
        death_month=death_month,
        age_at_death=age,
        ethnic=ethnic,
        education=education,
        marital=marital,
        name=names,
        citizen_id=ids,
        all_died_areas=all_died,
    )


def _draw_ages(rng: np.random.Generator, k: int) -> NDArray[np.float64]:
    p = _DEATH_AGE_P / _DEATH_AGE_P.sum()
    return rng.choice(101, size=k, p=p).astype(np.float64)


def counts_by_household(
    d: Deaths, n_households: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """H4 (male, female) per census household of residents."""
    own = d.household >= 0
    male = np.bincount(d.household[own & (d.sex == 1)], minlength=n_households)
    female = np.bincount(d.household[own & (d.sex == 2)], minlength=n_households)
    return male[:n_households], female[:n_households]


def death_forms(d: Deaths, household_id: pl.Series, household_no: pl.Series) -> pl.DataFrame:
    """One death form per death, numbered within its household (S1 = the household number);
    ``_order`` keeps each form's position in ``d``."""
    frame = pl.DataFrame(
        {
            "household_id": household_id,
            "household_no": household_no,
            "name": d.name,
            "sex": d.sex,
            "birth_year_month_year": d.birth_year,
            "birth_year_month_month": d.birth_month,
            "death_year_month_year": d.death_year,
            "death_year_month_month": d.death_month,
            "age_at_death": d.age_at_death,
            "ethnic_group": pl.Series(d.ethnic).cast(pl.Utf8).str.zfill(2),
            "education": _or_null(d.education),
            "marital_status": _or_null(d.marital),
        }
    )
    death_no = pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("household_id")
    return (
        frame.with_row_index("_order")
        .sort("household_id", "_order")
        .with_columns(death_no.alias("death_no"))
        .select("household_id", "death_no", pl.exclude("household_id", "death_no"))
    )


def _or_null(values: NDArray[np.int8]) -> pl.Series:
    s = pl.Series(values)
    return pl.select(pl.when(s == 0).then(None).otherwise(s)).to_series()
