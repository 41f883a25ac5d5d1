"""Household drafts: the shape check before a draft is kept, and the reading of a damaged one."""

from __future__ import annotations

from typing import Any

import pytest

from headcount.errors import HeadcountError
from headcount.fieldwork import drafts


def _draft(**parts: Any) -> dict[str, Any]:
    return {"form": "short", "household_no": "001", "items": {}, "persons": [], **parts}


def test_a_well_formed_partial_draft_passes_and_reads_back_unchanged() -> None:
    draft = _draft(items={"household_type": 1, "births": {"male": 1}}, persons=[{"name": "甲"}])
    drafts.check(draft)
    record, unreadable = drafts.readable(draft, "001")
    assert unreadable == [] and record == {**draft, "deaths": []}


@pytest.mark.parametrize(
    ("draft", "code", "detail"),
    [
        (_draft(persons="甲"), "E2103", "persons"),
        (_draft(persons=[{"name": "长" * 51}]), "E2103", "persons[0].name"),
        (_draft(items={"rooms": "three"}), "E2103", "items.rooms"),
        (_draft(items={"rooms": [[[[[[1]]]]]]}), "E2104", "depth"),
        (_draft(persons=[{}] * 61), "E2104", "persons"),
        (_draft(confirmed=["X"] * 1_001), "E2104", "confirmed"),
        (_draft(persons=[{"name": "长" * 100_000}]), "E2104", "bytes"),
    ],
)
def test_malformed_or_oversized_drafts_are_refused(draft: Any, code: str, detail: str) -> None:
    with pytest.raises(HeadcountError) as refused:
        drafts.check(draft)
    assert refused.value.code == code and refused.value.problem.status == 422
    if code == "E2103":
        assert detail in [p["details"]["path"] for p in refused.value.details["problems"]]
        assert "长" * 51 not in str(refused.value.to_dict())  # places, never values
    else:
        assert refused.value.details["bound"] == detail


def test_a_damaged_draft_keeps_what_can_be_read() -> None:
    damaged = {
        "form": "long",
        "household_no": 7,
        "items": {"household_type": 1, "rooms": "three", "colour": "red"},
        "persons": [{"name": "甲", "sex": "男", "person_no": 9}, "乙", {"name": ["丙"]}],
        "deaths": {"1": {}},
        "confirmed": ["AGE_GAP_CHILD@2", 3],
        "extra": True,
    }
    record, unreadable = drafts.readable(damaged, "001")
    assert record == {
        "form": "short",
        "household_no": "001",
        "items": {"household_type": 1},
        "persons": [{"name": "甲"}, {}, {}],
        "deaths": [],
        "confirmed": ["AGE_GAP_CHILD@2"],
    }
    assert sorted(unreadable) == sorted(
        [
            "extra",
            "items.rooms",
            "items.colour",
            "persons[0].sex",
            "persons[1]",
            "persons[2].name",
            "deaths",
            "confirmed[1]",
        ]
    )
    drafts.check(record)  # what is kept can be saved again
    assert drafts.readable(["甲"], "001") == (drafts.empty_record("001"), ["record"])
    assert drafts.readable(None, "001") == (drafts.empty_record("001"), [])
