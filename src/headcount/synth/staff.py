"""Enumerators (普查员) and supervisors (普查指导员) with synthetic badges.

One enumerator per small area (a second one in 10 % of areas, and in areas over 1,200 persons), one
supervisor for every four to six neighbouring small areas of the same county. Badge numbers are
synthetic: 'PC' (普查) + the county code + a six-digit serial, unique in the census.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from headcount.synth import identities
from headcount.synth.demography import birth_year
from headcount.synth.geography import Plan


def generate(rng: np.random.Generator, plan: Plan) -> pl.DataFrame:
    m = plan.size
    # Supervisors: consecutive areas of one county, in groups of 4–6.
    new_county = np.ones(m, dtype=np.bool_)
    new_county[1:] = plan.county[1:] != plan.county[:-1]
    group_size = rng.integers(4, 7, m)
    sup_of = np.empty(m, dtype=np.int64)
    current, left = -1, 0
    for i in range(m):  # one pass over the plan; the plan has ~2,400 rows per million persons
        if new_county[i] or left == 0:
            current += 1
            left = int(group_size[i])
        sup_of[i] = current
        left -= 1
    n_sup = current + 1
    sup_area = np.searchsorted(sup_of, np.arange(n_sup))  # first area of each group
    per_area = np.where((rng.random(m) < 0.1) | (plan.persons > 1200), 2, 1)
    enum_area = np.repeat(np.arange(m), per_area)
    role = np.concatenate([np.zeros(n_sup, np.int8), np.ones(enum_area.size, np.int8)])
    area = np.concatenate([sup_area, enum_area])
    county = plan.county[area]
    k = area.size
    serial = np.arange(k) + 1
    county_s = pl.Series(county).cast(pl.Utf8)
    badge = (
        pl.DataFrame({"c": county_s, "s": pl.Series(serial).cast(pl.Utf8).str.zfill(6)})
        .select(pl.concat_str(pl.lit("PC"), "c", "s"))
        .to_series()
    )
    staff_id = (
        pl.DataFrame({"s": pl.Series(serial).cast(pl.Utf8).str.zfill(8)})
        .select(pl.concat_str(pl.lit("ST"), "s"))
        .to_series()
    )
    sex = np.where(rng.random(k) < 0.45, 1, 2).astype(np.int8)
    age = np.where(role == 0, rng.integers(30, 60, k), rng.integers(20, 60, k)).astype(np.int16)
    month = rng.integers(1, 13, k).astype(np.int8)
    names = identities.names(rng, sex, np.arange(k), np.zeros(k, np.int8), np.arange(k))
    phone = (
        pl.DataFrame({"n": pl.Series(rng.integers(0, 10**8, k)).cast(pl.Utf8).str.zfill(8)})
        .select(
            pl.concat_str(
                pl.lit("170"), "n"
            )  # 170: a virtual-operator prefix; numbers are synthetic
        )
        .to_series()
    )
    supervisor_id = staff_id.gather(
        pl.Series(np.concatenate([np.zeros(n_sup, np.int64), sup_of[enum_area]]))
    )
    return pl.DataFrame(
        {
            "staff_id": staff_id,
            "role": pl.Series(["supervisor", "enumerator"]).gather(
                pl.Series(role.astype(np.int64))
            ),
            "badge_no": badge,
            "name": names,
            "sex": sex,
            "birth_year_month_year": birth_year(age, month),
            "birth_year_month_month": month,
            "phone": phone,
            "county_code": county_s,
            "small_area_code": pl.Series(plan.code[area]).cast(pl.Utf8),
            "supervisor_id": pl.select(
                pl.when(pl.Series(role == 1)).then(supervisor_id)
            ).to_series(),
        }
    )
