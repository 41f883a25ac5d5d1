"""The batch executor gives exactly the online engine's findings, on generated households with
injected errors; and it reports bad frames with coded errors."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import polars as pl
import pytest

from headcount.errors import HeadcountError
from headcount.questionnaire.batch import validate_frames, with_messages
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.frames import to_households
from headcount.questionnaire.loader import reference_forms
from tests.unit.questionnaire import factories

Key = tuple[str, str, int | None, int | None]


def _online(data: list[dict[str, Any]]) -> tuple[set[Key], dict[Key, Any]]:
    keys: set[Key] = set()
    found: dict[Key, Any] = {}
    for hh in data:
        result = validate_household(factories.without_nulls(hh), allow_provisional=True)
        for f in result.findings:
            key = (hh["household_id"], f.rule, f.person_no, f.death_no)
            keys.add(key)
            found[key] = f
    return keys, found


@cache
def _population(form_id: str, count: int) -> tuple[list[dict[str, Any]], set[Key], dict[Key, Any]]:
    """Households with injected errors and their online findings, generated once per module."""
    data = factories.households(reference_forms()[form_id], count, seed=42, error_rate=0.4)
    online, by_key = _online(data)
    return data, online, by_key


def _batch(frame: pl.DataFrame) -> set[Key]:
    return set(frame.select("household_id", "rule", "person_no", "death_no").iter_rows())


@pytest.mark.parametrize(("form_id", "count"), [("short", 1000), ("long", 400), ("hmtf", 300)])
def test_batch_and_online_agree_on_a_generated_population(form_id: str, count: int) -> None:
    form = reference_forms()[form_id]
    data, online, by_key = _population(form_id, count)
    frames = factories.frames(form, data)
    batch = validate_frames(form, frames["households"], frames["persons"], frames["death_forms"])
    assert _batch(batch) == online
    # the comparison means something: many different edits fired, hard and soft
    rules = Counter(rule for _, rule, _, _ in online)
    assert len(rules) >= (25 if form_id != "hmtf" else 12)
    assert {f.severity for f in by_key.values()} == {"hard", "soft"}
    # severities, items and display ids agree row by row
    for row in batch.iter_rows(named=True):
        finding = by_key[(row["household_id"], row["rule"], row["person_no"], row["death_no"])]
        assert (row["severity"], row["item"], row["display_id"]) == (
            finding.severity,
            finding.item,
            finding.display_id,
        )


def test_every_short_form_edit_kind_is_exercised() -> None:
    _, online, _ = _population("short", 1000)
    fired = {rule for _, rule, _, _ in online}
    for expected in (
        "HEAD_ONE",
        "H2_TOTAL",
        "H2A_PRESENT",
        "H3_BIRTHS_MALE",
        "H4_DEATH_FORMS",
        "ALL_DIED_NO_PERSONS",
        "AGE_GAP_CHILD",
        "citizen_id.length",
        "citizen_id.check_character",
        "citizen_id.date",
        "citizen_id.province",
        "citizen_id.address",
        "citizen_id.sex",
        "birth_year_month.month",
        "education.not_asked",
        "relationship.code",
        "residence_county.place",
        "DEATH_IN_REFERENCE_YEAR",
    ):
        assert expected in fired, expected


def test_messages_match_the_online_engine() -> None:
    form = reference_forms()["short"]
    data = factories.households(form, 300, seed=9, error_rate=0.6)
    frames = factories.frames(form, data)
    _, by_key = _online(data)
    batch = validate_frames(form, frames["households"], frames["persons"], frames["death_forms"])
    rendered = with_messages(batch.head(200), form, frames["persons"])
    for row in rendered.iter_rows(named=True):
        finding = by_key[(row["household_id"], row["rule"], row["person_no"], row["death_no"])]
        assert row["message_zh"] == finding.message.zh
        assert row["message_en"] == finding.message.en


def test_row_order_does_not_matter() -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 300, seed=5, error_rate=0.5))
    first = validate_frames(form, frames["households"], frames["persons"], frames["death_forms"])
    shuffled = validate_frames(
        form,
        frames["households"].sample(fraction=1.0, shuffle=True, seed=1),
        frames["persons"].sample(fraction=1.0, shuffle=True, seed=2),
        frames["death_forms"].sample(fraction=1.0, shuffle=True, seed=3),
    )
    assert _batch(first) == _batch(shuffled)


def test_confirmations_mark_soft_findings_only() -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 300, seed=5, error_rate=0.5))
    found = validate_frames(form, frames["households"], frames["persons"], frames["death_forms"])
    soft = found.filter(pl.col("severity") == "soft").head(5)
    hard = found.filter(pl.col("severity") == "hard").head(5)
    marks = pl.concat([soft, hard]).select("household_id", "rule", "person_no", "death_no")
    confirmed = validate_frames(
        form, frames["households"], frames["persons"], frames["death_forms"], confirmations=marks
    )
    assert confirmed.height == found.height
    assert confirmed["confirmed"].sum() == soft.height


def test_persons_without_household_are_reported() -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 50, seed=5, error_rate=0))
    orphans = frames["persons"].head(2).with_columns(pl.lit("NOWHERE").alias("household_id"))
    found = validate_frames(
        form, frames["households"], pl.concat([frames["persons"], orphans]), frames["death_forms"]
    )
    assert found.filter(pl.col("rule") == "ORPHAN").height == 2
    assert found.filter(pl.col("household_id") == "NOWHERE").height == 2


def test_frames_may_hold_narrower_types_and_lazy_frames() -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 200, seed=5, error_rate=0.5))
    base = validate_frames(form, frames["households"], frames["persons"], frames["death_forms"])
    widened = frames["persons"].with_columns(
        pl.col("relationship").cast(pl.Int8),
        pl.col("ethnic_group").cast(pl.Categorical),
        pl.col("name").fill_null(""),  # an empty string is a missing answer, as online
    )
    again = validate_frames(
        form, frames["households"].lazy(), widened.lazy(), frames["death_forms"].lazy()
    )
    assert _batch(again) == _batch(base)


@pytest.mark.parametrize(
    ("change", "code", "column"),
    [
        (lambda p: p.drop("sex"), "E1210", "sex"),
        (lambda p: p.drop("person_no"), "E1210", "person_no"),
        (lambda p: p.with_columns(pl.col("sex").cast(pl.String)), "E1211", "sex"),
        (lambda p: p.with_columns(pl.col("name").cast(pl.Int64, strict=False)), "E1211", "name"),
        (
            lambda p: p.with_columns(pl.col("birth_year_month_year").cast(pl.Float64)),
            "E1211",
            "birth_year_month_year",
        ),
    ],
)
def test_bad_frames_are_coded_errors(change: Any, code: str, column: str) -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 20, seed=5))
    with pytest.raises(HeadcountError) as info:
        validate_frames(form, frames["households"], change(frames["persons"]))
    assert info.value.code == code
    assert info.value.details["column"] == column
    assert column in info.value.message("zh") and column in info.value.message("en")


def test_households_without_number_column_are_ordinary_households() -> None:
    form = reference_forms()["short"]
    data = factories.households(form, 200, seed=8, error_rate=0.5)
    for hh in data:
        hh["household_no"] = None
    frames = factories.frames(form, data)
    online, _ = _online(data)
    households = frames["households"].drop("household_no")
    found = validate_frames(form, households, frames["persons"], frames["death_forms"])
    assert _batch(found) == online
    assert any(rule == "HEAD_ONE" for _, rule, _, _ in online)


def test_duplicate_household_ids_are_a_coded_error() -> None:
    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 20, seed=5))
    doubled = pl.concat([frames["households"], frames["households"].head(3)])
    with pytest.raises(HeadcountError) as info:
        validate_frames(form, doubled, frames["persons"])
    assert info.value.code == "E1213" and info.value.details["count"] == 3


def test_frames_turn_back_into_the_same_households() -> None:
    form = reference_forms()["long"]
    data = factories.households(form, 100, seed=21, error_rate=0.0)
    frames = factories.frames(form, data)
    back = to_households(form, frames["households"], frames["persons"], frames["death_forms"])
    assert back == [factories.without_nulls(h) for h in data]
