"""The true population of one chunk: persons in households in small areas.

Per province of the chunk: an exact age–sex pool, 8.43 % of it placed in collective households, the
rest assembled into family households of mean size 2.62; households are shuffled and laid into the
province's small areas in order until each area holds its planned persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from headcount.synth import targets
from headcount.synth.demography import ages_and_sexes, choose_mask
from headcount.synth.geography import Plan
from headcount.synth.households import ROSTER_RANK, assemble_families, collective_sizes

_COLLECTIVE_W = np.interp(
    np.arange(101),
    [0, 14, 16, 19, 24, 35, 50, 65, 80, 90, 100],
    [0.02, 0.05, 4, 12, 8, 2, 1, 0.6, 1.5, 4, 4],
)


@dataclass(slots=True)
class TruePersons:
    """Person-level arrays of the chunk, sorted by household and roster order."""

    age: NDArray[np.int16]
    month: NDArray[np.int8]
    sex: NDArray[np.int8]
    household: NDArray[np.int64]  # index into TrueHouseholds
    relationship: NDArray[np.int8]
    person_no: NDArray[np.int32]  # 1-based roster position

    @property
    def size(self) -> int:
        return int(self.age.size)


@dataclass(slots=True)
class TrueHouseholds:
    area: NDArray[np.int64]  # index into the chunk's small areas
    collective: NDArray[np.bool_]
    size: NDArray[np.int32]
    first: NDArray[np.int64]  # index of the first person

    @property
    def size_count(self) -> int:
        return int(self.area.size)


def collective_share() -> float:
    nat = targets.national()
    return nat["persons_in_collective_households"] / nat["population_total"]


def generate(
    rng: np.random.Generator, plan: Plan, rows: NDArray[np.int64]
) -> tuple[TruePersons, TrueHouseholds]:
    prov_targets = targets.provinces()
    mean_size = targets.national()["avg_family_household_size"]
    share = collective_share()
    ages, months, sexes, hh_of, rels = [], [], [], [], []
    h_area, h_coll, h_size = [], [], []
    offset = 0
    for prov in np.unique(plan.province[rows]):
        local = np.flatnonzero(plan.province[rows] == prov)  # chunk-area indices
        # Urban areas first: households straddle at most one urban/rural boundary per province,
        # so the urban share stays as exact as the plan's.
        local = local[np.argsort(~plan.urban[rows[local]], kind="stable")]
        n = int(plan.persons[rows[local]].sum())
        t = prov_targets[f"{int(prov):02d}"]
        age, month, sex = ages_and_sexes(rng, t, n)
        coll = choose_mask(rng, _COLLECTIVE_W[age], round(n * share))
        fam_idx, coll_idx = np.flatnonzero(~coll), rng.permutation(np.flatnonzero(coll))
        f_hh, f_rel, n_fam = assemble_families(rng, age[fam_idx], sex[fam_idx], mean_size)
        sizes_c = collective_sizes(rng, coll_idx.size)
        c_hh = np.repeat(np.arange(sizes_c.size), sizes_c) + n_fam
        hh_local = np.empty(n, dtype=np.int64)
        rel = np.empty(n, dtype=np.int8)
        hh_local[fam_idx], rel[fam_idx] = f_hh, f_rel
        hh_local[coll_idx], rel[coll_idx] = c_hh, 9
        n_hh = n_fam + sizes_c.size
        size = np.bincount(hh_local, minlength=n_hh)
        # Lay shuffled households into the province's areas by cumulative persons.
        order = rng.permutation(n_hh)
        # A household goes to the area holding its midpoint (unbiased at each area boundary).
        mid = np.cumsum(size[order]) - size[order] / 2
        bounds = np.cumsum(plan.persons[rows[local]])
        area_of_sorted = local[
            np.minimum(np.searchsorted(bounds, mid, side="right"), local.size - 1)
        ]
        area = np.empty(n_hh, dtype=np.int64)
        area[order] = area_of_sorted
        # Household ids in area order: renumber by (area, shuffled position).
        position = np.empty(n_hh, dtype=np.int64)
        position[order] = np.arange(n_hh)
        renumber = np.lexsort((position, area))
        new_id = np.empty(n_hh, dtype=np.int64)
        new_id[renumber] = np.arange(n_hh)
        ages.append(age)
        months.append(month)
        sexes.append(sex)
        hh_of.append(new_id[hh_local] + offset)
        rels.append(rel)
        h_area.append(area[renumber])
        h_coll.append(np.arange(n_hh)[renumber] >= n_fam)
        h_size.append(size[renumber])
        offset += n_hh
    age = np.concatenate(ages)
    month = np.concatenate(months)
    sex = np.concatenate(sexes)
    household = np.concatenate(hh_of)
    relationship = np.concatenate(rels)
    # Households sorted by area across provinces, persons by household then roster order.
    h_area_all = np.concatenate(h_area)
    h_order = np.argsort(h_area_all, kind="stable")
    h_rank = np.empty_like(h_order)
    h_rank[h_order] = np.arange(h_order.size)
    household = h_rank[household]
    p_order = np.lexsort((-age, ROSTER_RANK[relationship], household))
    household = household[p_order]
    sizes = np.concatenate(h_size)[h_order].astype(np.int32)
    first = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    person_no = (np.arange(household.size) - first[household] + 1).astype(np.int32)
    persons = TruePersons(
        age=age[p_order],
        month=month[p_order],
        sex=sex[p_order],
        household=household,
        relationship=relationship[p_order],
        person_no=person_no,
    )
    households = TrueHouseholds(
        area=h_area_all[h_order],
        collective=np.concatenate(h_coll)[h_order],
        size=sizes,
        first=first,
    )
    return persons, households
