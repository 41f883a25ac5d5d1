"""The zero/full-cell rule and the sensitive-dimension configuration, by hand."""

from __future__ import annotations

import pytest

from headcount.disclosure import DEFAULT_SENSITIVE, Sensitive, full_cells, parse_sensitive
from headcount.errors import HeadcountError


def test_full_cells_by_hand() -> None:
    cells = [
        # group g1: everyone primary → full
        ("g1", "never_attended", 0),
        ("g1", "primary", 5),
        ("g1", "not_stated", 0),
        # g2: two categories → not full
        ("g2", "never_attended", 1),
        ("g2", "primary", 4),
        ("g2", "not_stated", 0),
        # g3: everyone not stated → nothing disclosed
        ("g3", "never_attended", 0),
        ("g3", "primary", 0),
        ("g3", "not_stated", 6),
        # g4: empty → no group to disclose
        ("g4", "never_attended", 0),
        ("g4", "primary", 0),
        ("g4", "not_stated", 0),
        # g5: one value unknown (an empty cell) → the group is unknown, not full
        ("g5", "never_attended", None),
        ("g5", "primary", 3),
        # g6: primary plus some not stated → not full (their value is not known)
        ("g6", "primary", 3),
        ("g6", "not_stated", 1),
        # g7: a group of one is full too (and a minimum-frequency finding besides)
        ("g7", "never_attended", 1),
        ("g7", "primary", 0),
    ]
    assert list(full_cells(cells)) == [("g1", "primary"), ("g7", "never_attended")]
    # in any order
    assert sorted(full_cells(reversed(cells))) == [("g1", "primary"), ("g7", "never_attended")]


def test_not_disclosing_values_are_configurable() -> None:
    cells = [("g", "not_stated", 4), ("g", "primary", 0)]
    assert list(full_cells(cells)) == []
    assert list(full_cells(cells, not_disclosing=frozenset())) == [("g", "not_stated")]


def test_sensitive_configuration() -> None:
    assert parse_sensitive("default") == DEFAULT_SENSITIVE
    assert {s.table for s in DEFAULT_SENSITIVE} == {
        "education_age_sex",
        "ethnicity_sex",
        "hmtf_origin_sex",
    }
    assert parse_sensitive("none") == ()
    assert parse_sensitive("ethnicity_sex=ethnicity, education_age_sex=age_group") == (
        Sensitive("ethnicity_sex", "ethnicity"),
        Sensitive("education_age_sex", "age_group"),
    )


@pytest.mark.parametrize(
    "text", ["", "ethnicity_sex", "=ethnicity", "a b=c", "ethnicity_sex=area_code"]
)
def test_bad_sensitive_configuration_is_e2156(text: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        parse_sensitive(text)
    assert caught.value.code == "E2156"
