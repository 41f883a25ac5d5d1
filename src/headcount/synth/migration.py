"""Where each true person's hukou is: at home, pending, or elsewhere (人户分离), and D7–D10.

Exactly 34.90 % of persons are separated (hukou in another township, away at least six months):
collective residents mostly, then whole family households chosen with a preference for urban areas
and heads of working age, until the share is reached. Each separated unit gets a hukou small area
*inside the chunk* (chunks span the country, see geography.Plan.chunk_rows) with the published mix
of within-city, intraprovincial and interprovincial moves; where no such area exists (a run limited
to some provinces) the hukou lies in a county that is not enumerated and has no hukou-place record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import targets
from headcount.synth.config import SynthConfig
from headcount.synth.geography import Plan, township_table
from headcount.synth.population import TrueHouseholds, TruePersons

# Minimum years away for D9 codes 3..9 and the distribution of D9 among separated units.
_D9_CODES = np.arange(3, 10, dtype=np.int8)
_D9_P = np.array([0.08, 0.12, 0.10, 0.09, 0.08, 0.25, 0.28])
_MOVE_CLASSES = ("within_city", "intraprovincial", "interprovincial")


@dataclass(slots=True)
class Hukou:
    """Per true person: hukou place and the D7–D10 answers on the residence (or home) record."""

    area: NDArray[np.int64]  # chunk-area index of the hukou place; -1 when not enumerated
    county: NDArray[np.int32]
    township: NDArray[np.int64]
    separated: NDArray[np.bool_]
    abroad: NDArray[np.int8]  # 0 no, 6 HK/Macau/Taiwan, 7 abroad (D7 of their only record)
    hukou_place: NDArray[np.int8]  # D8 on the residence record
    time_away: NDArray[np.int8]  # D9, 0 = not asked
    reason: NDArray[np.int8]  # D10, -1 = not asked


def separated_share() -> float:
    nat = targets.national()
    return nat["hukou_separated"] / nat["population_total"]


def move_mix() -> NDArray[np.float64]:
    nat = targets.national()
    sep = nat["hukou_separated"]
    within = nat["hukou_separated_within_city"] / sep
    inter = nat["floating_interprovincial"] / sep
    return np.array([within, 1.0 - within - inter, inter])


def assign(
    rng: np.random.Generator,
    plan: Plan,
    rows: NDArray[np.int64],
    persons: TruePersons,
    households: TrueHouseholds,
    cfg: SynthConfig,
) -> Hukou:
    n = persons.size
    area = households.area[persons.household]
    coll = households.collective[persons.household]
    a_town = plan.township[rows]
    # Collective residents of working or study age are mostly away from their hukou; a child in
    # a collective household is not a one-person hukou household of its own.
    separated = coll & (persons.age >= 16) & (rng.random(n) < 0.8)
    remaining = round(n * separated_share()) - int(separated.sum())
    fam = np.flatnonzero(~households.collective)
    head_age = persons.age[households.first[fam]]
    weight = np.where(plan.urban[rows][households.area[fam]], 4.0, 1.0)
    weight *= np.where((head_age >= 20) & (head_age < 50), 2.0, 1.0)
    order = fam[np.argsort(-(np.log(weight) + rng.gumbel(size=fam.size)), kind="stable")]
    size = households.size[order].astype(np.int64)
    start = np.cumsum(size) - size
    chosen = order[start + size / 2 < remaining]
    sep_h = np.zeros(households.size_count, dtype=np.bool_)
    sep_h[chosen] = True
    separated |= sep_h[persons.household] & ~coll

    # Units move together: a family household, or one collective resident.
    unit = np.where(coll, households.size_count + np.arange(n), persons.household)
    units, unit_of = np.unique(unit[separated], return_inverse=True)
    first_member = np.flatnonzero(separated)[np.unique(unit_of, return_index=True)[1]]
    move = rng.choice(3, size=units.size, p=move_mix())
    dest = _destinations(rng, plan, rows, area[first_member], move)
    within_target = round(n * move_mix()[0] * separated_share())
    dest = _top_up_within_city(
        rng, plan, rows, area[first_member], dest, np.bincount(unit_of), within_target
    )
    d9_unit = rng.choice(_D9_CODES, size=units.size, p=_D9_P)

    hukou_area = area.copy()
    hukou_area[separated] = dest[unit_of]
    county = plan.county[rows][area].copy()
    township = a_town[area].copy()
    in_scope = hukou_area >= 0
    county[in_scope] = plan.county[rows][hukou_area[in_scope]]
    township[in_scope] = a_town[hukou_area[in_scope]]
    out = separated & ~in_scope
    county[out], township[out] = _outside_hukou(rng, plan, int(out.sum()))

    hukou_place = np.ones(n, dtype=np.int8)
    time_away = np.ones(n, dtype=np.int8)
    reason = np.full(n, -1, dtype=np.int8)
    same_county = county == plan.county[rows][area]
    hukou_place[separated] = np.where(same_county[separated], 3, 4)
    time_away[separated] = np.minimum(d9_unit[unit_of], _max_d9(persons.age[separated]))
    # Non-separated: some moved within their township (D8 = 2), a few have no hukou yet (D8 = 5).
    local = ~separated & (rng.random(n) < 0.04)
    hukou_place[local] = 2
    time_away[local] = np.minimum(
        rng.choice(_D9_CODES, size=int(local.sum())), _max_d9(persons.age[local])
    )
    pending = ~separated & ~local & _pending(rng, persons, cfg)
    hukou_place[pending] = 5
    time_away[pending] = 0
    away = time_away >= 2
    reason[away] = _reasons(rng, persons.age[away], coll[away], persons.sex[away])

    abroad = np.zeros(n, dtype=np.int8)
    candidates = ~separated & ~pending & ~local & ~coll & (persons.relationship == 2)
    candidates &= (persons.age >= 18) & (persons.age <= 40)
    k = min(int(candidates.sum()), round(n * cfg.abroad_rate))
    gone = np.flatnonzero(candidates)[rng.permutation(int(candidates.sum()))[:k]]
    abroad[gone] = np.where(rng.random(k) < 0.1, 6, 7)
    time_away[gone] = rng.choice(_D9_CODES, size=k)
    reason[gone] = np.where(rng.random(k) < 0.6, 0, 1)
    return Hukou(
        area=np.where(separated, hukou_area, area),
        county=county,
        township=township,
        separated=separated,
        abroad=abroad,
        hukou_place=hukou_place,
        time_away=time_away,
        reason=reason,
    )


def _max_d9(age: NDArray[np.int16]) -> NDArray[np.int8]:
    """The longest D9 code an age allows (a two-year-old cannot have left ten years ago)."""
    return np.select(
        [age < 1, age < 2, age < 3, age < 4, age < 5, age < 10], [3, 4, 5, 6, 7, 8], 9
    ).astype(np.int8)


def _pending(rng: np.random.Generator, persons: TruePersons, cfg: SynthConfig) -> NDArray[np.bool_]:
    """Hukou pending: a few adults (cfg.no_id_rate) and some newborns not yet registered."""
    u = rng.random(persons.size)
    return np.where(persons.age == 0, u < 0.04, u < cfg.no_id_rate)


def _reasons(
    rng: np.random.Generator, age: NDArray[np.int16], coll: NDArray[np.bool_], sex: NDArray[np.int8]
) -> NDArray[np.int8]:
    out = np.empty(age.size, dtype=np.int8)
    groups = [
        (age < 15, [2, 3, 9], [0.85, 0.12, 0.03]),
        (coll & (age >= 15) & (age < 23), [1, 0], [0.6, 0.4]),
        (
            (age >= 15) & (age < 60) & ~(coll & (age < 23)),
            [0, 3, 2, 5, 1, 4, 7, 9],
            [0.50, 0.22, 0.10, 0.06, 0.04, 0.03, 0.03, 0.02],
        ),
        (age >= 60, [6, 8, 3, 2, 9], [0.25, 0.20, 0.25, 0.20, 0.10]),
    ]
    for mask, codes, p in groups:
        out[mask] = rng.choice(np.array(codes, dtype=np.int8), size=int(mask.sum()), p=p)
    # Marriage moves are mostly women's.
    out[(out == 5) & (sex == 1) & (rng.random(age.size) < 0.7)] = 0
    return out


def _destinations(
    rng: np.random.Generator,
    plan: Plan,
    rows: NDArray[np.int64],
    origin: NDArray[np.int64],
    move: NDArray[np.int64],
    strict: bool = False,
) -> NDArray[np.int64]:
    """A hukou area for each moving unit, by move class; -1 when none exists in the chunk.
    Unless ``strict``, a unit whose class has no area falls back to a broader one."""
    prov, pref = plan.province[rows], plan.prefecture[rows]
    town, district = plan.township[rows], plan.district[rows]
    m = rows.size
    dest = np.full(origin.size, -1, dtype=np.int64)
    o_prov, o_pref, o_town = prov[origin], pref[origin], town[origin]
    # A within-city move needs an origin district; otherwise it is intraprovincial.
    move = np.where((move == 0) & ~district[origin], 1, move)
    lo_prov = np.searchsorted(prov, o_prov, side="left")
    hi_prov = np.searchsorted(prov, o_prov, side="right")
    lo_pref = np.searchsorted(pref, o_pref, side="left")
    hi_pref = np.searchsorted(pref, o_pref, side="right")
    for attempt in range(16):
        todo = np.flatnonzero(dest < 0)
        if todo.size == 0:
            break
        mv = move[todo]
        lo = np.where(mv == 0, lo_pref[todo], np.where(mv == 1, lo_prov[todo], 0))
        hi = np.where(mv == 0, hi_pref[todo], np.where(mv == 1, hi_prov[todo], m))
        cand = lo + (rng.random(todo.size) * (hi - lo)).astype(np.int64)
        cand = np.minimum(cand, m - 1)
        ok = town[cand] != o_town[todo]
        both_city = district[cand] & district[origin[todo]] & (pref[cand] == o_pref[todo])
        ok &= np.select(
            [mv == 0, mv == 1],
            [both_city, (prov[cand] == o_prov[todo]) & ~both_city],
            prov[cand] != o_prov[todo],
        )
        dest[todo[ok]] = cand[ok]
        if attempt == 7 and not strict:  # no district of the same city: move within the province
            move[todo[~ok & (mv == 0)]] = 1
    # Fall back to any other township in the chunk; the move class then follows the geography.
    # An interprovincial move with no other province in the run keeps its hukou outside (-1).
    for _ in range(0 if strict else 6):
        todo = np.flatnonzero((dest < 0) & (move != 2))
        if todo.size == 0 or m < 2:
            break
        cand = rng.integers(0, m, todo.size)
        ok = town[cand] != o_town[todo]
        dest[todo[ok]] = cand[ok]
    return dest


def _top_up_within_city(
    rng: np.random.Generator,
    plan: Plan,
    rows: NDArray[np.int64],
    origin: NDArray[np.int64],
    dest: NDArray[np.int64],
    size: NDArray[np.int64],
    target: int,
) -> NDArray[np.int64]:
    """Within-city moves need a district of the same city in the chunk and often find none;
    re-home other intraprovincial units from districts where one exists until the within-city
    persons reach the target (the published split is kept as far as the chunk allows)."""
    district, pref = plan.district[rows], plan.prefecture[rows]
    safe = np.maximum(dest, 0)
    within = (dest >= 0) & district[origin] & district[safe] & (pref[origin] == pref[safe])
    deficit = target - int(size[within].sum())
    if deficit <= 0:
        return dest
    # Only intraprovincial units change class, so the interprovincial share is kept.
    prov = plan.province[rows]
    same_province = (dest >= 0) & (prov[safe] == prov[origin])
    cands = rng.permutation(np.flatnonzero(~within & district[origin] & same_province))
    found = _destinations(rng, plan, rows, origin[cands], np.zeros(cands.size, np.int64), True)
    ok = found >= 0
    cands, found = cands[ok], found[ok]
    start = np.cumsum(size[cands]) - size[cands]
    take = start < deficit
    out = dest.copy()
    out[cands[take]] = found[take]
    return out


def _outside_hukou(
    rng: np.random.Generator, plan: Plan, k: int
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Real counties and townships of provinces that this run does not enumerate."""
    table = township_table()
    enumerated = {f"{int(p):02d}" for p in np.unique(plan.province)}
    pool = table.filter(~table["province"].is_in(list(enumerated)))
    if pool.height == 0:
        pool = table
    towns = pool["township"].cast(pl.Int64).to_numpy()
    pick = towns[rng.integers(0, towns.size, k)]
    return (pick // 1000).astype(np.int32), pick.astype(np.int64)
