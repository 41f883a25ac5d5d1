"""The generated population: tolerances, IDs, double registration, skips and coherence."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from headcount.identity import citizen_id, divisions
from headcount.synth import TABLES, read_table, report

from .conftest import PERSONS


def _table(root: Path, name: str) -> pl.DataFrame:
    return read_table(root, name).collect()


def _clean_persons(root: Path) -> pl.DataFrame:
    """Census person records without an injected error (those are checked separately)."""
    errs = _table(root, "truth_errors").filter(
        (pl.col("table") == "persons") & pl.col("person_no").is_not_null()
    )
    return _table(root, "persons").join(
        errs.select("household_id", "person_no"), on=["household_id", "person_no"], how="anti"
    )


def test_national_shares_within_the_acceptance_tolerances(population: Path) -> None:
    rep = report.build(population)
    assert rep.scope == "national"
    checked = [r for r in rep.rows if r.tolerance is not None]
    assert {r.indicator for r in checked} >= {
        "sex_ratio",
        "age_0_14_pct",
        "age_15_59_pct",
        "age_60_plus_pct",
        "age_65_plus_pct",
        "avg_family_household_size",
        "urban_pct",
        "hukou_separated_pct",
        "ethnic_minorities_pct",
    }
    failed = [(r.indicator, r.target, r.generated) for r in checked if not r.within]
    assert not failed
    # Calibrated exactly, so much tighter than the tolerance even at this size.
    assert abs(rep.row("hukou_separated_pct").difference) < 0.1
    assert abs(rep.row("edu_university_per_100k").difference) < 20
    assert abs(rep.row("collective_pct").difference) < 0.05


def test_manifest_counts_match_the_parts(population: Path) -> None:
    manifest = json.loads((population / "manifest.json").read_text("utf-8"))
    assert manifest["persons"] == PERSONS and manifest["chunks"] == 3
    assert set(manifest["tables"]) == set(TABLES)
    for name, info in manifest["tables"].items():
        assert read_table(population, name).select(pl.len()).collect().item() == info["rows"]
    assert manifest["config"]["registers"]["missed_by_census"] == 0.0005
    assert len(list((population / "persons").glob("part-*.parquet"))) == 3


def test_every_id_is_valid_except_the_injected_ones(population: Path) -> None:
    persons = _table(population, "persons")
    errs = _table(population, "truth_errors")
    bad = errs.filter(pl.col("error_type") == "bad_check_digit")
    injected = set(zip(bad["household_id"], bad["person_no"], strict=True))
    assert len(injected) > 10
    ids = persons.filter(pl.col("citizen_id").is_not_null())
    for hid, no, number in ids.select("household_id", "person_no", "citizen_id").iter_rows():
        valid = citizen_id.check(number).valid
        assert valid != ((hid, no) in injected), (hid, no)


def test_ids_agree_with_hukou_county_sex_and_birth(population: Path) -> None:
    truth = _table(population, "truth_persons").filter(pl.col("citizen_id").is_not_null())
    table = divisions()
    legacy = 0
    for row in truth.head(6000).iter_rows(named=True):
        number = row["citizen_id"]
        result = citizen_id.check(number)
        assert result.clean, result.issues
        assert int(number[16]) % 2 == (1 if row["sex"] == 1 else 0)
        assert (
            number[6:14] == f"{row['birth_year']:04d}{row['birth_month']:02d}{row['birth_day']:02d}"
        )
        if number[:6] != row["hukou_county"]:
            legacy += 1
            assert number[:4] == row["hukou_county"][:4]  # an older code of the same prefecture
            assert table.get(number[:6]).last_year is not None  # type: ignore[union-attr]
    assert 0 < legacy < 600


def test_persons_without_id_have_a_reason(population: Path) -> None:
    truth = _table(population, "truth_persons")
    no_id = truth.filter(pl.col("citizen_id").is_null())
    assert no_id.height > 0
    assert no_id["no_id_reason"].is_not_null().all()
    assert set(no_id["no_id_reason"].unique()) <= {"hukou_pending", "unregistered_newborn"}
    persons = _table(population, "persons").filter(pl.col("citizen_id").is_null())
    assert (persons["hukou_place"] == 5).all()


def test_separated_persons_are_registered_twice_consistently(population: Path) -> None:
    truth = _table(population, "truth_persons")
    persons = _table(population, "persons")
    sep = truth.filter(
        pl.col("separated")
        & pl.col("hukou_household_id").is_not_null()
        & ~pl.col("missed_by_census")
    )
    assert sep.height > 0.3 * PERSONS
    res = sep.join(
        persons,
        left_on=["residence_household_id", "residence_person_no"],
        right_on=["household_id", "person_no"],
    )
    huk = sep.join(
        persons,
        left_on=["hukou_household_id", "hukou_person_no"],
        right_on=["household_id", "person_no"],
    )
    assert res.height == huk.height == sep.height
    assert (res["residence_at_reference"] == 1).all()
    assert res["hukou_place"].is_in([3, 4]).all()
    assert (res["time_away_from_hukou"] >= 3).all()
    assert res["reason_away"].is_not_null().all()
    assert res.filter(pl.col("hukou_place") == 4)["hukou_county"].is_not_null().all()
    assert huk["residence_at_reference"].is_in([4, 5]).all()
    assert (huk["hukou_place"] == 1).all()
    assert huk.filter(pl.col("residence_at_reference") == 5)["residence_county"].is_not_null().all()
    both = res.select("person_key", "time_away_from_hukou", "reason_away", "name").join(
        huk.select("person_key", "time_away_from_hukou", "reason_away", "name"), on="person_key"
    )
    assert (both["time_away_from_hukou"] == both["time_away_from_hukou_right"]).all()
    assert (both["reason_away"] == both["reason_away_right"]).all()


def test_household_counts_and_heads_are_coherent(population: Path) -> None:
    households = _table(population, "households").filter(pl.col("household_no") != "999")
    persons = _table(population, "persons")
    per = persons.group_by("household_id").agg(
        pl.len().alias("n"),
        (pl.col("residence_at_reference") == 1).sum().alias("present"),
        (pl.col("relationship") == 0).sum().alias("heads"),
    )
    joined = households.join(per, on="household_id", how="left")
    assert (joined["persons_present"] + joined["persons_hukou_here_absent"] == joined["n"]).all()
    assert (joined["persons_present"] == joined["present"]).all()
    family = joined.filter(pl.col("household_type") == 1)
    assert (family["heads"] == 1).mean() > 0.995  # duplicates and omissions may disturb a few
    assert households["household_id"].n_unique() == households.height
    assert households["small_area_code"].str.len_chars().eq(15).all()
    per_area = (
        persons.filter(pl.col("residence_at_reference") == 1)
        .group_by(pl.col("household_id").str.slice(0, 12))
        .len()
    )
    assert per_area["len"].max() <= 2000


def test_spouse_and_parent_child_ages_are_plausible(population: Path) -> None:
    persons = _table(population, "persons").with_columns(
        (2020 - pl.col("birth_year_month_year")).alias("age")
    )
    heads = persons.filter(pl.col("relationship") == 0).select(
        "household_id", pl.col("age").alias("head_age")
    )
    rel = persons.join(heads, on="household_id")
    spouse_gap = rel.filter(pl.col("relationship") == 1).select(
        (pl.col("head_age") - pl.col("age")).abs()
    )
    assert spouse_gap.to_series().quantile(0.95) <= 15
    child_gap = rel.filter(pl.col("relationship") == 2).select(pl.col("head_age") - pl.col("age"))
    assert child_gap.to_series().quantile(0.01) >= 14


def test_skip_rules_of_the_short_form(population: Path) -> None:
    p = _clean_persons(population).with_columns(
        (2020 - pl.col("birth_year_month_year") - (pl.col("birth_year_month_month") >= 11)).alias(
            "age"
        )
    )
    assert p.filter(pl.col("hukou_place") == 5)["time_away_from_hukou"].is_null().all()
    assert p.filter(pl.col("time_away_from_hukou") == 1)["reason_away"].is_null().all()
    assert p.filter(pl.col("age") < 3)["education"].is_null().all()
    assert p.filter(pl.col("age") < 15)["literate"].is_null().all()
    assert p.filter(pl.col("hukou_place") != 4)["hukou_county"].is_null().all()
    assert p.filter(pl.col("residence_at_reference") != 5)["residence_county"].is_null().all()
    assert "person_key" not in p.columns  # the census side never carries the truth


def test_long_form_sample_and_universes(population: Path) -> None:
    households = _table(population, "households")
    eligible = households.filter(pl.col("persons_present") > 0)
    share = (eligible["form"] == "long").mean()
    assert share == pytest.approx(0.10, abs=0.01)
    assert households.filter(pl.col("persons_present") == 0)["form"].eq("short").all()
    persons = _clean_persons(population).join(
        households.select("household_id", "form"), on="household_id"
    )
    short = persons.filter(pl.col("form") == "short")
    assert short["marital_status"].is_null().all() and short["health_status"].is_null().all()
    long = persons.filter(pl.col("form") == "long").with_columns(
        (2020 - pl.col("birth_year_month_year") - (pl.col("birth_year_month_month") >= 11)).alias(
            "age"
        )
    )
    assert long.filter(pl.col("age") < 60)["health_status"].is_null().all()
    assert long.filter(pl.col("age") >= 60)["health_status"].is_not_null().all()
    women = long.filter((pl.col("sex") == 2) & pl.col("age").is_between(15, 64))
    assert women["children_ever_born_male"].is_not_null().all()
    assert long.filter(pl.col("sex") == 1)["children_ever_born_male"].is_null().all()


def test_deaths_match_household_counts(population: Path) -> None:
    households = _table(population, "households")
    forms = _table(population, "death_forms")
    assert forms.height == int(
        households.select(pl.col("deaths_male").sum() + pl.col("deaths_female").sum()).item()
    )
    died = households.filter(pl.col("household_no") == "999")
    assert died.height > 0
    assert died["persons_present"].is_null().all()
    per = forms.group_by("household_id").agg(
        pl.len().alias("n"), pl.col("death_no").max().alias("m")
    )
    assert (per["n"] == per["m"]).all()
    assert forms["death_year_month_year"].is_in([2019, 2020]).all()


def test_truth_lists_every_person_and_error(population: Path) -> None:
    truth = _table(population, "truth_persons")
    assert truth.height == PERSONS and truth["person_key"].n_unique() == PERSONS
    errs = _table(population, "truth_errors")
    kinds = set(errs["error_type"].unique())
    assert {"bad_check_digit", "id_sex_mismatch", "name_typo", "skipped_item"} <= kinds
    assert {"missed_by_census", "census_duplicate", "stale_address", "wrong_birth_month"} <= kinds
    missed = truth.filter(pl.col("missed_by_census"))
    assert missed["residence_household_id"].is_null().all()
    assert missed.height == round(PERSONS * 0.0005)
    hukou = _table(population, "registers_hukou")
    assert hukou["citizen_id"].is_in(missed["citizen_id"].drop_nulls()).sum() > 0


def test_staff_and_dwellings(population: Path) -> None:
    staff = _table(population, "staff")
    areas = _table(population, "small_areas")
    enumerators = staff.filter(pl.col("role") == "enumerator")
    assert set(enumerators["small_area_code"]) == set(areas["small_area_code"])
    assert staff["badge_no"].n_unique() == staff.height
    assert (
        enumerators["supervisor_id"]
        .is_in(staff.filter(pl.col("role") == "supervisor")["staff_id"])
        .all()
    )
    units = _table(population, "dwelling_units")
    households = _table(population, "households").filter(pl.col("dwelling_unit_id").is_not_null())
    assert households["dwelling_unit_id"].is_in(units["dwelling_unit_id"]).all()
    assert (~units["occupied"]).sum() > 0  # some empty units


def test_hmtf_are_outside_the_population(population: Path) -> None:
    hm = _table(population, "hmtf_persons")
    assert hm.height == pytest.approx(PERSONS * 1_430_695 / 1_411_778_724, abs=5)
    assert hm["identity_or_nationality"].is_in([1, 2, 3, 4]).all()
    assert hm.filter(pl.col("identity_or_nationality") == 4)["country"].is_not_null().all()


def test_ids_are_unique_across_chunks_and_deaths(population: Path) -> None:
    living = _table(population, "truth_persons")["citizen_id"].drop_nulls()
    dead = _table(population, "truth_deaths")["citizen_id"]
    assert living.n_unique() == living.len()
    assert dead.n_unique() == dead.len()
    assert not set(living.to_list()) & set(dead.to_list())


def test_stale_register_addresses_are_other_real_townships(population: Path) -> None:
    errs = _table(population, "truth_errors").filter(pl.col("error_type") == "stale_address")
    assert errs.height > 0
    table = divisions()
    for true_value, recorded in errs.select("true_value", "recorded_value").head(200).iter_rows():
        assert recorded != true_value
        assert recorded[:6] == true_value[:6]  # same county
        assert table.get(recorded) is not None  # a real township
    reg = _table(population, "registers_hukou")
    stale = reg.join(errs.select("record_id", "recorded_value"), on="record_id")
    assert stale.height == errs.height
    assert (stale["hukou_township"] == stale["recorded_value"]).all()
    assert reg["hukou_address"].str.ends_with("号").all()


def test_family_household_sizes_resemble_2020(population: Path) -> None:
    truth = _table(population, "truth_persons").filter(~pl.col("collective"))
    sizes = (
        truth.group_by("residence_household_id")
        .len()
        .filter(pl.col("residence_household_id").is_not_null())["len"]
    )
    share = {k: float((sizes == k).mean()) for k in (1, 2, 3)}
    # 2020: one person 25.4 %, two 29.7 %, three 20.9 % (yearbook); loose bounds.
    assert 0.18 <= share[1] <= 0.32
    assert 0.22 <= share[2] <= 0.40
    assert 0.12 <= share[3] <= 0.28
    assert float((sizes >= 6).mean()) < 0.10
