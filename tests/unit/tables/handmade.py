"""A hand-made census of 14 person records in three small areas whose tables are known by hand.

    small area          county               class   households
    110105001001001     110105 朝阳区 (区)    111     HA1 family, HA2 collective
    110108002001001     110108 海淀区 (区)    112     HB1 family
    130181100200001     130181 辛集市 (市)    210     HC1 hukou-place (absent), HC2, HC4 family,
                                                     HC3 = 999 (all died)

Twelve records are counted (p6 and p9 count at their other record): 110105: p1 p2 p3 p4 p5;
110108: p8 p10; 130181: p7 (abroad) p11 (away < 6 months) p12 p13 p14. The expected values are
spelled out in ``EXPECTED`` and in the tests. Persons carry a ``name`` column with a canary that no
output may contain (the tables never read it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

CANARY = "张测试金丝雀"
SA_A, SA_B, SA_C = "110105001001001", "110108002001001", "130181100200001"

SMALL_AREAS = pl.DataFrame(
    {
        "small_area_code": [SA_A, SA_B, SA_C],
        "census_area_code": [SA_A[:12], SA_B[:12], SA_C[:12]],
        "township_code": [SA_A[:9], SA_B[:9], SA_C[:9]],
        "county_code": [SA_A[:6], SA_B[:6], SA_C[:6]],
        "province_code": [SA_A[:2], SA_B[:2], SA_C[:2]],
        "urban_rural_class": ["111", "112", "210"],
    }
)
HOUSEHOLDS = pl.DataFrame(
    {
        "household_id": ["HA1", "HA2", "HB1", "HC1", "HC2", "HC3", "HC4"],
        "form": ["short"] * 7,
        "household_no": ["001", "002", "001", "001", "002", "999", "003"],
        "small_area_code": [SA_A, SA_A, SA_B, SA_C, SA_C, SA_C, SA_C],
        "household_type": [1, 2, 1, 1, 1, None, 1],
    },
    schema_overrides={"household_type": pl.Int8},
)
_P = [
    # id, household, sex, birth year, month, ethnic, D7, D8, hukou county, D9, education, literate
    ("p1", "HA1", 1, 1980, 5, "01", 1, 1, None, 1, 7, 1),
    ("p2", "HA1", 2, 1982, 11, "03", 1, 1, None, 1, 6, 1),
    ("p3", "HA1", 1, 2020, 3, "01", 1, 1, None, 1, None, None),
    ("p4", "HA2", 1, 2000, 1, "01", 1, 4, "130181", 5, 5, 1),
    ("p5", "HA2", 2, 1998, 12, "01", 1, 4, "110108", 3, 7, 1),
    ("p6", "HC1", 1, 2000, 1, "01", 5, 1, None, 5, 5, 1),
    ("p7", "HC1", 2, 1990, 6, "01", 7, 1, None, 4, 8, 1),
    ("p8", "HB1", 2, 1960, 10, "01", 1, 3, None, 4, 4, 1),
    ("p9", "HB1", 1, 1995, 7, "01", 1, 4, "130181", 2, 5, 1),
    ("p10", "HB1", 1, 1955, 11, None, 1, 2, None, 6, 3, 1),
    ("p11", "HC2", 1, 1995, 7, "01", 5, 1, None, 2, 5, 1),
    ("p12", "HC2", 2, 1945, 2, "01", 1, 1, None, 1, 1, 2),
    ("p13", "HC4", 2, 2005, 10, "02", 1, 3, None, 3, 4, 1),
    ("p14", "HC4", 1, 2017, None, "01", 1, 1, None, 1, 2, None),
]
PERSONS = pl.DataFrame(
    [
        {
            "household_id": p[1],
            "person_no": int(p[0][1:]),
            "name": f"{CANARY}{p[0]}",
            "relationship": 0,
            "sex": p[2],
            "birth_year_month_year": p[3],
            "birth_year_month_month": p[4],
            "ethnic_group": p[5],
            "residence_at_reference": p[6],
            "hukou_place": p[7],
            "hukou_county": p[8],
            "time_away_from_hukou": p[9],
            "reason_away": None,
            "education": p[10],
            "literate": p[11],
        }
        for p in _P
    ],
    schema={
        "household_id": pl.String,
        "person_no": pl.Int32,
        "name": pl.String,
        "relationship": pl.Int8,
        "sex": pl.Int8,
        "birth_year_month_year": pl.Int16,
        "birth_year_month_month": pl.Int8,
        "ethnic_group": pl.String,
        "residence_at_reference": pl.Int8,
        "hukou_place": pl.Int8,
        "hukou_county": pl.String,
        "time_away_from_hukou": pl.Int8,
        "reason_away": pl.Int8,
        "education": pl.Int8,
        "literate": pl.Int8,
    },
)
DEATH_FORMS = pl.DataFrame(
    {
        "household_id": ["HC3", "HA1", "HC3"],
        "death_no": [1, 1, 2],
        "household_no": ["999", "001", "999"],
        "name": [f"{CANARY}d1", f"{CANARY}d2", f"{CANARY}d3"],
        "sex": [1, 2, 2],
        "birth_year_month_year": [1930, 2020, 1919],
        "birth_year_month_month": [1, 1, 5],
        "death_year_month_year": [2020, 2020, 2020],
        "death_year_month_month": [3, 2, 8],
        "age_at_death": [90, None, 101],
    },
    schema_overrides={"sex": pl.Int8, "age_at_death": pl.Int16},
)
HMTF_HOUSEHOLDS = pl.DataFrame(
    {"household_id": ["HM1"], "small_area_code": [SA_A], "household_type": [1]}
)
HMTF_PERSONS = pl.DataFrame(
    {
        "household_id": ["HM1", "HM1"],
        "person_no": [1, 2],
        "name": [f"{CANARY}q1", f"{CANARY}q2"],
        "sex": [1, 2],
        "identity_or_nationality": [1, 4],
        "purpose_of_stay": [2, 3],
        "length_of_stay": [6, 1],
    }
)
TABLES = {
    "small_areas": SMALL_AREAS,
    "households": HOUSEHOLDS,
    "persons": PERSONS,
    "death_forms": DEATH_FORMS,
    "hmtf_households": HMTF_HOUSEHOLDS,
    "hmtf_persons": HMTF_PERSONS,
}

# The figures worked out by hand from the records above.
EXPECTED: dict[str, Any] = {
    "population_total": 12,
    "sex_male": 6,
    "sex_female": 6,
    "sex_ratio": 100.0,
    "sex_male_pct": 50.0,
    "age_0_14": 2,
    "age_0_14_pct": 16.67,
    "age_15_59": 7,
    "age_15_59_pct": 58.33,
    "age_60_plus": 3,
    "age_60_plus_pct": 25.0,
    "age_65_plus": 1,
    "age_65_plus_pct": 8.33,
    "age_0_15": 3,
    "age_16_59": 6,
    "ethnic_han": 9,
    "ethnic_han_pct": 75.0,
    "ethnic_minorities": 2,
    "ethnic_minorities_pct": 16.67,
    "edu_university": 4,
    "edu_university_per_100k": 33333,
    "edu_senior_secondary": 2,
    "edu_senior_secondary_per_100k": 16667,
    "edu_junior_secondary": 2,
    "edu_junior_secondary_per_100k": 16667,
    "edu_primary": 1,
    "edu_primary_per_100k": 8333,
    "mean_years_schooling_15_plus": 11.4,
    "illiterate_15_plus": 1,
    "illiteracy_rate_pct": 8.33,
    "urban": 7,
    "urban_pct": 58.33,
    "rural": 5,
    "rural_pct": 41.67,
    "hukou_separated": 4,
    "hukou_separated_within_city": 2,
    "floating_population": 2,
    "floating_interprovincial": 1,
    "floating_intraprovincial": 1,
    "households_family": 5,
    "households_collective": 1,
    "persons_in_family_households": 10,
    "persons_in_collective_households": 2,
    "avg_family_household_size": 2.0,
    "region_east": 12,
    "region_east_pct": 100.0,
    "region_west": 0,
    "hmtf_total": 2,
    "hmtf_male": 1,
    "hmtf_female": 1,
    "hmtf_hong_kong": 1,
    "hmtf_macau": 0,
    "hmtf_foreign": 1,
    "hmtf_stay_5y_plus": 1,
    "hmtf_stay_lt_3m": 1,
    "hmtf_purpose_employment": 1,
    "hmtf_purpose_study": 1,
    "hmtf_purpose_settle": 0,
}


def write_synth(root: Path) -> Path:
    """The records as a ``headcount synth`` directory (no prefecture_code / urban columns)."""
    root.mkdir(parents=True)
    manifest: dict[str, Any] = {"generator": "headcount.synth", "format": "parquet", "tables": {}}
    for name, frame in TABLES.items():
        (root / name).mkdir()
        frame.write_parquet(root / name / "part-00000.parquet")
        manifest["tables"][name] = {"rows": frame.height, "path": f"{name}/*.parquet"}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def write_extract(root: Path, replace: dict[str, pl.DataFrame] | None = None) -> Path:
    """The records as a processing extract (``processing.layout``), names dropped; ``replace``
    swaps whole tables (e.g. for empty ones)."""
    from headcount.processing.layout import ExtractWriter

    writer = ExtractWriter(root)
    for name, frame in (TABLES | (replace or {})).items():
        if name == "small_areas":
            frame = frame.with_columns(
                pl.col("county_code").str.slice(0, 4).alias("prefecture_code"),
                pl.col("urban_rural_class").str.starts_with("1").alias("urban"),
            )
        writer.write(name, frame.drop("name", strict=False))
    writer.finish({"source": {"kind": "synth", "digest": "0" * 64}, "key_id": "00aa11bb"})
    return root
