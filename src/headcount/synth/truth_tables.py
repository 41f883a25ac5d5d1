"""The ground-truth tables of a chunk: every true person (and death) with the census records
that represent them, and the census-side omissions and duplicates as truth_errors rows."""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import census, deaths, truth
from headcount.synth.census import DUPLICATE, RESIDENT, Records
from headcount.synth.geography import Plan
from headcount.synth.registers import ERROR_SCHEMA

_MOVE_NAMES = ("", "within_city", "intraprovincial", "interprovincial")
_NO_ID_NAMES = ("", "unregistered_newborn", "hukou_pending")


def omission_rows(keys: pl.Series, missed: NDArray[np.bool_]) -> pl.DataFrame:
    idx = pl.Series(np.flatnonzero(missed))
    k = len(idx)
    return pl.DataFrame(
        {
            "error_type": ["missed_by_census"] * k,
            "table": ["persons"] * k,
            "record_id": [None] * k,
            "household_id": [None] * k,
            "person_no": [None] * k,
            "column": [None] * k,
            "true_value": [None] * k,
            "recorded_value": [None] * k,
            "person_key": keys.gather(idx),
        },
        schema=ERROR_SCHEMA,
    )


def duplicate_rows(r: Records, hh_ids: pl.Series, keys: pl.Series) -> pl.DataFrame:
    idx = np.flatnonzero(r.kind == DUPLICATE)
    k = idx.size
    return pl.DataFrame(
        {
            "error_type": ["census_duplicate"] * k,
            "table": ["persons"] * k,
            "record_id": [None] * k,
            "household_id": hh_ids.gather(pl.Series(r.household[idx])),
            "person_no": r.person_no[idx],
            "column": [None] * k,
            "true_value": [None] * k,
            "recorded_value": [None] * k,
            "person_key": keys.gather(pl.Series(r.person[idx])),
        },
        schema=ERROR_SCHEMA,
    )


def truth_persons(
    t: truth.ChunkTruth,
    plan: Plan,
    r: Records,
    hh_ids: pl.Series,
    keys: pl.Series,
    missed: NDArray[np.bool_],
    duplicated: NDArray[np.bool_],
) -> pl.DataFrame:
    p, hk = t.persons, t.hukou
    n = p.size
    res_rec = np.full(n, -1, dtype=np.int64)
    huk_rec = np.full(n, -1, dtype=np.int64)
    sel = r.kind == RESIDENT
    res_rec[r.person[sel]] = np.flatnonzero(sel)
    sel = r.kind == census.HUKOU_PLACE
    huk_rec[r.person[sel]] = np.flatnonzero(sel)

    def ref(rec: NDArray[np.int64]) -> tuple[pl.Series, pl.Series]:
        ok = pl.Series(rec >= 0)
        safe = np.maximum(rec, 0)
        hid = (
            hh_ids.gather(pl.Series(r.household[safe]))
            if r.size
            else pl.Series([None] * n, dtype=pl.Utf8)
        )
        no = pl.Series(r.person_no[safe]) if r.size else pl.Series([None] * n, dtype=pl.Int32)
        return pl.select(pl.when(ok).then(hid)).to_series(), pl.select(
            pl.when(ok).then(no)
        ).to_series()

    res_hid, res_no = ref(res_rec)
    huk_hid, huk_no = ref(huk_rec)
    area_codes = plan.code[t.rows]
    res_area = t.area
    dist, pref = plan.district[t.rows], plan.prefecture[t.rows]
    in_scope = hk.area >= 0
    h_area = np.where(in_scope, hk.area, 0)
    within = (
        hk.separated & in_scope & dist[res_area] & dist[h_area] & (pref[res_area] == pref[h_area])
    )
    inter = hk.separated & (hk.county // 10000 != plan.county[t.rows][res_area] // 10000)
    move = np.where(hk.separated, np.where(within, 1, np.where(inter, 3, 2)), 0)
    no_id_code = np.where(hk.hukou_place == 5, np.where(p.age == 0, 1, 2), 0)
    return pl.DataFrame(
        {
            "person_key": keys,
            "name": t.name,
            "citizen_id": t.citizen_id,
            "no_id_reason": labels(no_id_code, _NO_ID_NAMES),
            "sex": p.sex,
            "birth_year": t.year,
            "birth_month": p.month,
            "birth_day": t.day,
            "age": p.age,
            "ethnic_group": pl.Series(t.ethnic).cast(pl.Utf8).str.zfill(2),
            "education": t.education,
            "residence_small_area_code": pl.Series(area_codes[res_area]).cast(pl.Utf8),
            "urban": plan.urban[t.rows][res_area],
            "collective": t.households.collective[p.household],
            "residence_household_id": res_hid,
            "residence_person_no": res_no,
            "hukou_county": pl.Series(hk.county).cast(pl.Utf8),
            "hukou_township": pl.Series(hk.township).cast(pl.Utf8).str.zfill(9),
            "hukou_small_area_code": pl.select(
                pl.when(pl.Series(in_scope)).then(pl.Series(area_codes[h_area]).cast(pl.Utf8))
            ).to_series(),
            "hukou_household_id": huk_hid,
            "hukou_person_no": huk_no,
            "separated": hk.separated,
            "move_class": labels(move, _MOVE_NAMES),
            "abroad": hk.abroad > 0,
            "missed_by_census": missed,
            "duplicated_in_census": duplicated,
        }
    )


def truth_deaths(d: deaths.Deaths, keys: pl.Series, hh_ids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "death_key": keys,
            "household_id": hh_ids,
            "name": d.name,
            "citizen_id": d.citizen_id,
            "sex": d.sex,
            "birth_year": d.birth_year,
            "birth_month": d.birth_month,
            "death_year": d.death_year,
            "death_month": d.death_month,
            "age_at_death": d.age_at_death,
        }
    )


def labels(codes: NDArray[np.integer], names: tuple[str, ...]) -> pl.Series:
    """Text labels for small integer codes; code 0 (or an empty name) is null."""
    table = pl.Series([n or None for n in names], dtype=pl.Utf8)
    return table.gather(pl.Series(codes.astype(np.int64)))
