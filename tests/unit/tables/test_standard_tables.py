"""Each standard table and figure on the hand-made census (tests/unit/tables/handmade.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from headcount.tables import build
from headcount.tables.reference import indicators, province_columns
from tests.unit.tables import handmade

ALL_LEVELS = "national,province,prefecture,county,township"


@pytest.fixture(scope="module", params=["synth", "extract"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp(f"handmade-{request.param}")
    writer = handmade.write_synth if request.param == "synth" else handmade.write_extract
    source = writer(root / "source")
    out = root / "tables"
    index = build(source, out, levels=ALL_LEVELS, formats="csv,xlsx,parquet")
    return out, index


def table(out: Path, level: str, table_id: str) -> pl.DataFrame:
    return pl.read_parquet(out / level / f"{table_id}.parquet")


def rows(frame: pl.DataFrame, **where: Any) -> list[dict[str, Any]]:
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    return frame.to_dicts()


def nonzero(frame: pl.DataFrame, measure: str = "total") -> pl.DataFrame:
    return frame.filter(pl.col(measure) > 0)


def test_figures_worked_out_by_hand(built: Any) -> None:
    _out, index = built
    figures = index["figures"]
    for key, value in handmade.EXPECTED.items():
        assert figures[key] == value, key
    # No girl was born in the reference year: the ratio at birth is not available, not 0.
    assert "sex_ratio_at_birth" not in figures
    assert set(figures) <= set(indicators())
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in figures.values())


def test_figures_by_province(built: Any) -> None:
    _out, index = built
    by = index["figures_by_province"]
    assert set(by) == {"11", "13"}
    beijing = {"population": 7, "male_pct": 57.14, "sex_ratio": 133.33, "region": "east"}
    assert {k: by["11"][k] for k in beijing} == beijing
    assert by["11"]["province_zh"] == "北京" and by["11"]["age_60_plus_pct"] == 28.57
    assert by["13"]["population"] == 5 and by["13"]["sex_ratio"] == 66.67
    assert by["13"]["edu_junior_secondary_per_100k"] == 20000  # p13 of 5
    assert set(by["11"]) <= set(province_columns())


def test_single_year_age_by_sex(built: Any) -> None:
    out, _ = built
    frame = table(out, "national", "age_sex_single_year")
    assert frame.columns == ["area_code", "age", "male", "female", "total"]
    assert frame["age"].to_list() == list(range(101))
    assert frame["total"].sum() == 12
    got = {r["age"]: (r["male"], r["female"]) for r in nonzero(frame).to_dicts()}
    assert got == {
        0: (1, 0),
        3: (1, 0),
        15: (0, 1),
        20: (1, 0),
        21: (0, 1),
        25: (1, 0),
        30: (0, 1),
        37: (0, 1),
        40: (1, 0),
        60: (0, 1),
        64: (1, 0),
        75: (0, 1),
    }
    township = table(out, "township", "age_sex_single_year")
    assert township.height == 3 * 101
    assert township["area_code"].unique().sort().to_list() == [
        "110105001",
        "110108002",
        "130181100",
    ]
    assert rows(township, area_code="130181100", age=3)[0]["male"] == 1


def test_age_group_by_sex_and_urban(built: Any) -> None:
    out, _ = built
    frame = table(out, "national", "age_group_sex_urban")
    assert frame.height == 2 * 21
    assert frame["urban_rural"].unique(maintain_order=True).to_list() == ["urban", "rural"]
    urban = {
        r["age_group"]: (r["male"], r["female"]) for r in rows(nonzero(frame), urban_rural="urban")
    }
    assert urban == {
        "0-4": (1, 0),
        "20-24": (1, 1),
        "35-39": (0, 1),
        "40-44": (1, 0),
        "60-64": (1, 1),
    }
    rural = {
        r["age_group"]: (r["male"], r["female"]) for r in rows(nonzero(frame), urban_rural="rural")
    }
    assert rural == {
        "0-4": (1, 0),
        "15-19": (0, 1),
        "25-29": (1, 0),
        "30-34": (0, 1),
        "75-79": (0, 1),
    }


def test_education_by_age_and_sex(built: Any) -> None:
    out, _ = built
    frame = table(out, "national", "education_age_sex")
    assert frame.height == 18 * 10
    assert frame["total"].sum() == 11  # aged 3 and over
    assert rows(frame, age_group="3-5", education="pre_school")[0]["male"] == 1
    assert rows(frame, age_group="75-79", education="never_attended")[0]["female"] == 1
    by_level = frame.group_by("education").agg(pl.col("total").sum())
    got = dict(zip(by_level["education"], by_level["total"], strict=True))
    assert got["undergraduate"] == 2 and got["masters"] == 1 and got["not_stated"] == 0


def test_households(built: Any) -> None:
    out, _ = built
    size = table(out, "national", "household_size")
    assert size["size"].to_list() == [*(str(n) for n in range(1, 10)), "10+"]
    assert {r["size"]: r["households"] for r in nonzero(size, "households").to_dicts()} == {
        "1": 1,  # HC1: the abroad member of a hukou-place household
        "2": 3,
        "3": 1,
    }
    kinds = table(out, "national", "household_type")
    assert kinds.to_dicts() == [
        {
            "area_code": "CN",
            "household_type": "family",
            "households": 5,
            "persons": 10,
            "mean_size": 2.0,
        },
        {
            "area_code": "CN",
            "household_type": "collective",
            "households": 1,
            "persons": 2,
            "mean_size": 2.0,
        },
    ]
    county = table(out, "county", "household_type")
    assert rows(county, area_code="130181", household_type="family")[0]["households"] == 3
    assert rows(county, area_code="110108", household_type="collective")[0]["mean_size"] is None


def test_deaths_by_age_and_sex(built: Any) -> None:
    out, _ = built
    frame = table(out, "national", "deaths_age_sex")
    assert frame["age_group"].to_list()[:3] == ["0", "1-4", "5-9"]
    got = {r["age_group"]: (r["male"], r["female"]) for r in nonzero(frame).to_dicts()}
    assert got == {"0": (0, 1), "90-94": (1, 0), "100+": (0, 1)}
    province = table(out, "province", "deaths_age_sex")
    assert rows(province, area_code="13", age_group="100+")[0]["total"] == 1


def test_ethnicity_mobility_and_hmtf(built: Any) -> None:
    out, _ = built
    eth = table(out, "national", "ethnicity_sex")
    assert [(r["ethnicity"], r["total"]) for r in eth.to_dicts()] == [
        ("han", 9),
        ("minority", 2),
        ("not_stated", 1),
    ]
    mob = table(out, "national", "mobility")
    assert [
        (r["category"], r["male"], r["female"], r["pct_of_population"]) for r in mob.to_dicts()
    ] == [
        ("hukou_separated", 1, 3, 33.33),
        ("within_city", 0, 2, 16.67),
        ("floating", 1, 1, 16.67),
        ("interprovincial", 1, 0, 8.33),
        ("intraprovincial", 0, 1, 8.33),
    ]
    hebei = table(out, "province", "mobility").filter(pl.col("area_code") == "13")
    assert hebei["total"].to_list() == [1, 0, 1, 0, 1]
    assert hebei["pct_of_population"].to_list()[0] == 20.0
    hm = table(out, "national", "hmtf_origin_sex")
    assert {r["origin"]: r["total"] for r in hm.to_dicts()} == {
        "hong_kong": 1,
        "macau": 0,
        "taiwan": 0,
        "foreign": 1,
        "not_stated": 0,
    }


def test_population_by_province(built: Any) -> None:
    out, index = built
    frame = table(out, "national", "population_by_province")
    assert frame.to_dicts() == [
        {
            "area_code": "CN",
            "province_code": "11",
            "province_zh": "北京",
            "province_en": "Beijing",
            "region": "east",
            "population": 7,
            "male": 4,
            "female": 3,
            "urban": 7,
            "share_pct": 58.33,
            "sex_ratio": 133.33,
            "urban_pct": 100.0,
        },
        {
            "area_code": "CN",
            "province_code": "13",
            "province_zh": "河北",
            "province_en": "Hebei",
            "region": "east",
            "population": 5,
            "male": 2,
            "female": 3,
            "urban": 0,
            "share_pct": 41.67,
            "sex_ratio": 66.67,
            "urban_pct": 0.0,
        },
    ]
    assert [t["level"] for t in index["tables"] if t["id"] == "population_by_province"] == [
        "national"
    ]


def test_levels_roll_up_to_the_national_totals(built: Any) -> None:
    out, index = built
    for entry in index["tables"]:
        if entry["id"] == "population_by_province":
            continue
        frame = pl.read_parquet(out / entry["files"]["parquet"])
        national = pl.read_parquet(out / "national" / f"{entry['id']}.parquet")
        counts = [m["name"] for m in entry["measures"] if m["kind"] == "count"]
        for measure in counts:
            assert frame[measure].sum() == national[measure].sum(), (entry["id"], entry["level"])
        width = {"national": 2, "province": 2, "prefecture": 4, "county": 6, "township": 9}
        if entry["level"] != "national":
            assert frame["area_code"].str.len_chars().unique().to_list() == [width[entry["level"]]]


def test_no_personal_data_in_any_output(built: Any) -> None:
    out, _ = built
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json"):
            assert handmade.CANARY not in path.read_text("utf-8"), path


def test_synth_and_extract_give_the_same_tables(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("same")
    a = build(
        handmade.write_synth(root / "s"), root / "ts", levels="national,county", formats="parquet"
    )
    b = build(
        handmade.write_extract(root / "e"), root / "te", levels="national,county", formats="parquet"
    )
    assert a["figures"] == b["figures"]
    assert a["source"]["kind"] == "synth" and b["source"]["key_id"] == "00aa11bb"
    for entry in a["tables"]:
        left = pl.read_parquet(root / "ts" / entry["files"]["parquet"])
        right = pl.read_parquet(root / "te" / entry["files"]["parquet"])
        assert left.equals(right), entry["id"]
