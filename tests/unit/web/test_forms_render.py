"""The questionnaire page renderer: posted fields → household JSON, fields shown by routing."""

from __future__ import annotations

from typing import Any

import pytest

from headcount.errors import HeadcountError
from headcount.questionnaire.loader import get_form
from headcount.web import forms_render as fr

FORM = get_form("short")


def test_posted_fields_become_contract_values() -> None:
    posted = {
        "h-household_type": "1",
        "h-persons_present": "3",
        "h-births-male": "1",
        "h-births-female": "",
        "h-floor_area_m2": "72.5",
        "h-dwelling_type": "",
    }
    keys = ["household_type", "persons_present", "births", "floor_area_m2", "dwelling_type"]
    values, problems = fr.parse(FORM.household_items, posted, "h", keys)
    assert problems == {}
    assert values == {
        "household_type": 1,
        "persons_present": 3,
        "births": {"male": 1, "female": 0},
        "floor_area_m2": 72.5,
        "dwelling_type": None,
    }


def test_person_values_year_month_code_strings_places_and_ids() -> None:
    posted = {
        "p-birth_year_month-year": "1985",
        "p-birth_year_month-month": "7",
        "p-ethnic_group": "01",
        "p-residence_county": "110105",
        "p-citizen_id": " 11010519850701001x ",
    }
    keys = ["birth_year_month", "ethnic_group", "residence_county", "citizen_id"]
    values, problems = fr.parse(FORM.person_items, posted, "p", keys)
    assert problems == {}
    assert values["birth_year_month"] == "1985-07"
    assert values["ethnic_group"] == "01"
    assert values["residence_county"] == "110105"
    assert values["citizen_id"] == "11010519850701001X"


@pytest.mark.parametrize(
    ("key", "posted"),
    [
        ("persons_present", {"h-persons_present": "three"}),
        ("household_type", {"h-household_type": "7"}),
        ("births", {"h-births-male": "x"}),
    ],
)
def test_unreadable_values_are_dropped_and_reported_in_both_languages(
    key: str, posted: dict[str, str]
) -> None:
    values, problems = fr.parse(FORM.household_items, posted, "h", [key])
    assert values[key] is None
    assert problems[key].zh and problems[key].en


def test_a_year_month_needs_both_parts_and_a_real_month() -> None:
    for year, month in (("1985", "13"), ("85", "7"), ("", "7")):
        posted = {"p-birth_year_month-year": year, "p-birth_year_month-month": month}
        _, problems = fr.parse(FORM.person_items, posted, "p", ["birth_year_month"])
        assert "birth_year_month" in problems


def test_items_not_on_the_page_are_left_alone() -> None:
    values, _ = fr.parse(FORM.household_items, {"h-rooms": "4"}, "h", ["household_type"])
    assert values == {"household_type": None}


def test_only_asked_items_are_shown_and_a_skip_hides_items() -> None:
    record: dict[str, Any] = {
        "form": "short",
        "household_no": "001",
        "items": {"dwelling_type": 2},
        "persons": [],
    }
    asked = fr.asked(record)
    assert asked is not None
    views = fr.fields(FORM, "household", record["items"], asked["household"], "zh")
    keys = [v.item.key for v in views]
    assert "dwelling_type" in keys and "floor_area_m2" not in keys and "rooms" not in keys
    person: dict[str, Any] = {
        "relationship": 0,
        "residence_at_reference": 5,
        "residence_county": "110105",
    }
    record["persons"] = [person]
    asked = fr.asked(record)
    assert asked is not None
    views = fr.fields(FORM, "person", person, asked["persons"][0], "en")
    county = next(v for v in views if v.item.key == "residence_county")
    assert county.place_name == "北京市 朝阳区" and county.kind == "place"
    radio = next(v for v in views if v.item.key == "residence_at_reference")
    assert radio.kind == "radio" and [o.checked for o in radio.options].count(True) == 1


def test_form_tokens_are_per_session() -> None:
    token = fr.form_token("session-a")
    fr.check_form_token("session-a", token)
    with pytest.raises(HeadcountError):
        fr.check_form_token("session-b", token)
    with pytest.raises(HeadcountError):
        fr.check_form_token("session-a", None)


def test_a_county_can_be_typed_by_name_and_a_shared_name_lists_the_codes() -> None:
    keys = ["residence_county"]
    by_name, problems = fr.parse(
        FORM.person_items, {"p-residence_county": "北京市朝阳区"}, "p", keys
    )
    assert problems == {} and by_name["residence_county"] == "110105"
    unique, _ = fr.parse(FORM.person_items, {"p-residence_county": "海淀区"}, "p", keys)
    assert unique["residence_county"] == "110108"
    _, shared = fr.parse(FORM.person_items, {"p-residence_county": "朝阳区"}, "p", keys)
    assert "110105" in shared["residence_county"].zh and "220104" in shared["residence_county"].en
    _, unknown = fr.parse(FORM.person_items, {"p-residence_county": "不存在县"}, "p", keys)
    assert "6" in unknown["residence_county"].zh
