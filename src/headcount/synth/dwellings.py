"""Buildings and dwelling units of each small area, and the unit each household lives in.

Urban areas have apartment buildings (6–60 units, one size per area), rural areas houses of one
unit; about 8 % of ordinary units are empty (摸底 finds them too); each collective household has a
building of its own. Addresses are synthetic: a road from a fixed list and numbers, or a village
group and number, under the real names of the province, county and township.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.identity import divisions
from headcount.synth.geography import Plan

ROADS = (
    "人民路", "解放路", "建设路", "和平路", "中山路", "新华路", "胜利路", "文化路",
    "长江路", "黄河路", "幸福街", "光明街", "朝阳路", "团结路", "工业路", "学府路",
    "青年路", "东风路", "振兴路", "滨河路", "花园街", "育才路", "迎宾大道", "健康路",
)  # fmt: skip
BUILDING_SIZES = np.array([6, 12, 18, 24, 36, 48, 60])
VACANCY = 0.08
APARTMENT, HOUSE, COLLECTIVE_QUARTERS = 1, 2, 3


@dataclass(slots=True)
class Dwellings:
    buildings: pl.DataFrame
    units: pl.DataFrame
    household_unit: pl.Series  # dwelling_unit_id per census household


def build(
    rng: np.random.Generator,
    plan: Plan,
    rows: NDArray[np.int64],
    hh_area: NDArray[np.int64],
    hh_collective: NDArray[np.bool_],
) -> Dwellings:
    m = rows.size
    urban = plan.urban[rows]
    per_building = np.where(urban, rng.choice(BUILDING_SIZES, size=m), 1).astype(np.int64)
    per_building = np.where(~urban & (rng.random(m) < 0.15), 2, per_building)
    road = rng.integers(0, len(ROADS), m)
    order = np.lexsort((np.arange(hh_area.size), hh_collective, hh_area))
    a_sorted, c_sorted = hh_area[order], hh_collective[order]
    # Rank of each household among its area's ordinary (or collective) households.
    key = a_sorted * 2 + c_sorted
    rank = np.arange(order.size) - np.searchsorted(key, key, side="left")
    ordinary = np.bincount(hh_area[~hh_collective], minlength=m)
    collective = np.bincount(hh_area[hh_collective], minlength=m)
    unit_of = rank + np.floor(rank * VACANCY).astype(np.int64)
    units_needed = ordinary + np.floor(ordinary * VACANCY).astype(np.int64) + 1
    res_buildings = -(-units_needed // per_building)
    building_idx = np.where(
        c_sorted, res_buildings[a_sorted] + rank, unit_of // per_building[a_sorted]
    )
    unit_no = np.where(c_sorted, 0, unit_of % per_building[a_sorted])

    # Buildings: residential ones then one per collective household, per area.
    n_b = res_buildings + collective
    b_area = np.repeat(np.arange(m), n_b)
    b_idx = np.arange(b_area.size) - np.repeat(np.cumsum(n_b) - n_b, n_b)
    b_coll = b_idx >= res_buildings[b_area]
    b_type = np.where(b_coll, COLLECTIVE_QUARTERS, np.where(urban[b_area], APARTMENT, HOUSE))
    storeys = np.where(
        b_type == APARTMENT,
        np.maximum(2, per_building[b_area] // 2),
        rng.integers(1, 4, b_area.size),
    )
    area_code = pl.Series(plan.code[rows]).cast(pl.Utf8)
    b_ids = _ids(area_code.gather(pl.Series(b_area)), "-B", b_idx + 1, 4)
    prefix = _area_prefix(plan, rows)
    b_address = _building_address(prefix, b_area, b_idx, road, urban, rng)
    units_per = np.where(b_coll, 1, per_building[b_area])
    buildings = pl.DataFrame(
        {
            "building_id": b_ids,
            "small_area_code": area_code.gather(pl.Series(b_area)),
            "building_no": (b_idx + 1).astype(np.int32),
            "building_type": b_type.astype(np.int8),
            "storeys": storeys.astype(np.int16),
            "dwelling_units": units_per.astype(np.int32),
            "address": b_address,
        }
    )
    # Units: every unit of every building (occupied or not).
    u_building = np.repeat(np.arange(b_area.size), units_per)
    u_no = np.arange(u_building.size) - np.repeat(np.cumsum(units_per) - units_per, units_per)
    u_ids = _ids(
        b_ids.gather(pl.Series(u_building)),
        "-",
        _unit_label(u_no, per_building[b_area][u_building]),
        4,
    )
    first_building = np.cumsum(n_b) - n_b
    hh_building = first_building[a_sorted] + building_idx
    hh_unit_global = np.repeat(np.cumsum(units_per) - units_per, 1)[hh_building] + unit_no
    occupied = np.zeros(u_building.size, dtype=np.bool_)
    occupied[hh_unit_global] = True
    units = pl.DataFrame(
        {
            "dwelling_unit_id": u_ids,
            "building_id": b_ids.gather(pl.Series(u_building)),
            "small_area_code": area_code.gather(pl.Series(b_area[u_building])),
            "unit_no": _unit_label(u_no, per_building[b_area][u_building]),
            "occupied": occupied,
        }
    )
    household_unit = np.empty(order.size, dtype=np.int64)
    household_unit[order] = hh_unit_global
    return Dwellings(buildings, units, u_ids.gather(pl.Series(household_unit)))


def _unit_label(u_no: NDArray[np.int64], per_building: NDArray[np.int64]) -> NDArray[np.int64]:
    """Room numbers as on a door: floor × 100 + door (two doors a floor) in apartments, else 1…"""
    flat = (u_no // 2 + 1) * 100 + u_no % 2 + 1
    return np.where(per_building > 2, flat, u_no + 1)


def _ids(prefix: pl.Series, sep: str, number: NDArray[np.int64], width: int) -> pl.Series:
    num = pl.Series(number).cast(pl.Utf8).str.zfill(width)
    return (
        pl.DataFrame({"p": prefix, "n": num})
        .select(pl.concat_str("p", pl.lit(sep), "n"))
        .to_series()
    )


def _area_prefix(plan: Plan, rows: NDArray[np.int64]) -> list[str]:
    table = divisions()
    names: dict[int, str] = {}
    out = []
    for town in plan.township[rows]:
        key = int(town)
        if key not in names:
            names[key] = (table.region_name(f"{key:09d}") or "").replace(" ", "")
        out.append(names[key])
    return out


def _building_address(
    prefix: list[str],
    b_area: NDArray[np.int64],
    b_idx: NDArray[np.int64],
    road: NDArray[np.int64],
    urban: NDArray[np.bool_],
    rng: np.random.Generator,
) -> pl.Series:
    frame = pl.DataFrame(
        {
            "prefix": pl.Series(prefix).gather(pl.Series(b_area)),
            "road": pl.Series(ROADS).gather(pl.Series(road[b_area])),
            "no": (b_idx + 1).astype(np.int64),
            "group": (b_idx // 40 + 1).astype(np.int64),
            "urban": urban[b_area],
        }
    )
    return frame.select(
        pl.when(pl.col("urban"))
        .then(pl.format("{}{}{}号", "prefix", "road", "no"))
        .otherwise(pl.format("{}{}组{}号", "prefix", "group", "no"))
    ).to_series()
