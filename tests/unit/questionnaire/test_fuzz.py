"""Whatever a client sends, the engine answers with findings or a coded error, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.errors import HeadcountError
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.loader import reference_forms
from tests.unit.questionnaire.test_engine import household

SHORT = reference_forms()["short"]
PERSON_KEYS = [i.key for i in SHORT.person_items] + ["person_no", "nickname"]
HOUSEHOLD_KEYS = [i.key for i in SHORT.household_items] + ["colour"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=25),
    st.sampled_from(["1990-05", "2020-13", "0000-00", "36042619910101007X", "", "999", "01"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["male", "female", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _check(data: Any) -> None:
    try:
        result = validate_household(data)
    except HeadcountError as error:
        body = error.to_dict()
        assert body["code"].startswith(("E12", "E10"))
        json.dumps(body, ensure_ascii=False)
        return
    json.dumps(result.to_json(), ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(PERSON_KEYS), values, max_size=6))
def test_any_person_values(changes: dict[str, Any]) -> None:
    data = household()
    data["persons"][0].update(changes)
    _check(data)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(HOUSEHOLD_KEYS), values, max_size=5), values, values)
def test_any_household_values(changes: dict[str, Any], persons: Any, confirmed: Any) -> None:
    data = household()
    data["items"].update(changes)
    _check(data)
    data["persons"] = persons
    data["confirmed"] = confirmed
    _check(data)


@settings(max_examples=50, deadline=None)
@given(values)
def test_any_document(document: Any) -> None:
    _check(document)
    _check({"form": "short", "items": document, "deaths": document})
