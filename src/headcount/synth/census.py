"""Census records from the truth: the short-form households and persons of a chunk.

Record kinds: every person present is registered at the residence (D7 = 1); a person abroad only in
the home household (D7 = 6/7); a separated person *also* at the hukou place, in a household of the
hukou small area made of absent members (户在人不在: D7 = 4, or 5 with residence_county, D8 = 1),
with the same D9/D10 as at the residence. Both records of one person point to one true person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth.geography import Plan
from headcount.synth.truth import ChunkTruth

RESIDENT, HUKOU_PLACE, DUPLICATE = 0, 1, 2


@dataclass(slots=True)
class Records:
    """Census person records (before error injection) and their households."""

    person: NDArray[np.int64]  # true person index
    kind: NDArray[np.int8]  # RESIDENT (incl. abroad) or HUKOU_PLACE
    household: NDArray[np.int64]  # census household index
    person_no: NDArray[np.int32]
    residence_at_reference: NDArray[np.int8]
    residence_county: NDArray[np.int32]  # 0 when not asked
    hukou_place: NDArray[np.int8]
    hh_area: NDArray[np.int64]  # census household → chunk-area index
    hh_origin: NDArray[np.bool_]  # household of absent members at the hukou place
    hh_no: NDArray[np.int32]
    hh_true: NDArray[np.int64]  # census household → true household (origin: the mover's)

    @property
    def size(self) -> int:
        return int(self.person.size)


def build_records(t: ChunkTruth, plan: Plan) -> Records:
    p, h, hk = t.persons, t.households, t.hukou
    n, n_hh = p.size, h.size_count
    counties = plan.county[t.rows]
    # Origin households: one per moving family household, one per moving collective resident.
    movers = np.flatnonzero(hk.separated & (hk.area >= 0))
    coll = h.collective[p.household[movers]]
    unit = np.where(coll, n_hh + movers, p.household[movers])
    units, first_idx, unit_of = np.unique(unit, return_index=True, return_inverse=True)
    origin_area = hk.area[movers[first_idx]]
    n_origin = units.size
    # Census households: residents' (same index as the true ones) then origin households.
    hh_area = np.concatenate([h.area, origin_area])
    hh_origin = np.concatenate([np.zeros(n_hh, np.bool_), np.ones(n_origin, np.bool_)])
    hh_true = np.concatenate([np.arange(n_hh), p.household[movers[first_idx]]])
    order = np.lexsort((np.arange(hh_area.size), hh_origin, hh_area))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    area_sorted = hh_area[order]
    area_start = np.searchsorted(area_sorted, area_sorted, side="left")
    hh_no = np.empty(order.size, dtype=np.int32)
    hh_no[order] = (np.arange(order.size) - area_start + 1).astype(np.int32)

    d7 = np.where(hk.abroad > 0, hk.abroad, 1).astype(np.int8)
    r_person = np.concatenate([np.arange(n), movers])
    r_kind = np.concatenate(
        [np.full(n, RESIDENT, np.int8), np.full(movers.size, HUKOU_PLACE, np.int8)]
    )
    r_household = np.concatenate([p.household, n_hh + unit_of])
    same_county = hk.county[movers] == counties[t.area[movers]]
    r_d7 = np.concatenate([d7, np.where(same_county, 4, 5).astype(np.int8)])
    r_county = np.concatenate(
        [np.zeros(n, np.int32), np.where(same_county, 0, counties[t.area[movers]]).astype(np.int32)]
    )
    r_d8 = np.concatenate([hk.hukou_place, np.ones(movers.size, np.int8)])
    # Roster order: households in census order, persons by their true roster position.
    true_no = p.person_no[r_person]
    r_order = np.lexsort((true_no, rank[r_household]))
    r_household = r_household[r_order]
    starts = np.searchsorted(rank[r_household], rank[r_household], side="left")
    person_no = (np.arange(r_order.size) - starts + 1).astype(np.int32)
    return Records(
        person=r_person[r_order],
        kind=r_kind[r_order],
        household=r_household,
        person_no=person_no,
        residence_at_reference=r_d7[r_order],
        residence_county=r_county[r_order],
        hukou_place=r_d8[r_order],
        hh_area=hh_area,
        hh_origin=hh_origin,
        hh_no=hh_no,
        hh_true=hh_true,
    )


def household_ids(t: ChunkTruth, plan: Plan, r: Records) -> pl.Series:
    """'<15-digit small area>-<3-digit household number>', unique in the census."""
    codes = pl.Series(plan.code[t.rows][r.hh_area]).cast(pl.Utf8)
    nos = pl.Series(r.hh_no).cast(pl.Utf8).str.zfill(3)
    return (
        pl.DataFrame({"c": codes, "n": nos})
        .select(pl.concat_str("c", pl.lit("-"), "n"))
        .to_series()
    )


def persons_frame(t: ChunkTruth, r: Records, hh_ids: pl.Series) -> pl.DataFrame:
    p, hk = t.persons, t.hukou
    i = r.person
    i_s = pl.Series(i)
    resident = r.kind != HUKOU_PLACE
    d8 = r.hukou_place
    d9 = hk.time_away[i]
    asked_d9 = d8 != 5
    asked_d10 = asked_d9 & (d9 >= 2)
    age = p.age[i]
    hukou_county = np.where(resident & (d8 == 4), hk.county[i], 0)
    return pl.DataFrame(
        {
            "household_id": hh_ids.gather(pl.Series(r.household)),
            "person_no": r.person_no,
            "name": t.name.gather(i_s),
            "relationship": _relationship(t, r),
            "citizen_id": t.citizen_id.gather(i_s),
            "sex": p.sex[i],
            "birth_year_month_year": t.year[i],
            "birth_year_month_month": p.month[i],
            "ethnic_group": pl.Series(t.ethnic[i]).cast(pl.Utf8).str.zfill(2),
            "residence_at_reference": r.residence_at_reference,
            "residence_county": _code_or_null(r.residence_county),
            "hukou_place": d8,
            "hukou_county": _code_or_null(hukou_county),
            "time_away_from_hukou": _null_where(d9, ~asked_d9),
            "reason_away": _null_where(hk.reason[i], ~asked_d10),
            "education": _null_where(t.education[i], age < 3),
            "literate": _null_where(t.literate[i], age < 15),
        },
        schema_overrides={"person_no": pl.Int32, "sex": pl.Int8, "birth_year_month_year": pl.Int16},
    )


def _relationship(t: ChunkTruth, r: Records) -> NDArray[np.int8]:
    rel = t.persons.relationship[r.person].copy()
    # A collective resident alone in an origin household is its head.
    origin_single = (r.kind == HUKOU_PLACE) & t.households.collective[t.persons.household[r.person]]
    rel[origin_single] = 0
    # A person counted a second time (chunk.DUPLICATE) is listed as "other" in that household.
    rel[r.kind == DUPLICATE] = 9
    return rel


def _null_where(values: NDArray[np.generic], mask: NDArray[np.bool_]) -> pl.Series:
    s = pl.Series(values)
    return pl.select(pl.when(pl.Series(mask)).then(None).otherwise(s)).to_series()


def _code_or_null(codes: NDArray[np.integer]) -> pl.Series:
    s = pl.Series(codes).cast(pl.Utf8)
    return pl.select(pl.when(pl.Series(codes == 0)).then(None).otherwise(s)).to_series()
