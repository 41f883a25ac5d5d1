"""The retention schedule is checked whole: dates from the calendar, nothing due before the
processing close, kept classes never given a destroying action."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.retention import schedule as schedules

HEAD = """format: headcount-retention-schedule
version: 1
revision: 3
wave: "2020"
calendar: {reference_date: 2020-11-01, processing_close: 2021-05-11}
rules:
"""


def parse(rules: str) -> schedules.Schedule:
    return schedules.parse((HEAD + rules).encode(), name="t.yaml", base=Path("/srv/census"))


def problem(rules: str) -> errors.Problem:
    with pytest.raises(HeadcountError) as caught:
        parse(rules)
    return caught.value.problem


def test_the_shipped_schedule_counts_from_the_2020_processing_close() -> None:
    shipped = schedules.load()
    assert shipped.wave == "2020" and shipped.processing_close == date(2021, 5, 11)
    originals = shipped.rule("household_originals")
    assert (originals.action, originals.due, originals.delete_rows) == (
        "shred",
        date(2021, 11, 11),
        True,
    )
    assert shipped.rule("extracts").due == date(2022, 5, 11)
    assert {shipped.rule(c).action for c in ("audit", "aggregates", "staff_records")} == {"keep"}
    assert len(shipped.digest) == 64


def test_due_dates_add_months_then_days_and_clamp_to_the_month_end() -> None:
    assert schedules.add_months(date(2021, 8, 31), 6) == date(2022, 2, 28)
    assert schedules.add_months(date(2021, 5, 11), 19) == date(2022, 12, 11)
    rule = parse(
        "  - {class: extracts, action: delete, after: {months: 1, days: 3}, paths: [x, /y]}\n"
    ).rule("extracts")
    assert rule.due == date(2021, 6, 14)
    assert rule.paths == (Path("/srv/census/x"), Path("/y"))


def test_a_class_without_a_rule_is_kept() -> None:
    parsed = parse("  - {class: extracts, action: keep}\n")
    assert parsed.rule("household_originals").action == "keep"
    assert parsed.rule("household_originals").due is None


def test_a_rule_due_before_the_processing_close_refuses_the_schedule() -> None:
    rules = (
        "  - {class: household_originals, action: shred,"
        " after: {event: reference_date, months: 3}}\n"
    )
    with pytest.raises(HeadcountError) as caught:
        parse(rules)
    assert caught.value.problem is errors.RETENTION_BEFORE_CLOSE
    assert caught.value.details == {
        "rule": "household_originals",
        "due": "2021-02-01",
        "close": "2021-05-11",
    }
    # The same offset from the close itself is fine.
    assert parse(rules.replace("reference_date", "processing_close")).rule(
        "household_originals"
    ).due == date(2021, 8, 11)


@pytest.mark.parametrize("data_class", ["audit", "aggregates", "staff_records"])
def test_kept_classes_cannot_be_destroyed_by_this_job(data_class: str) -> None:
    assert problem(f"  - {{class: {data_class}, action: shred, after: {{months: 7}}}}\n") is (
        errors.RETENTION_CLASS_KEPT
    )


@pytest.mark.parametrize(
    "rules",
    [
        "  - {class: passports, action: shred, after: {months: 7}}\n",
        "  - {class: extracts, action: shred, after: {months: 7}}\n",
        "  - {class: extracts, action: delete, after: {months: 7}, delete_rows: true}\n",
        "  - {class: household_originals, action: shred, after: {months: 7}, paths: [a]}\n",
        "  - {class: household_originals, action: shred, after: {months: -1}}\n",
        "  - {class: household_originals, action: shred, after: {event: harvest, months: 1}}\n",
        "  - {class: household_originals, action: keep, after: {months: 1}}\n",
        "  - {class: extracts, action: keep}\n  - {class: extracts, action: keep}\n",
        "  - {class: extracts, action: keep, colour: red}\n",
        "  []\n",
    ],
)
def test_faults_are_named(rules: str) -> None:
    assert problem(rules) is errors.RETENTION_SCHEDULE_INVALID


def test_a_schedule_needs_its_processing_close_and_format() -> None:
    body = HEAD.replace("processing_close: 2021-05-11", "published: 2021-05-11")
    with pytest.raises(HeadcountError) as caught:
        schedules.parse((body + "  - {class: audit, action: keep}\n").encode(), name="t")
    assert caught.value.problem is errors.RETENTION_SCHEDULE_INVALID
    assert caught.value.details["where"] == "calendar"
    with pytest.raises(HeadcountError) as caught:
        schedules.parse(b"format: something-else\n", name="t")
    assert caught.value.details["where"] == "format"


def test_an_unreadable_file_is_its_own_problem(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as caught:
        schedules.load(tmp_path / "missing.yaml")
    assert caught.value.problem is errors.RETENTION_SCHEDULE_UNREADABLE
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"rules: [unclosed\n")
    with pytest.raises(HeadcountError) as caught:
        schedules.load(bad)
    assert caught.value.problem is errors.RETENTION_SCHEDULE_UNREADABLE
