"""Each verified skip and universe of the short form R601 (forms-2020.md §3-§4), as routing."""

from __future__ import annotations

from typing import Any

import pytest

from headcount.questionnaire.engine import engine_for
from headcount.questionnaire.household import read_household
from headcount.questionnaire.loader import reference_forms

FORM = reference_forms()["short"]
BASE_PERSON = {
    "relationship": 0,
    "sex": 1,
    "birth_year_month": "1980-05",
    "residence_at_reference": 1,
    "hukou_place": 1,
    "time_away_from_hukou": 1,
}


def _asked(items: dict[str, Any] | None = None, household_no: str = "001", **person: Any) -> Any:
    raw = {
        "form": "short",
        "household_no": household_no,
        "items": {"household_type": 1, "dwelling_type": 1, **(items or {})},
        "persons": [{**BASE_PERSON, **person}],
    }
    return engine_for(FORM).asked_items(read_household(raw, reference_forms()))


ALWAYS = [
    "name",
    "relationship",
    "citizen_id",
    "sex",
    "birth_year_month",
    "ethnic_group",
    "residence_at_reference",
    "hukou_place",
]


def test_d1_to_d8_are_always_asked() -> None:
    for person in ({}, {"birth_year_month": "2020-10", "hukou_place": 5}):
        asked = _asked(**person)["persons"][0]
        assert all(key in asked for key in ALWAYS)


@pytest.mark.parametrize("dwelling", [2, 3, 4, 5])
def test_h5_2_to_5_skips_h6_and_h7(dwelling: int) -> None:
    asked = _asked({"dwelling_type": dwelling})["household"]
    assert "floor_area_m2" not in asked and "rooms" not in asked
    assert "persons_present" in asked


def test_h5_1_asks_h6_and_h7() -> None:
    asked = _asked({"dwelling_type": 1})["household"]
    assert "floor_area_m2" in asked and "rooms" in asked


def test_d8_5_hukou_pending_goes_to_d11() -> None:
    asked = _asked(hukou_place=5)["persons"][0]
    assert "time_away_from_hukou" not in asked and "reason_away" not in asked
    assert "education" in asked and "literate" in asked


def test_d9_1_not_left_goes_to_d11() -> None:
    asked = _asked(hukou_place=2, time_away_from_hukou=1)["persons"][0]
    assert "time_away_from_hukou" in asked and "reason_away" not in asked
    assert "education" in asked


def test_d9_other_asks_d10() -> None:
    asked = _asked(hukou_place=3, time_away_from_hukou=4)["persons"][0]
    assert "reason_away" in asked


@pytest.mark.parametrize(
    ("born", "education", "literate"),
    [
        ("2017-10", True, False),  # age 3 at 2020-11-01
        ("2017-11", False, False),  # age 2
        ("2005-10", True, True),  # age 15
        ("2005-11", True, False),  # age 14
        ("1920-01", True, True),
    ],
)
def test_d11_from_age_3_and_d12_from_age_15(born: str, education: bool, literate: bool) -> None:
    asked = _asked(birth_year_month=born)["persons"][0]
    assert ("education" in asked) is education
    assert ("literate" in asked) is literate


def test_child_under_3_ends_after_d8_d9_or_d10() -> None:
    for person, last in (
        ({"hukou_place": 5}, "hukou_place"),
        ({"hukou_place": 1, "time_away_from_hukou": 1}, "time_away_from_hukou"),
        ({"hukou_place": 3, "time_away_from_hukou": 2}, "reason_away"),
    ):
        asked = _asked(birth_year_month="2019-06", **person)["persons"][0]
        main = [k for k in asked if not k.endswith("_county")]
        assert main[-1] == last


def test_places_are_asked_for_other_county() -> None:
    asked = _asked(residence_at_reference=5, hukou_place=4, time_away_from_hukou=3)["persons"][0]
    assert "residence_county" in asked and "hukou_county" in asked
    asked = _asked(residence_at_reference=4, hukou_place=3, time_away_from_hukou=3)["persons"][0]
    assert "residence_county" not in asked and "hukou_county" not in asked


def test_household_999_fills_only_h4() -> None:
    raw = {"form": "short", "household_no": "999", "items": {"deaths": {"male": 1, "female": 0}}}
    asked = engine_for(FORM).asked_items(read_household(raw, reference_forms()))
    assert asked["household"] == ["deaths"]


def test_routing_waits_for_the_answer_it_depends_on() -> None:
    asked = _asked(birth_year_month=None)["persons"][0]
    assert "education" not in asked  # unknown until the birth month is given


def test_long_form_economic_block_follows_c18() -> None:
    long = reference_forms()["long"]
    base = {**BASE_PERSON, "marital_status": 2}

    def asked(**person: Any) -> list[str]:
        raw = {"form": "long", "items": {"household_type": 1}, "persons": [{**base, **person}]}
        record = read_household(raw, reference_forms())
        return engine_for(long).asked_items(record)["persons"][0]  # type: ignore[no-any-return]

    economic = {"employer_type", "industry", "occupation", "reason_not_working", "hours_worked"}
    assert not economic & set(asked(birth_year_month="2010-01"))  # a child: C18 not asked
    worked = set(asked(worked_last_week=1))
    assert {"employer_type", "industry", "occupation", "hours_worked"} <= worked
    assert "reason_not_working" not in worked
    idle = set(asked(worked_last_week=3))
    assert "reason_not_working" in idle and not {"employer_type", "industry"} & idle
