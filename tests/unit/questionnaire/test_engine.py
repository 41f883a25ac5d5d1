"""The online engine: findings, confirmations, and coded errors for every kind of bad input."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from headcount.errors import HeadcountError
from headcount.identity.citizen_id import check_char
from headcount.questionnaire.engine import validate_household

HEAD = {
    "name": "户主甲",
    "relationship": 0,
    "citizen_id": "360426199101010071",
    "sex": 1,
    "birth_year_month": "1991-01",
    "ethnic_group": "01",
    "residence_at_reference": 1,
    "hukou_place": 1,
    "time_away_from_hukou": 1,
    "education": 7,
    "literate": 1,
}
SPOUSE = {
    "name": "配偶乙",
    "relationship": 1,
    "citizen_id": "310112198504095227",
    "sex": 2,
    "birth_year_month": "1985-04",
    "ethnic_group": "01",
    "residence_at_reference": 1,
    "hukou_place": 4,
    "hukou_county": "310112",
    "time_away_from_hukou": 8,
    "reason_away": 5,
    "education": 6,
    "literate": 1,
}
BABY = {
    "name": "子女丙",
    "relationship": 2,
    "sex": 2,
    "birth_year_month": "2020-03",
    "ethnic_group": "01",
    "residence_at_reference": 1,
    "hukou_place": 1,
    "time_away_from_hukou": 1,
}


def household(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "form": "short",
        "household_no": "001",
        "items": {
            "household_type": 1,
            "persons_present": 3,
            "persons_hukou_here_absent": 0,
            "births": {"male": 0, "female": 1},
            "deaths": {"male": 0, "female": 0},
            "dwelling_type": 1,
            "floor_area_m2": 85.5,
            "rooms": 3,
        },
        "persons": [copy.deepcopy(HEAD), copy.deepcopy(SPOUSE), copy.deepcopy(BABY)],
        "confirmed": ["citizen_id.missing@3"],
    }
    base.update(changes)
    return base


def rules(result: Any) -> set[tuple[str, int | None]]:
    return {(f.rule, f.person_no) for f in result.findings}


def test_a_clean_household_is_accepted() -> None:
    result = validate_household(household())
    assert result.accepted and not result.hard
    # the baby has no ID number yet: a soft finding, confirmed
    (finding,) = result.findings
    assert finding.rule == "citizen_id.missing" and finding.confirmed and not finding.blocks


def test_unconfirmed_soft_finding_blocks_but_is_not_hard() -> None:
    result = validate_household(household(confirmed=[]))
    assert not result.accepted and not result.hard
    assert result.unconfirmed[0].target == "citizen_id.missing@3"


def test_hard_findings_cannot_be_confirmed() -> None:
    data = household()
    data["persons"][1]["relationship"] = 0
    data["confirmed"] = ["HEAD_ONE"]
    result = validate_household(data)
    assert ("HEAD_ONE", None) in rules(result)
    assert not result.accepted


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda h: h["persons"][1].update(relationship=0), ("HEAD_ONE", None)),
        (lambda h: h["items"].update(persons_present=4), ("H2_TOTAL", None)),
        (
            lambda h: h["items"].update(persons_present=2, persons_hukou_here_absent=1),
            ("H2A_PRESENT", None),
        ),
        (lambda h: h["items"].update(births={"male": 1, "female": 1}), ("H3_BIRTHS_MALE", None)),
        (lambda h: h["items"].update(deaths={"male": 1, "female": 0}), ("H4_DEATH_FORMS", None)),
        (lambda h: h["persons"][2].update(birth_year_month="1990-01"), ("AGE_GAP_CHILD", 3)),
        (lambda h: h["persons"][1].update(birth_year_month="1950-04"), ("AGE_GAP_SPOUSE", 2)),
        (lambda h: h["persons"].reverse(), ("HEAD_FIRST", 1)),
        (lambda h: h["persons"][0].update(sex=2), ("citizen_id.sex", 1)),
        (lambda h: h["persons"][0].update(birth_year_month="1991-02"), ("citizen_id.birth", 1)),
        (lambda h: h["items"].update(dwelling_type=2), ("floor_area_m2.not_asked", None)),
        (lambda h: h["persons"][2].update(education=2), ("education.not_asked", 3)),
        (lambda h: h["persons"][0].update(literate=None), ("literate.required", 1)),
        (lambda h: h["persons"][1].update(hukou_county="999999"), ("hukou_county.place", 2)),
        (lambda h: h["items"].update(rooms=45), ("rooms.soft_max", None)),
    ],
)
def test_each_edit_fires(change: Any, expected: tuple[str, int | None]) -> None:
    data = household()
    change(data)
    assert expected in rules(validate_household(data))


def test_findings_name_item_and_person_but_never_name_or_id() -> None:
    data = household()
    data["persons"][2]["birth_year_month"] = "1990-01"
    text = json.dumps(validate_household(data).to_json(), ensure_ascii=False)
    finding = next(f for f in validate_household(data).findings if f.rule == "AGE_GAP_CHILD")
    assert finding.message.zh.startswith("第3人（子女），D5 出生年月")
    assert finding.message.en.startswith("Person 3 (child), D5 year and month of birth")
    assert finding.severity == "soft" and finding.display_id == "D5"
    for secret in ("户主甲", "配偶乙", "子女丙", "360426199101010071", "310112198504095227"):
        assert secret not in text


def test_all_died_household_999() -> None:
    death = {
        "name": "未取名",
        "sex": 1,
        "birth_year_month": "1930-02",
        "death_year_month": "2020-05",
        "age_at_death": 90,
        "ethnic_group": "01",
        "education": 3,
        "marital_status": 4,
    }
    data = {
        "form": "short",
        "household_no": "999",
        "items": {"deaths": {"male": 1, "female": 0}},
        "deaths": [death],
    }
    assert validate_household(data).accepted
    data["persons"] = [copy.deepcopy(HEAD)]
    data["items"]["household_type"] = 1
    found = rules(validate_household(data))
    assert ("ALL_DIED_NO_PERSONS", None) in found
    assert ("household_type.not_asked", None) in found


def test_death_form_edits_and_confirmation_by_death_number() -> None:
    data = household()
    data["items"]["deaths"] = {"male": 1, "female": 0}
    data["deaths"] = [
        {
            "name": "某人",
            "sex": 1,
            "birth_year_month": "1940-06",
            "death_year_month": "2020-02",
            "age_at_death": 70,
            "ethnic_group": "01",
            "education": 3,
            "marital_status": 2,
        }
    ]
    result = validate_household(data)
    (death_age,) = [f for f in result.findings if f.rule == "DEATH_AGE"]
    assert death_age.death_no == 1 and death_age.target == "DEATH_AGE@d1"
    assert death_age.message.en.startswith("Death form 1, S5a")
    data["confirmed"] = ["citizen_id.missing@3", "DEATH_AGE@d1"]
    assert validate_household(data).accepted
    data["deaths"][0]["death_year_month"] = "2018-12"
    assert ("DEATH_IN_REFERENCE_YEAR", None) in rules(validate_household(data))


@pytest.mark.parametrize(
    ("citizen_id", "rule"),
    [
        ("3604261991010100", "citizen_id.length"),  # 16
        ("36042619910101007", "citizen_id.length"),  # 17
        ("3604261991010100711", "citizen_id.length"),  # 19
        ("36042619910101A071", "citizen_id.characters"),
        ("36042619910101007Y", "citizen_id.characters"),
        ("360426199101010072", "citizen_id.check_character"),
        ("36042619910230007X", "citizen_id.date"),
        ("110101202311012176", "citizen_id.born_after_reference"),
        ("999999199101010072", "citizen_id.province"),  # right check character
        ("000000199101010074", "citizen_id.province"),
        ("119999199101010079", "citizen_id.address"),  # Beijing exists, 119999 does not
    ],
)
def test_bad_citizen_ids_are_coded_findings(citizen_id: str, rule: str) -> None:
    data = household()
    data["persons"][0]["citizen_id"] = citizen_id
    assert (rule, 1) in rules(validate_household(data))


@pytest.mark.parametrize("address", ["000000", "990101", "999999", "100101", "720101"])
def test_an_impossible_province_blocks_even_when_confirmed(address: str) -> None:
    first17 = address + "19910101007"
    data = household()
    data["persons"][0]["citizen_id"] = first17 + check_char(first17)
    data["confirmed"] = ["citizen_id.missing@3", "citizen_id.province@1", "citizen_id.address@1"]
    result = validate_household(data)
    found = {(f.rule, f.severity) for f in result.findings if f.person_no == 1}
    assert found == {("citizen_id.province", "hard")}  # no second, soft address flag
    assert not result.accepted


def test_an_unknown_county_of_a_real_province_is_a_confirmable_soft_flag() -> None:
    first17 = "11999919910101007"
    data = household()
    data["persons"][0]["citizen_id"] = first17 + check_char(first17)
    result = validate_household(data)
    found = {(f.rule, f.severity) for f in result.findings if f.person_no == 1}
    assert found == {("citizen_id.address", "soft")}
    assert not result.accepted and not result.hard
    data["confirmed"] = ["citizen_id.missing@3", "citizen_id.address@1"]
    assert validate_household(data).accepted


def test_id_input_is_normalised() -> None:
    data = household()
    data["persons"][0]["citizen_id"] = " 3604 2619 9101 0100 71 "  # spaces
    data["persons"][1]["citizen_id"] = "３１０１１２１９８５０４０９５２２７"  # full-width
    assert validate_household(data).accepted


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2021-03", "birth_year_month.after_reference"),
        ("2020-11", "birth_year_month.after_reference"),
        ("1990-13", "birth_year_month.month"),
        ("1990-00", "birth_year_month.month"),
        ("1850-05", "birth_year_month.year"),
        ("", "birth_year_month.required"),
    ],
)
def test_impossible_dates_are_coded_findings(value: str, rule: str) -> None:
    data = household()
    data["persons"][0]["birth_year_month"] = value
    assert (rule, 1) in rules(validate_household(data))


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("relationship", 12, "relationship.code"),
        ("sex", 0, "sex.code"),
        ("ethnic_group", "57", "ethnic_group.code"),
        ("name", "", "name.required"),
        ("name", "   ", "name.required"),
        ("name", "名" * 51, "name.too_long"),
    ],
)
def test_unknown_codes_and_empty_values_are_coded_findings(key: str, value: Any, rule: str) -> None:
    data = household()
    data["persons"][0][key] = value
    assert (rule, 1) in rules(validate_household(data))


def _malformed(data: Any) -> HeadcountError:
    with pytest.raises(HeadcountError) as info:
        validate_household(data)
    return info.value


def test_wrong_types_are_collected_per_field() -> None:
    data = household()
    data["persons"][0]["sex"] = "1"  # a string for an integer code
    data["persons"][0]["birth_year_month"] = "1991/01"
    data["persons"][1]["citizen_id"] = 310112198504095227  # a number loses the X and zeros
    data["persons"][1]["ethnic_group"] = 1
    data["items"]["births"] = {"boys": 1}
    data["items"]["floor_area_m2"] = "85"
    data["items"]["rooms"] = True
    data["persons"][2]["shoe_size"] = 38
    data["persons"][2]["person_no"] = 7
    data["confirmed"] = ["bad code!"]
    data["extra"] = 1
    error = _malformed(data)
    assert error.code == "E1204"
    problems = error.details["problems"]
    assert error.details["count"] == len(problems) == 11
    paths = {p["details"]["path"] for p in problems}
    assert {
        "persons[0].sex",
        "persons[0].birth_year_month",
        "persons[1].citizen_id",
        "items.births",
        "persons[2].shoe_size",
        "confirmed[0]",
        "extra",
    } <= paths
    codes = {p["code"] for p in problems}
    assert codes == {"E1206", "E1207", "E1209"}
    text = json.dumps(error.to_dict(), ensure_ascii=False)
    assert "310112198504095227" not in text  # values never echoed
    for problem in problems:
        assert problem["message"]["zh"] and problem["message"]["en"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([], "E1205"),
        ("short", "E1205"),
        ({}, "E1208"),
        ({"form": 3}, "E1208"),
        ({"form": "census1990"}, "E1201"),
        ({"form": "death"}, "E1201"),  # not a household form
        ({"form": "hmtf", "items": {}}, "E1212"),  # provisional, not enabled
        ({"form": "short", "items": []}, "E1204"),
        ({"form": "short", "persons": {"a": 1}}, "E1204"),
        ({"form": "short", "persons": [1, "x"]}, "E1204"),
    ],
)
def test_malformed_households_are_coded_errors(data: Any, code: str) -> None:
    error = _malformed(data)
    assert error.code == code
    assert error.message("zh") and error.message("en")


def test_hmtf_form_when_enabled() -> None:
    data = {
        "form": "hmtf",
        "items": {"household_type": 1, "dwelling_type": 2},
        "persons": [
            {
                "name": "某人",
                "relationship": 0,
                "sex": 1,
                "birth_year_month": "1980-01",
                "identity_or_nationality": 4,
                "country": "某国",
                "purpose_of_stay": 2,
                "length_of_stay": 5,
                "education": 7,
                "work_status": 1,
                "industry": "某公司 软件",
                "occupation": "工程师",
            }
        ],
    }
    assert validate_household(data, allow_provisional=True).accepted


def test_a_household_without_number_is_checked_as_an_ordinary_household() -> None:
    data = household()
    del data["household_no"]
    data["persons"][1]["relationship"] = 0
    assert ("HEAD_ONE", None) in rules(validate_household(data))
    data["items"]["rooms"] = None
    assert ("rooms.required", None) in rules(validate_household(data))
