"""The plan: which scopes, rows and extracts a schedule destroys at a date, over an inventory."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.retention import schedule as schedules
from headcount.retention.plan import (
    ExtractFound,
    Inventory,
    ScopeHolding,
    classes_of,
    describe,
    make_plan,
)

SCHEDULE = schedules.parse(
    b"""format: headcount-retention-schedule
version: 1
revision: 1
wave: "2020"
calendar: {processing_close: 2021-05-11}
rules:
  - {class: household_originals, action: shred, after: {months: 6}, delete_rows: true}
  - {class: register_copies, action: shred, after: {months: 3}}
  - {class: extracts, action: delete, after: {months: 12}, paths: [x]}
  - {class: processing_key, action: shred, after: {months: 12}}
""",
    name="t.yaml",
)
COUNTY = ScopeHolding(
    "2020:110101",
    {"households": 5, "persons": 12, "register_entries": 4},
    {"households": 5, "persons": 12, "form_responses": 6},
    shredded=False,
)
STAFF = ScopeHolding("2020:staff", {"staff": 9}, {}, shredded=False)
EXTRACT = ExtractFound(Path("/x/e1"), "ab" * 32, "2020", "2021-01-01T00:00:00Z", 11, 5000)


def plan_at(
    day: date, *scopes: ScopeHolding, extracts: tuple[ExtractFound, ...] = ()
) -> dict[str, Any]:
    return describe(make_plan(SCHEDULE, Inventory(scopes, extracts), day))


def kinds(plan: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(a["kind"], a["target"], a["is_due"]) for a in plan["actions"]]


def test_nothing_is_due_before_the_rule_and_everything_after() -> None:
    before = plan_at(date(2021, 11, 10), COUNTY, STAFF, extracts=(EXTRACT,))
    assert kinds(before) == [
        ("shred_scope", "2020:110101", False),
        ("delete_rows", "2020:110101", False),
        ("delete_extract", "/x/e1", False),
    ]
    on_the_day = plan_at(date(2021, 11, 11), COUNTY, STAFF, extracts=(EXTRACT,))
    assert [a[2] for a in kinds(on_the_day)] == [True, True, False]
    assert on_the_day["actions"][1]["rows"] == {"households": 5, "persons": 12, "form_responses": 6}
    assert on_the_day["kept"] == [{"scope": "2020:staff", "classes": ["staff_records"]}]


def test_a_scope_holding_two_classes_goes_at_the_earliest_of_their_dates() -> None:
    shared = ScopeHolding(
        "2020:110102", {"households": 2, "register_persons": 7}, {"households": 2}, False
    )
    (shred, rows) = make_plan(SCHEDULE, Inventory((shared,)), date(2021, 8, 11)).actions
    assert (shred.rule, shred.due, shred.is_due) == ("register_copies", date(2021, 8, 11), True)
    assert shred.classes == ("household_originals", "register_copies")
    assert rows.rows == {"households": 2}


def test_a_scope_with_a_kept_class_beside_a_destroyed_one_is_refused() -> None:
    mixed = ScopeHolding("2020:110103", {"households": 2, "staff": 1}, {}, False)
    with pytest.raises(HeadcountError) as caught:
        make_plan(SCHEDULE, Inventory((COUNTY, mixed)), date(2030, 1, 1))
    assert caught.value.problem is errors.RETENTION_SCOPE_SHARED
    assert caught.value.details["scope"] == "2020:110103"
    unknown = ScopeHolding("2020:110104", {"households": 2, "new_table": 1}, {}, False)
    with pytest.raises(HeadcountError):
        make_plan(SCHEDULE, Inventory((unknown,)), date(2030, 1, 1))


def test_a_shredded_scope_with_rows_left_gets_only_their_deletion() -> None:
    half_done = ScopeHolding("2020:110101", {}, {"persons": 3}, shredded=True)
    done = ScopeHolding("2020:110105", {}, {}, shredded=True)
    plan = plan_at(date(2022, 1, 1), half_done, done)
    assert kinds(plan) == [("delete_rows", "2020:110101", True)]
    assert plan["kept"] == []


def test_other_waves_and_their_extracts_are_left_alone() -> None:
    other = ScopeHolding("2010:110101", {"households": 1}, {"households": 1}, False)
    old = ExtractFound(Path("/x/e0"), "cd" * 32, "2010", "2011-01-01T00:00:00Z", 1, 1)
    assert plan_at(date(2030, 1, 1), other, extracts=(old,))["actions"] == []


def test_classes_of_an_empty_scope_come_from_its_name() -> None:
    empty = {
        "processing:2020": ("processing_key",),
        "2020:staff": ("staff_records",),
        "2020:deaths": ("register_copies",),
        "2020:110101": ("household_originals",),
        "2020:pes-x": ("unclassified",),
    }
    for scope, classes in empty.items():
        assert classes_of(ScopeHolding(scope, {}, {}, False), "2020") == classes
    key = plan_at(date(2022, 5, 11), ScopeHolding("processing:2020", {}, {}, False))
    assert kinds(key) == [("shred_scope", "processing:2020", True)]
    assert plan_at(date(2030, 1, 1), ScopeHolding("2020:pes-x", {}, {}, False))["kept"]
