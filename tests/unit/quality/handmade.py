"""A hand-made extract of seven people whose findings are known by hand.

Made from clear source rows through the real de-identification (``processing.extract.transform``
under a throwaway key), so the quality job sees what it sees in production: pseudonyms and
encodings only.

    person  census records                          registers           the finding
    P1      HA1/1 and HB1/2 (D7 = 1 both; the        hukou (township A)  duplicates; HB1/2 is the
            second listed as "other", elsewhere)                         erroneous copy
    P2      HA1/2, no ID, name with one typo         hukou               linked by the model only
    P3      HA1/3 (D7 = 1, hukou in county C, away   hukou (county C)    double registration;
            ≥ 6 months) and HC1/1 (D7 = 5)                               HA1/3 counts
    P4      none                                     hukou (township C)  omission, small area C
    P5      HB1/1                                    deaths (2020-05)    erroneous: died
    P6      HA1/4, a child recorded as a boy         births: a girl      discrepancy: sex
    P7      HB1/3, a stranger sharing P2's surname   —                   nothing
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from headcount.identity.citizen_id import check_char
from headcount.processing.extract import manifest_meta, transform
from headcount.processing.layout import ExtractWriter
from headcount.processing.pseudonyms import ProcessingKeys

SA_A, SA_B, SA_C = "110105001001001", "110108002001001", "130181100200001"


def citizen_id(county: str, born: str, serial: str) -> str:
    first = county + born + serial
    return first + check_char(first)


ID = {
    "P1": citizen_id("110105", "19800512", "013"),
    "P2": citizen_id("110105", "19750302", "024"),
    "P3": citizen_id("130181", "19920707", "035"),
    "P4": citizen_id("130181", "19881120", "046"),
    "P5": citizen_id("110108", "19400101", "057"),
    "P6": citizen_id("110105", "20190315", "062"),
}
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
        "household_id": ["HA1", "HB1", "HC1"],
        "form": ["short"] * 3,
        "household_no": ["001", "001", "001"],
        "small_area_code": [SA_A, SA_B, SA_C],
    }
)
_P = [
    # household, no, name, ID, relationship, sex, year, month, ethnic, D7, D8, hukou county, D9
    ("HA1", 1, "王小明", ID["P1"], 0, 1, 1980, 5, "01", 1, 1, None, 1),
    ("HA1", 2, "李华张", None, 1, 2, 1975, 3, "03", 1, 1, None, 1),
    ("HA1", 3, "张伟", ID["P3"], 6, 1, 1992, 7, "01", 1, 4, "130181", 5),
    ("HA1", 4, "王小宝", ID["P6"], 2, 1, 2019, 3, "01", 1, 1, None, None),
    ("HB1", 1, "钱七", ID["P5"], 0, 2, 1940, 1, "01", 1, 1, None, 1),
    ("HB1", 2, "王小明", ID["P1"], 9, 1, 1980, 5, "01", 1, 1, None, 1),
    ("HB1", 3, "李文", None, 8, 1, 1961, 9, "01", 1, 1, None, 1),
    ("HC1", 1, "张伟", ID["P3"], 0, 1, 1992, 7, "01", 5, 1, None, 5),
]
PERSONS = pl.DataFrame(
    [
        dict(zip(
            ("household_id", "person_no", "name", "citizen_id", "relationship", "sex",
             "birth_year_month_year", "birth_year_month_month", "ethnic_group",
             "residence_at_reference", "hukou_place", "hukou_county", "time_away_from_hukou"),
            row, strict=True,
        ))
        for row in _P
    ]
)  # fmt: skip
_HUKOU = [
    ("HK1", ID["P1"], "王小明", 1, 1980, 5, 12, "01", "110105", "110105001"),
    ("HK2", ID["P2"], "李华强", 2, 1975, 3, 2, "03", "110105", "110105001"),
    ("HK3", ID["P3"], "张伟", 1, 1992, 7, 7, "01", "130181", "130181100"),
    ("HK4", ID["P4"], "赵六", 1, 1988, 11, 20, "01", "130181", "130181100"),
    ("HK6", ID["P6"], "王小宝", 2, 2019, 3, 15, "01", "110105", "110105001"),
]
REGISTERS_HUKOU = pl.DataFrame(
    [
        dict(zip(
            ("record_id", "citizen_id", "name", "sex", "birth_year", "birth_month", "birth_day",
             "ethnic_group", "hukou_county", "hukou_township"),
            row, strict=True,
        ))
        for row in _HUKOU
    ]
)  # fmt: skip
REGISTERS_BIRTHS = pl.DataFrame(
    {
        "record_id": ["BR1"], "child_citizen_id": [ID["P6"]], "child_name": ["王小宝"],
        "sex": [2], "birth_year": [2019], "birth_month": [3], "birth_day": [15],
        "mother_citizen_id": [None], "birth_county": ["110105"],
    },
    schema_overrides={"mother_citizen_id": pl.String},
)  # fmt: skip
REGISTERS_DEATHS = pl.DataFrame(
    {
        "record_id": ["DR5"], "citizen_id": [ID["P5"]], "name": ["钱七"], "sex": [2],
        "birth_year": [1940], "birth_month": [1], "death_year": [2020], "death_month": [5],
    }
)  # fmt: skip
EMPTY = {
    "death_forms": pl.DataFrame(
        schema={"household_id": pl.String, "death_no": pl.Int32, "household_no": pl.String}
    ),
    "hmtf_households": pl.DataFrame(
        schema={"household_id": pl.String, "small_area_code": pl.String}
    ),
    "hmtf_persons": pl.DataFrame(schema={"household_id": pl.String, "person_no": pl.Int32}),
}


def write_registers(out: Path, *, secret: bytes = b"k" * 32, key_id: str = "00" * 8) -> Path:
    """The registers above alone, as ``headcount extract --registers-only`` writes them."""
    keys = ProcessingKeys.from_secret("intl", secret, key_id)
    writer = ExtractWriter(out)
    for table, frame in (
        ("registers_hukou", REGISTERS_HUKOU),
        ("registers_births", REGISTERS_BIRTHS),
        ("registers_deaths", REGISTERS_DEATHS),
    ):
        writer.write(table, transform(table, frame, keys))
    writer.finish(manifest_meta({"kind": "registers", "digest": "handmade"}, "2020", keys))
    return out


def write_extract(
    out: Path, *, registers: bool = True, verifications: pl.DataFrame | None = None
) -> Path:
    """The extract of the table above at ``out`` (with the field's answers, if given)."""
    keys = ProcessingKeys.from_secret("intl", b"k" * 32, "00" * 8)
    tables: dict[str, pl.DataFrame] = {
        "small_areas": SMALL_AREAS,
        "households": HOUSEHOLDS,
        "persons": PERSONS,
        **EMPTY,
    }
    if registers:
        tables |= {
            "registers_hukou": REGISTERS_HUKOU,
            "registers_births": REGISTERS_BIRTHS,
            "registers_deaths": REGISTERS_DEATHS,
        }
    writer = ExtractWriter(out)
    for table, frame in tables.items():
        writer.write(table, transform(table, frame, keys))
    if verifications is not None:
        writer.write("verifications", verifications)  # codes only: nothing to transform
    writer.finish(manifest_meta({"kind": "synth", "digest": "handmade"}, "2020", keys))
    return out
