"""The edits on the synthetic census (headcount.synth), which is built independently from the same
data contract: every error the generator injected into persons is found, hard findings fall (almost)
only on households with an injected error, and both executors agree on its short and long forms."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from headcount.questionnaire.batch import validate_census, validate_frames
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
    households = _table(census, "households")
    found = validate_census(households, _table(census, "persons"), _table(census, "death_forms"))
    assert set(found["form"].unique()) == {"short", "long"}
    truth = _table(census, "truth_errors").filter(pl.col("table") == "persons")
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
    # Short form only: the generator's long form disagrees with the reference on a few universes
    # (employer of persons who did not work, C23 from 15 instead of 5, first marriage after
    # 2020-10), which these edits rightly report.
    hard = found.filter((pl.col("severity") == "hard") & (pl.col("form") == "short"))
    unexplained = hard.filter(~pl.col("household_id").is_in(list(with_errors)))
    assert unexplained.height <= hard.height * 0.2, unexplained.group_by("rule").len()


@pytest.mark.parametrize("form_id", ["short", "long"])
def test_both_executors_agree_on_the_synthetic_census(census: Path, form_id: str) -> None:
    form = reference_forms()[form_id]
    households = _table(census, "households").filter(pl.col("form") == form_id)
    persons = _table(census, "persons").join(households.select("household_id"), on="household_id")
    deaths = _table(census, "death_forms")
    batch = validate_census(households, persons, deaths)
    online = set()
    for household in to_households(form, households, persons, deaths):
        for f in validate_household(household).findings:
            online.add((household["household_id"], f.rule, f.person_no, f.death_no))
    assert set(batch.select("household_id", "rule", "person_no", "death_no").iter_rows()) == online
    assert online  # not vacuous: the generator injects errors into every form


def test_hmtf_tables_are_checked(census: Path) -> None:
    form = reference_forms()["hmtf"]
    households = _table(census, "hmtf_households")
    persons = _table(census, "hmtf_persons")
    batch = validate_frames(form, households, persons)
    online = set()
    for household in to_households(form, households, persons):
        result = validate_household(household, allow_provisional=True)
        online |= {(household["household_id"], f.rule, f.person_no) for f in result.findings}
    assert set(batch.select("household_id", "rule", "person_no").iter_rows()) == online
