"""The standard tables of a 1,000,000-person synthetic census, end to end.

1. Every national figure is within tolerance of the published 2020 result: the synth report's own
   tolerances where it sets one (sex ratio, age shares, family size, urban, separated, minorities),
   and the bounds below, with their reason, for the rest.
2. A second, independent path — plain Polars written here, not calling ``processing.counting`` or
   ``headcount.tables`` — recomputes the national figures and the single-year age × sex table from
   the same source, and both agree exactly.

The tables read the de-identified extract of the synthetic census (``extract --from-synth``), as
in production; the second path reads the synthetic census itself, so it also shows that the extract
carried every coded value through unchanged.
"""

from __future__ import annotations

import csv
import io
import math
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from headcount.identity.divisions import divisions
from headcount.processing.extract import from_synth
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.synth import generate, report, targets
from headcount.tables import build
from headcount.tables.figures import NOT_FROM_THE_CENSUS
from headcount.tables.reference import indicators

PERSONS = 1_000_000
SEED = 11
LEVELS = "national,province,prefecture,county,township"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pop"
    generate(persons=PERSONS, seed=SEED, out=out, workers=2)
    return out


@pytest.fixture(scope="module")
def source(synth_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the tables read: the processing extract of ``synth_dir``."""
    out = tmp_path_factory.mktemp("extract") / "extract"
    keys = ProcessingKeys.from_secret("intl", b"tables test key " * 2, "test")
    from_synth(synth_dir, out, keys, wave="2020")
    return out


@pytest.fixture(scope="module")
def tables(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("tables") / "tables"
    return out, build(source, out, levels=LEVELS, formats="csv,parquet")


# --- 1. against the 2020 results -----------------------------------------------------------------
# Report indicators → the figure that answers them (hukou_separated_pct: a share of the count).
REPORT_FIGURES = {
    "sex_ratio": "sex_ratio",
    "age_0_14_pct": "age_0_14_pct",
    "age_15_59_pct": "age_15_59_pct",
    "age_60_plus_pct": "age_60_plus_pct",
    "age_65_plus_pct": "age_65_plus_pct",
    "avg_family_household_size": "avg_family_household_size",
    "urban_pct": "urban_pct",
    "hukou_separated_pct": "hukou_separated",
    "ethnic_minorities_pct": "ethnic_minorities_pct",
}
# Percentage points of the population, for shares and counts the report sets no tolerance for.
SHARE_TOLERANCE = 0.3
# docs/synth.md: at 1 M persons within-city moves are 7.7 % (target 8.28 %) and interprovincial
# ones 9.7 % (8.84 %), because a within-city hukou needs a district of the same city in the chunk.
MOBILITY_TOLERANCE = 1.0
MOBILITY = {
    "hukou_separated_within_city",
    "floating_population",
    "floating_interprovincial",
    "floating_intraprovincial",
}
# Not calibration targets of the generator (docs/synth.md, "Deviations and limits"): the size of
# collective households and the split of 大学 into 大专/本科/研究生 are approximations.
UNCALIBRATED = {"households_collective": None, "mean_years_schooling_15_plus": 0.2}


def test_figures_within_tolerance_of_2020(
    synth_dir: Path, tables: tuple[Path, dict[str, Any]]
) -> None:
    out, index = tables
    figures: dict[str, Any] = index["figures"]
    age0 = pl.read_parquet(out / "national" / "age_sex_single_year.parquet").row(0, named=True)
    nat = targets.national()
    total, target_total = figures["population_total"], nat["population_total"]
    assert abs(total - PERSONS) <= 0.001 * PERSONS  # omissions 0.05 %, duplicates 0.03 %
    checked = {"population_total"}
    for row in report.build(synth_dir).rows:
        if row.tolerance is None:
            continue
        key = REPORT_FIGURES[row.indicator]  # every row with a tolerance is answered
        value = figures[key]
        if row.indicator == "hukou_separated_pct":
            value = 100 * value / total
        assert abs(value - row.target) <= row.tolerance, (row.indicator, value, row.target)
        checked.add(key)

    def share(count: float, of: float) -> float:
        return 100.0 * count / of

    for key, value in figures.items():
        if key in checked or key.startswith("hmtf_"):
            continue
        target = nat[key]
        checked.add(key)
        if key in UNCALIBRATED:
            bound = UNCALIBRATED[key]
            assert bound is None or abs(value - target) <= bound, key
            assert value > 0, key
        elif key.endswith("_per_100k"):
            assert abs(value - target) <= 0.005 * target, (key, value, target)
        elif key == "sex_ratio_at_birth":
            # Persons aged 0 (about 10,000): three standard errors of the ratio.
            se = value * math.sqrt(1 / age0["male"] + 1 / age0["female"])
            assert abs(value - target) <= 3 * se, (value, target, se)
        elif key.endswith("_pct"):
            assert abs(value - target) <= SHARE_TOLERANCE, (key, value, target)
        else:  # a count: compare its share of the population
            bound = MOBILITY_TOLERANCE if key in MOBILITY else SHARE_TOLERANCE
            got, want = share(value, total), share(target, target_total)
            assert abs(got - want) <= bound, (key, got, want)
    # HK/Macau/Taiwan residents and foreigners: about 1,000 persons, so their mix is compared as
    # shares of their total within three binomial standard errors, and their rate per 100,000.
    hm_total, hm_target = figures["hmtf_total"], nat["hmtf_total"]
    assert abs(1e5 * hm_total / total - 1e5 * hm_target / target_total) <= 0.05 * 101.3
    for key, value in figures.items():
        if key.startswith("hmtf_") and key != "hmtf_total":
            p = nat[key] / hm_target
            se = math.sqrt(p * (1 - p) / hm_total)
            assert abs(value / hm_total - p) <= 3 * se, (key, value / hm_total, p)
            checked.add(key)
    assert checked | {"hmtf_total"} == set(figures)
    # Every indicator a census can answer is there.
    assert set(figures) == set(indicators()) - NOT_FROM_THE_CENSUS


# --- 2. an independent path ----------------------------------------------------------------------
YEARS = {1: 0, 2: 0, 3: 6, 4: 9, 5: 12, 6: 15, 7: 16, 8: 19, 9: 22}
HMTF_KEYS = {
    "identity_or_nationality": ["hong_kong", "macau", "taiwan", "foreign"],
    "length_of_stay": [
        "stay_lt_3m",
        "stay_3m_6m",
        "stay_6m_1y",
        "stay_1y_2y",
        "stay_2y_5y",
        "stay_5y_plus",
    ],
    "purpose_of_stay": [
        "purpose_business",
        "purpose_employment",
        "purpose_study",
        "purpose_settle",
        "purpose_visit_family",
        "purpose_other",
    ],
}


def _round(num: int, den: int, scale: int = 100, places: int = 2) -> float | None:
    if den == 0:
        return None
    exact = Fraction(num * scale, den)
    step = Fraction(1, 10**places)
    return float(math.floor(exact / step + Fraction(1, 2)) * step)


def _regions() -> dict[str, str]:
    text = resources.files("headcount.synth").joinpath("data", "results-2020-provinces.csv")
    rows = csv.DictReader(io.StringIO(text.read_text("utf-8")))
    return {r["province_code"]: r["region"] for r in rows}


def _counted(root: Path) -> pl.DataFrame:
    def scan(table: str) -> pl.LazyFrame:
        return pl.scan_parquet(root / table / "*.parquet")

    areas = scan("small_areas").select(
        "small_area_code", "county_code", "province_code", "urban_rural_class"
    )
    homes = scan("households").select("household_id", "small_area_code", "household_type")
    people = scan("persons").select(
        "household_id",
        "sex",
        "birth_year_month_year",
        "birth_year_month_month",
        "ethnic_group",
        "residence_at_reference",
        "hukou_place",
        "hukou_county",
        "time_away_from_hukou",
        "education",
        "literate",
    )
    frame = people.join(homes, on="household_id").join(areas, on="small_area_code").collect()
    table = divisions()
    counties = set(frame["county_code"].unique().to_list()) | set(
        frame["hukou_county"].drop_nulls().unique().to_list()
    )
    district = {c: table.is_district(c) for c in counties}
    d7, d8, d9 = (
        pl.col(c) for c in ("residence_at_reference", "hukou_place", "time_away_from_hukou")
    )
    res, huk = pl.col("county_code"), pl.col("hukou_county")
    res_d = res.replace_strict(district, default=False, return_dtype=pl.Boolean)
    huk_d = huk.replace_strict(district, default=False, return_dtype=pl.Boolean).fill_null(False)
    at_home = (d7 == 1).fill_null(False)
    recent = (d8.is_in([3, 4]) & (d9 == 2)).fill_null(False)
    counted = (
        (at_home & ~recent)
        | d7.is_in([6, 7]).fill_null(False)
        | (d7.is_in([4, 5]) & (d9 == 2)).fill_null(False)
    )
    separated = at_home & (d8.is_in([3, 4]) & (d9 >= 3)).fill_null(False)
    same_city = (huk.str.slice(0, 4) == res.str.slice(0, 4)).fill_null(False)
    within = separated & res_d & ((d8 == 3) | ((d8 == 4) & huk_d & same_city)).fill_null(False)
    floating = separated & ~within
    other_province = (huk.str.slice(0, 2) != res.str.slice(0, 2)).fill_null(False)
    inter = floating & (d8 == 4).fill_null(False) & other_province
    month = pl.col("birth_year_month_month").fill_null(0)
    age = 2020 - pl.col("birth_year_month_year").cast(pl.Int32) - (month >= 11).cast(pl.Int32)
    return (
        frame.with_columns(
            counted=counted,
            separated=separated,
            within=within,
            floating=floating,
            inter=inter,
            intra=floating & ~inter,
            age=age,
            urban=pl.col("urban_rural_class").str.starts_with("1"),
        )
        .filter("counted")
        .drop("counted")
    )


def _independent_figures(root: Path) -> tuple[dict[str, Any], pl.DataFrame]:
    p = _counted(root)
    n = p.height
    age, sex, edu = pl.col("age"), pl.col("sex"), pl.col("education")
    c = p.select(
        male=(sex == 1).sum(),
        female=(sex == 2).sum(),
        boys=((age == 0) & (sex == 1)).sum(),
        girls=((age == 0) & (sex == 2)).sum(),
        a0_14=age.is_between(0, 14).sum(),
        a15_59=age.is_between(15, 59).sum(),
        a60=(age >= 60).sum(),
        a65=(age >= 65).sum(),
        a0_15=age.is_between(0, 15).sum(),
        a16_59=age.is_between(16, 59).sum(),
        han=(pl.col("ethnic_group") == "01").sum(),
        minorities=(pl.col("ethnic_group") != "01").sum(),
        univ=(edu >= 6).sum(),
        senior=(edu == 5).sum(),
        junior=(edu == 4).sum(),
        primary=(edu == 3).sum(),
        years=edu.replace_strict(YEARS, default=None).filter(age >= 15).sum(),
        schooled=(edu.is_not_null() & (age >= 15)).sum(),
        illiterate=((pl.col("literate") == 2) & (age >= 15)).sum(),
        urban=pl.col("urban").sum(),
        rural=(~pl.col("urban")).sum(),
        sep=pl.col("separated").sum(),
        within=pl.col("within").sum(),
        floating=pl.col("floating").sum(),
        inter=pl.col("inter").sum(),
        intra=pl.col("intra").sum(),
    ).row(0, named=True)
    homes = (
        p.filter(pl.col("household_type").is_in([1, 2]))
        .group_by("household_id")
        .agg(pl.len().alias("size"), pl.col("household_type").first())
    )
    fam, col = (
        homes.filter(pl.col("household_type") == 1),
        homes.filter(pl.col("household_type") == 2),
    )
    f: dict[str, Any] = {
        "population_total": n,
        "households_family": fam.height,
        "households_collective": col.height,
        "persons_in_family_households": int(fam["size"].sum()),
        "persons_in_collective_households": int(col["size"].sum()),
        "avg_family_household_size": _round(int(fam["size"].sum()), fam.height, 1),
        "sex_ratio": _round(c["male"], c["female"]),
        "sex_ratio_at_birth": _round(c["boys"], c["girls"]),
        "age_0_15": c["a0_15"],
        "age_16_59": c["a16_59"],
        "mean_years_schooling_15_plus": _round(c["years"], c["schooled"], 1),
        "illiterate_15_plus": c["illiterate"],
        "illiteracy_rate_pct": _round(c["illiterate"], n),
        "hukou_separated": c["sep"],
        "hukou_separated_within_city": c["within"],
        "floating_population": c["floating"],
        "floating_interprovincial": c["inter"],
        "floating_intraprovincial": c["intra"],
    }
    for key, count in [
        ("ethnic_han", c["han"]),
        ("ethnic_minorities", c["minorities"]),
        ("sex_male", c["male"]),
        ("sex_female", c["female"]),
        ("age_0_14", c["a0_14"]),
        ("age_15_59", c["a15_59"]),
        ("age_60_plus", c["a60"]),
        ("age_65_plus", c["a65"]),
        ("urban", c["urban"]),
        ("rural", c["rural"]),
    ]:
        f[key], f[f"{key}_pct"] = count, _round(count, n)
    for key, count in [
        ("university", c["univ"]),
        ("senior_secondary", c["senior"]),
        ("junior_secondary", c["junior"]),
        ("primary", c["primary"]),
    ]:
        f[f"edu_{key}"] = count
        f[f"edu_{key}_per_100k"] = int(_round(count, n, 100_000, 0) or 0)
    region = _regions()
    by_prov = p.group_by("province_code").len()
    for name in ("east", "central", "west", "northeast"):
        count = sum(r["len"] for r in by_prov.to_dicts() if region.get(r["province_code"]) == name)
        f[f"region_{name}"], f[f"region_{name}_pct"] = count, _round(count, n)
    hm = pl.read_parquet(root / "hmtf_persons" / "*.parquet")
    f["hmtf_total"], f["hmtf_male"] = hm.height, int((hm["sex"] == 1).sum())
    f["hmtf_female"] = int((hm["sex"] == 2).sum())
    for column, names in HMTF_KEYS.items():
        for code, name in enumerate(names, start=1):
            f[f"hmtf_{name}"] = int((hm[column] == code).sum())
    pyramid = (
        p.filter(age >= 0)
        .with_columns(age=pl.min_horizontal(age, pl.lit(100)).cast(pl.Int64))
        .group_by("age")
        .agg(
            male=(sex == 1).sum().cast(pl.Int64),
            female=(sex == 2).sum().cast(pl.Int64),
            total=pl.len().cast(pl.Int64),
        )
    )
    grid = pl.DataFrame({"age": list(range(101))}, schema={"age": pl.Int64})
    pyramid = (
        grid.join(pyramid, on="age", how="left")
        .fill_null(0)
        .select(pl.lit("CN").alias("area_code"), "age", "male", "female", "total")
        .sort("age")
    )
    return f, pyramid


def test_a_second_path_agrees_exactly(synth_dir: Path, tables: tuple[Path, dict[str, Any]]) -> None:
    out, index = tables
    figures, pyramid = _independent_figures(synth_dir)
    assert index["figures"] == figures
    got = pl.read_parquet(out / "national" / "age_sex_single_year.parquet")
    assert got.equals(pyramid)
    assert int(got["total"].sum()) == figures["population_total"]  # every age is known here


def test_every_level_sums_to_the_country(tables: tuple[Path, dict[str, Any]]) -> None:
    out, index = tables
    national = pl.read_parquet(out / "national" / "age_group_sex_urban.parquet")
    for level in LEVELS.split(",")[1:]:
        frame = pl.read_parquet(out / level / "age_group_sex_urban.parquet")
        assert (
            frame["total"].sum() == national["total"].sum() == index["figures"]["population_total"]
        )
        areas = frame["area_code"].n_unique()
        assert frame.height == areas * 2 * 21
    assert index["figures"]["urban"] == int(
        national.filter(pl.col("urban_rural") == "urban")["total"].sum()
    )
