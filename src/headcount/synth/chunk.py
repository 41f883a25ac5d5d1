"""One chunk of the synthetic census: truth → census records (with omissions, duplicates and
injected errors) → every per-chunk table. Seeded by (seed, chunk index) alone."""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import (
    census,
    deaths,
    dwellings,
    hmtf,
    injection,
    long_form,
    registers,
    truth,
    truth_tables,
)
from headcount.synth.census import DUPLICATE, Records
from headcount.synth.config import SynthConfig
from headcount.synth.demography import choose_mask
from headcount.synth.geography import Plan
from headcount.synth.registers import concat_errors


def generate(plan: Plan, chunk: int, seed: int, cfg: SynthConfig) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng([seed, 1, chunk])
    t = truth.build(rng, plan, chunk, cfg)
    r = census.build_records(t, plan)
    d = deaths.generate(rng, t, plan, cfg)
    keys = t.person_keys()
    p = t.persons

    # Omissions (PES: 0.05 %), biased to young adult men and newborns; duplicates of residents.
    w = np.where((p.sex == 1) & (p.age >= 18) & (p.age < 35), 3.0, 1.0) * np.where(
        p.age == 0, 5.0, 1.0
    )
    missed = choose_mask(rng, w, round(p.size * cfg.registers.missed_by_census))
    keep = ~missed[r.person]
    r = _filter(r, keep)
    other_county = cfg.registers.duplicate_placement == "other_county"
    dup_ok = (t.hukou.abroad == 0) & ~missed & (p.age >= 15)
    duplicated = choose_mask(
        rng, dup_ok.astype(np.float64), round(p.size * cfg.registers.census_duplicates)
    )
    r = _add_duplicates(
        rng, t, r, np.flatnonzero(duplicated), plan.county[t.rows] if other_county else None
    )

    households, hh_ids, alive, in_long, d_units = _households(rng, plan, t, r, d, cfg)

    persons = census.persons_frame(t, r, hh_ids)
    persons = _add_long_persons(rng, persons, t, r, plan, in_long)
    record_keys = keys.gather(pl.Series(r.person))
    persons, census_errors = injection.inject(rng, persons, record_keys, cfg.census_errors)

    d_hh_ids, d_hh_nos = _death_households(plan, t, d, hh_ids, r)
    death_keys = _death_keys(chunk, d.size)
    forms = deaths.death_forms(d, d_hh_ids, d_hh_nos)
    # A household nobody reported (all its members missed) reports no deaths either.
    reported = pl.Series(np.where(d.household >= 0, alive[np.maximum(d.household, 0)], True))
    forms = forms.filter(reported.gather(forms["_order"])).drop("_order")
    reg_hukou, e1 = registers.hukou_register(rng, t, cfg, keys)
    reg_births, e2 = registers.births_register(rng, t, cfg, keys)
    reg_deaths, e3 = registers.deaths_register(rng, t, d, cfg, death_keys)
    hm_households, hm_persons = hmtf.generate(rng, plan, t.rows, p.size)
    errors = concat_errors(
        [
            census_errors,
            truth_tables.omission_rows(keys, missed),
            truth_tables.duplicate_rows(r, hh_ids, keys),
            e1,
            e2,
            e3,
        ]
    )
    return {
        "buildings": d_units.buildings,
        "dwelling_units": d_units.units,
        "households": households,
        "persons": persons,
        "death_forms": forms,
        "hmtf_households": hm_households,
        "hmtf_persons": hm_persons,
        "registers_hukou": reg_hukou,
        "registers_births": reg_births,
        "registers_deaths": reg_deaths,
        "truth_persons": truth_tables.truth_persons(t, plan, r, hh_ids, keys, missed, duplicated),
        "truth_deaths": truth_tables.truth_deaths(d, death_keys, d_hh_ids),
        "truth_errors": errors,
    }


def _households(
    rng: np.random.Generator,
    plan: Plan,
    t: truth.ChunkTruth,
    r: Records,
    d: deaths.Deaths,
    cfg: SynthConfig,
) -> tuple[pl.DataFrame, pl.Series, NDArray[np.bool_], NDArray[np.bool_], dwellings.Dwellings]:
    """The households table (H1–H7, long-form H8–H19, 999 households) from the final records;
    also the household ids, which households were reported, the long-form flags and dwellings."""
    p, h = t.persons, t.households
    n_hh = r.hh_area.size
    present = np.bincount(
        r.household, weights=r.residence_at_reference == 1, minlength=n_hh
    ).astype(np.int32)
    members = np.bincount(r.household, minlength=n_hh).astype(np.int32)
    absent = members - present
    alive = members > 0
    hh_ids = census.household_ids(t, plan, r)
    is_coll = np.zeros(n_hh, dtype=np.bool_)
    is_coll[: h.size_count] = h.collective
    # H3: everyone listed in the household who was born in the reference year.
    newborn = p.age[r.person] == 0
    births_m = np.bincount(r.household[newborn & (p.sex[r.person] == 1)], minlength=n_hh)
    births_f = np.bincount(r.household[newborn & (p.sex[r.person] == 2)], minlength=n_hh)
    deaths_m, deaths_f = deaths.counts_by_household(d, n_hh)
    size = h.size[np.minimum(r.hh_true, h.size_count - 1)]
    dwelling = np.where(
        is_coll,
        np.where(rng.random(n_hh) < 0.9, 2, 3),
        rng.choice([1, 3, 4, 5], n_hh, p=[0.975, 0.013, 0.011, 0.001]),
    )
    ordinary = dwelling == 1
    floor_area = np.where(
        ordinary,
        np.round(np.clip(rng.lognormal(np.log(30.0), 0.45, n_hh) * np.sqrt(size) * 1.4, 8, 900), 1),
        np.nan,
    )
    rooms = np.where(
        ordinary, np.clip(np.round(floor_area / 28 + rng.normal(0, 0.7, n_hh)), 1, 20), 0
    )

    eligible = alive & ~r.hh_origin & (present > 0)
    in_long = long_form.sample(rng, eligible, cfg.long_form_rate)
    d_units = dwellings.build(rng, plan, t.rows, r.hh_area, is_coll)
    households = pl.DataFrame(
        {
            "household_id": hh_ids,
            "form": truth_tables.labels(in_long.astype(np.int64) + 1, ("", "short", "long")),
            "household_no": pl.Series(r.hh_no).cast(pl.Utf8).str.zfill(3),
            "small_area_code": pl.Series(plan.code[t.rows][r.hh_area]).cast(pl.Utf8),
            "dwelling_unit_id": d_units.household_unit,
            "household_type": np.where(is_coll, 2, 1).astype(np.int8),
            "persons_present": present,
            "persons_hukou_here_absent": absent,
            "births_male": births_m.astype(np.int32),
            "births_female": births_f.astype(np.int32),
            "deaths_male": deaths_m.astype(np.int32),
            "deaths_female": deaths_f.astype(np.int32),
            "dwelling_type": dwelling.astype(np.int8),
            "floor_area_m2": pl.Series(floor_area).fill_nan(None),
            "rooms": _nullify(rooms.astype(np.int16), ~ordinary),
        }
    )
    households = _add_long_household(rng, households, in_long & ordinary, plan, t, r)
    households = households.with_columns(
        pl.when(pl.Series(alive)).then(pl.col("deaths_male")).otherwise(0),
        pl.when(pl.Series(alive)).then(pl.col("deaths_female")).otherwise(0),
    ).filter(pl.Series(alive))
    households = pl.concat([households, _all_died(plan, t, d)], how="diagonal_relaxed")
    return households, hh_ids, alive, in_long, d_units


def _filter(r: Records, keep: NDArray[np.bool_]) -> Records:
    """Drop records and renumber persons within each household (households keep their number)."""
    household = r.household[keep]
    # Records are sorted by census-household rank, not index: renumber by run starts instead.
    change = np.ones(household.size, dtype=np.bool_)
    change[1:] = household[1:] != household[:-1]
    run_start = np.maximum.accumulate(np.where(change, np.arange(household.size), 0))
    return Records(
        person=r.person[keep],
        kind=r.kind[keep],
        household=household,
        person_no=(np.arange(household.size) - run_start + 1).astype(np.int32),
        residence_at_reference=r.residence_at_reference[keep],
        residence_county=r.residence_county[keep],
        hukou_place=r.hukou_place[keep],
        hh_area=r.hh_area,
        hh_origin=r.hh_origin,
        hh_no=r.hh_no,
        hh_true=r.hh_true,
    )


def _add_duplicates(
    rng: np.random.Generator,
    t: truth.ChunkTruth,
    r: Records,
    who: NDArray[np.int64],
    area_county: NDArray[np.int32] | None = None,
) -> Records:
    """A second residence record of each person in another resident household of the chunk
    (e.g. a student counted in the dormitory and at the parents' home). With ``area_county``
    (the county of each chunk area) the household is always in another county than the
    person's residence (drawn again until it is; kept as drawn when the chunk has one county)."""
    if who.size == 0:
        return r
    n_res = t.households.size_count
    target = rng.integers(0, n_res, who.size)
    own = t.persons.household[who]
    target = np.where(target == own, (target + 1) % n_res, target)
    if area_county is not None:
        county_of = area_county[r.hh_area[:n_res]]
        for _ in range(64):
            same = np.flatnonzero(county_of[target] == county_of[own])
            if same.size == 0:
                break
            target[same] = rng.integers(0, n_res, same.size)
    counts = np.bincount(r.household, minlength=r.hh_area.size)
    extra_no = counts[target] + 1 + _rank_within(target)
    hukou_place = t.hukou.hukou_place[who]
    out = Records(
        person=np.concatenate([r.person, who]),
        kind=np.concatenate([r.kind, np.full(who.size, DUPLICATE, np.int8)]),
        household=np.concatenate([r.household, target]),
        person_no=np.concatenate([r.person_no, extra_no.astype(np.int32)]),
        residence_at_reference=np.concatenate(
            [r.residence_at_reference, np.ones(who.size, np.int8)]
        ),
        residence_county=np.concatenate([r.residence_county, np.zeros(who.size, np.int32)]),
        hukou_place=np.concatenate([r.hukou_place, hukou_place]),
        hh_area=r.hh_area,
        hh_origin=r.hh_origin,
        hh_no=r.hh_no,
        hh_true=r.hh_true,
    )
    order = np.lexsort((out.person_no, out.hh_no[out.household], out.hh_area[out.household]))
    for name in (
        "person",
        "kind",
        "household",
        "person_no",
        "residence_at_reference",
        "residence_county",
        "hukou_place",
    ):
        setattr(out, name, getattr(out, name)[order])
    return out


def _rank_within(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """0, 1, 2… among equal values, in order of appearance."""
    order = np.argsort(values, kind="stable")
    sorted_v = values[order]
    rank_sorted = np.arange(values.size) - np.searchsorted(sorted_v, sorted_v, side="left")
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank


def _nullify(values: NDArray[np.generic], mask: NDArray[np.bool_]) -> pl.Series:
    s = pl.Series(values)
    return pl.select(pl.when(pl.Series(mask)).then(None).otherwise(s)).to_series()


def _add_long_household(
    rng: np.random.Generator,
    households: pl.DataFrame,
    mask: NDArray[np.bool_],
    plan: Plan,
    t: truth.ChunkTruth,
    r: Records,
) -> pl.DataFrame:
    """H8–H19 for sampled ordinary dwellings; null elsewhere."""
    idx = np.flatnonzero(mask)
    urban = plan.urban[t.rows][r.hh_area[idx]]
    storeys = np.where(
        urban, rng.choice([3, 6, 11, 18, 26, 34], idx.size), rng.integers(1, 4, idx.size)
    ).astype(np.int16)
    items = long_form.household_items(rng, idx.size, storeys, urban)
    columns = []
    for key, values in items.items():
        full = np.zeros(mask.size, dtype=np.int8)
        full[idx] = values
        columns.append(_nullify(full, full == 0).alias(key))
    return households.with_columns(columns)


def _add_long_persons(
    rng: np.random.Generator,
    persons: pl.DataFrame,
    t: truth.ChunkTruth,
    r: Records,
    plan: Plan,
    in_long: NDArray[np.bool_],
) -> pl.DataFrame:
    rows = np.flatnonzero(in_long[r.household])
    urban = plan.urban[t.rows][r.hh_area[r.household[rows]]]
    res_county = plan.county[t.rows][t.area[r.person[rows]]]
    items = long_form.person_items(rng, t, r, rows, urban, res_county)
    worked = items.pop("_worked")
    columns = []
    for key, values in items.items():
        full = np.full(r.size, -1, dtype=np.int16)
        full[rows] = values
        # Counts may be 0 (asked, none); codes use 0 for "not asked".
        not_asked = full < 0 if key.startswith(("children_", "births_")) else full <= 0
        columns.append(_nullify(full, not_asked).alias(key))
    industry, occupation = long_form.text_items(rng, worked)
    full_ind = pl.Series("industry", [None] * r.size, dtype=pl.Utf8).scatter(rows, industry)
    full_occ = pl.Series("occupation", [None] * r.size, dtype=pl.Utf8).scatter(rows, occupation)
    return persons.with_columns([*columns, full_ind, full_occ])


def _all_died(plan: Plan, t: truth.ChunkTruth, d: deaths.Deaths) -> pl.DataFrame:
    """Households numbered 999: only H4 is filled."""
    areas = d.all_died_areas
    if areas.size == 0:
        return pl.DataFrame()
    code = pl.Series(plan.code[t.rows][areas]).cast(pl.Utf8)
    own = d.household < 0
    slot = -1 - d.household[own]
    male = np.bincount(slot[d.sex[own] == 1], minlength=areas.size)
    female = np.bincount(slot[d.sex[own] == 2], minlength=areas.size)
    return pl.DataFrame(
        {
            "household_id": pl.DataFrame({"c": code})
            .select(pl.concat_str("c", pl.lit("-999")))
            .to_series(),
            "form": ["short"] * areas.size,
            "household_no": ["999"] * areas.size,
            "small_area_code": code,
            "deaths_male": male.astype(np.int32),
            "deaths_female": female.astype(np.int32),
        }
    )


def _death_households(
    plan: Plan, t: truth.ChunkTruth, d: deaths.Deaths, hh_ids: pl.Series, r: Records
) -> tuple[pl.Series, pl.Series]:
    own = d.household >= 0
    safe = np.where(own, d.household, 0)
    ids = hh_ids.gather(pl.Series(safe))
    nos = pl.Series(r.hh_no[safe]).cast(pl.Utf8).str.zfill(3)
    code = pl.Series(plan.code[t.rows][d.area]).cast(pl.Utf8)
    died_id = pl.DataFrame({"c": code}).select(pl.concat_str("c", pl.lit("-999"))).to_series()
    mask = pl.Series(own)
    ids = pl.select(pl.when(mask).then(ids).otherwise(died_id)).to_series()
    nos = pl.select(pl.when(mask).then(nos).otherwise(pl.lit("999"))).to_series()
    return ids, nos


def _death_keys(chunk: int, n: int) -> pl.Series:
    idx = pl.Series("i", np.arange(n, dtype=np.int64)).cast(pl.Utf8).str.zfill(9)
    return pl.DataFrame([idx]).select(pl.concat_str(pl.lit(f"D{chunk:05d}-"), "i")).to_series()
