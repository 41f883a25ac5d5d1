"""The batch edits on the synthetic census (headcount.synth), which is built independently from the
same data contract: every error the generator injected into short-form persons is found, and hard
findings fall only on households with an injected error."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from headcount.questionnaire.batch import validate_census
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.frames import to_households
from headcount.questionnaire.loader import reference_forms

synth = pytest.importorskip("headcount.synth")

# injected error → the edit that must find it
EXPECTED = {
    ("bad_check_digit", "citizen_id"): "citizen_id.check_character",
    ("id_sex_mismatch", "sex"): "citizen_id.sex",
    ("skipped_item", "ethnic_group"): "ethnic_group.required",
    ("skipped_item", "education"): "education.required",
    ("skipped_item", "birth_year_month_month"): "birth_year_month.required",
}


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "census"
    synth.generate(persons=12_000, seed=3, out=out)
    return out


def _table(root: Path, name: str) -> pl.DataFrame:
    return pl.scan_parquet(str(root / name / "*.parquet")).collect()


def test_injected_errors_are_found_and_clean_households_pass(census: Path) -> None:
    households = _table(census, "households").filter(pl.col("form") == "short")
    found = validate_census(households, _table(census, "persons"), _table(census, "death_forms"))
    assert set(found["form"].unique()) == {"short"}
    short_ids = set(households["household_id"])
    truth = _table(census, "truth_errors").filter(
        (pl.col("table") == "persons") & pl.col("household_id").is_in(list(short_ids))
    )
    checked = 0
    for row in truth.iter_rows(named=True):
        rule = EXPECTED.get((row["error_type"], row["column"]))
        if rule is None:
            continue
        hits = found.filter(
            (pl.col("household_id") == row["household_id"])
            & (pl.col("person_no") == row["person_no"])
            & (pl.col("rule") == rule)
        )
        assert hits.height == 1, (row["error_type"], rule)
        checked += 1
    assert checked >= 10
    with_errors = set(truth["household_id"])
    hard = found.filter(pl.col("severity") == "hard")
    unexplained = hard.filter(~pl.col("household_id").is_in(list(with_errors)))
    assert unexplained.height <= hard.height * 0.2, unexplained.group_by("rule").len()


def test_both_executors_agree_on_the_synthetic_census(census: Path) -> None:
    form = reference_forms()["short"]
    households = _table(census, "households").filter(pl.col("form") == "short")
    persons = _table(census, "persons")
    deaths = _table(census, "death_forms")
    batch = validate_census(households, persons, deaths)
    online = set()
    for household in to_households(form, households, persons, deaths):
        for f in validate_household(household).findings:
            online.add((household["household_id"], f.rule, f.person_no, f.death_no))
    assert set(batch.select("household_id", "rule", "person_no", "death_no").iter_rows()) == online
    assert len(online) > 20
