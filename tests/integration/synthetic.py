"""A small synthetic population in the synth data contract's directory layout, with canaries.

Every name and ID number here is invented. Canary names are deliberately odd strings that cannot
occur by chance in a database file, a dump, a backup or a log; canary IDs are valid GB 11643
numbers (so they also get blind indexes).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from headcount.identity.citizen_id import check_char

COUNTY = "110105"  # 朝阳区, Beijing
OTHER_COUNTY = "310104"  # 徐汇区, Shanghai
SURNAMES = "王李张刘陈杨黄赵吴周"
CANARY_NAMES = tuple(f"金丝雀{c}测试{n}" for n, c in enumerate("甲乙丙丁戊己庚辛", start=1))
CANARY_IDS = tuple(
    f"{COUNTY}1980{m:02d}15{seq:03d}" + check_char(f"{COUNTY}1980{m:02d}15{seq:03d}")
    for m, seq in zip(range(1, 9), range(101, 109), strict=True)
)
CANARY_STRINGS: tuple[str, ...] = CANARY_NAMES + CANARY_IDS


def citizen_id(county: str, year: int, month: int, seq: int) -> str:
    first17 = f"{county}{year:04d}{month:02d}{(seq % 28) + 1:02d}{seq % 1000:03d}"
    return first17 + check_char(first17)


@dataclass
class Population:
    directory: Path
    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    small_areas: list[str] = field(default_factory=list)


def household_record(
    rng: random.Random,
    n_persons: int,
    *,
    names: list[str],
    ids: list[str],
    household_no: str = "001",
) -> dict[str, Any]:
    """One household in the shared JSON shape (short form)."""
    persons = []
    for i in range(n_persons):
        year = 1950 + rng.randrange(60)
        persons.append(
            {
                "name": names[i],
                "relationship": 0 if i == 0 else rng.choice([1, 2, 3]),
                "citizen_id": ids[i],
                "sex": 1 + (i % 2),
                "birth_year_month": f"{year}-{1 + rng.randrange(12):02d}",
                "ethnic_group": "01",
                "residence_at_reference": 1,
                "hukou_place": 1,
                "time_away_from_hukou": 1,
                "education": 1 + rng.randrange(9),
                "literate": 1,
            }
        )
    return {
        "form": "short",
        "household_no": household_no,
        "items": {
            "household_type": 1,
            "persons_present": n_persons,
            "persons_hukou_here_absent": 0,
            "births": {"male": 0, "female": 0},
            "deaths": {"male": 0, "female": 0},
            "dwelling_type": 1,
            "floor_area_m2": 60 + rng.randrange(80),
            "rooms": 1 + rng.randrange(4),
        },
        "persons": persons,
    }


def write_population(directory: Path, *, households: int = 12, seed: int = 7) -> Population:
    """Write census_areas, small_areas, households and persons parts plus manifest.json."""
    rng = random.Random(seed)
    pop = Population(directory)
    small = [f"{COUNTY}001001", f"{COUNTY}001002", f"{OTHER_COUNTY}002201"]
    pop.small_areas = small
    canary_names = list(CANARY_NAMES)
    canary_ids = list(CANARY_IDS)
    seq = 0
    for h in range(households):
        area = small[h % len(small)]
        size = 1 + rng.randrange(4)
        names, ids = [], []
        for _ in range(size):
            seq += 1
            if canary_names:
                names.append(canary_names.pop(0))
                ids.append(canary_ids.pop(0))
            else:
                names.append(rng.choice(SURNAMES) + "某" + "一二三四五六七八九"[seq % 9])
                ids.append(citizen_id(area[:6], 1960 + seq % 50, 1 + seq % 12, 500 + seq))
        household_id = f"{area}{h + 1:03d}"
        record = household_record(rng, size, names=names, ids=ids, household_no=f"{h + 1:03d}")
        flat = {
            "household_id": household_id,
            "form": "short",
            "household_no": record["household_no"],
            "small_area_code": area,
            "dwelling_unit_id": f"{area}-du-{h + 1}",
        }
        for key, value in record["items"].items():
            if isinstance(value, dict):
                flat[f"{key}_male"], flat[f"{key}_female"] = value["male"], value["female"]
            else:
                flat[key] = value
        pop.households.append(flat)
        for number, person in enumerate(record["persons"], start=1):
            row = {"household_id": household_id, "person_no": number}
            for key, value in person.items():
                if key == "birth_year_month":
                    year, month = value.split("-")
                    row["birth_year_month_year"], row["birth_year_month_month"] = (
                        int(year),
                        int(month),
                    )
                else:
                    row[key] = value
            pop.persons.append(row)
    tables = {
        "census_areas": [
            {"census_area_code": code, "name": f"测试普查区{code[-3:]}", "county_code": code[:6]}
            for code in small
        ],
        "small_areas": [
            {"small_area_code": code, "census_area_code": code, "name": f"测试小区{code[-3:]}"}
            for code in small
        ],
        "households": pop.households,
        "persons": pop.persons,
    }
    for table, rows in tables.items():
        (directory / table).mkdir(parents=True, exist_ok=True)
        frame = pl.DataFrame(rows)
        if table == "persons":
            frame = frame.with_columns(
                pl.col("birth_year_month_year").cast(pl.Int16),
                pl.col("birth_year_month_month").cast(pl.Int8),
            )
        frame.write_parquet(directory / table / "part-00000.parquet")
    manifest = {
        "seed": seed,
        "persons": len(pop.persons),
        "tables": {t: len(r) for t, r in tables.items()},
        "generator": "tests.integration.synthetic",
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return pop
