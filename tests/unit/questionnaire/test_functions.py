"""Every built-in function gives the same answer in Python (online) and in Polars (batch)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.identity import citizen_id
from headcount.identity.citizen_id import check_char
from headcount.questionnaire.functions import FUNCTIONS, ID_HELPERS

IDS = [
    "360426199101010071",  # valid (python-stdnum example)
    "230306196304054513",  # valid, code created after the birth year
    "110101202311012176",  # valid, born after the census
    "310112198504095227",  # valid, female
    "230307196304054513",  # wrong check character
    "36042619910101007",  # 17 characters
    "3604261991010100711",  # 19
    "3604261991010100",  # 16
    "36042619910230007X",  # 30 February
    "36042618790101007X",  # before 1880
    "36042619911301007X",  # month 13
    "36042620000229001X",  # leap day 2000
    "36042619000229001X",  # not a leap day in 1900
    "36042620040229001X",  # leap day 2004
    "36042619960431001X",  # 31 April
    "36042618800101001X",  # the earliest accepted date
    "36042618791231001X",  # a day before it
    "3604261991X101007X",  # X inside
    "36042619910101007x",  # lowercase (normalised input never has it)
    "ABCDEFGHIJKLMNOPQR",
    "99999919910101007X",  # unknown area code
    "999999199101010072",  # impossible province 99, right check character
    "000000199101010074",  # impossible province 00
    "119999199101010079",  # unknown county of a real province
    "46010019700101001X",  # 46 海南, a province only since 1988
    "810000198001010017",  # Hong Kong permit area code
    "",
    None,
]


def _polars(name: str, values: list[Any], dtype: pl.DataType) -> list[Any]:
    fn = FUNCTIONS[name]
    frame = pl.DataFrame({"x": values}, schema={"x": dtype})
    x = pl.col("x")
    if fn.uses_helpers:
        refs: dict[str, pl.Expr] = {}
        for helper, (_, build) in ID_HELPERS.items():
            frame = frame.with_columns(build(x, refs).alias(f"__{helper}"))
            refs[helper] = pl.col(f"__{helper}")
        expr = fn.polars(x, refs)
    else:
        expr = fn.polars(x)
    return frame.select(expr.alias("out"))["out"].to_list()


@pytest.mark.parametrize(
    "name",
    [
        "id_chars_ok",
        "id_check_ok",
        "id_date_ok",
        "id_birth_year",
        "id_birth_month",
        "id_sex",
        "id_area_known",
        "id_province_ok",
        "length",
    ],
)
def test_id_functions_agree(name: str) -> None:
    values = [v if v != "" else None for v in IDS] + [""]
    python = [FUNCTIONS[name].python(v) for v in values]
    assert python == _polars(name, values, pl.String())


def test_id_functions_known_answers() -> None:
    py = {n: FUNCTIONS[n].python for n in FUNCTIONS}
    assert py["id_check_ok"]("360426199101010071") is True
    assert py["id_check_ok"]("230307196304054513") is False
    assert py["id_check_ok"]("36042619910101007") is None  # length is reported by its own edit
    assert py["id_date_ok"]("36042619910230007X") is False
    assert py["id_date_ok"]("36042620000229001X") is True
    assert py["id_date_ok"]("36042619000229001X") is False
    assert py["id_sex"]("310112198504095227") == 2
    assert py["id_sex"]("360426199101010071") == 1
    assert (
        py["id_birth_year"]("360426199101010071"),
        py["id_birth_month"]("360426199101010071"),
    ) == (1991, 1)
    assert py["id_area_known"]("99999919910101007X") is False
    assert py["id_area_known"]("810000198001010017") is True
    assert py["id_province_ok"]("999999199101010072") is False
    assert py["id_province_ok"]("000000199101010074") is False
    assert py["id_province_ok"]("119999199101010079") is True
    assert py["id_area_known"]("119999199101010079") is False
    assert py["id_province_ok"]("830000198001010018") is True
    assert py["id_province_ok"]("99999919910101007") is None  # length is its own edit
    assert py["id_chars_ok"]("3604261991X101007X") is False


@pytest.mark.parametrize(
    ("name", "values", "dtype"),
    [
        ("known_county", ["110105", "110100", "999999", "11010", None], pl.String()),
        ("known_province", ["110000", "810000", "110105", None], pl.String()),
        ("abs", [-3, 0, 4, None], pl.Int64()),
        ("is_null", [1, None], pl.Int64()),
    ],
)
def test_other_functions_agree(name: str, values: list[Any], dtype: pl.DataType) -> None:
    python = [FUNCTIONS[name].python(v) for v in values]
    assert python == _polars(name, values, dtype)


def test_if_treats_unknown_as_false_in_both() -> None:
    fn = FUNCTIONS["if"]
    conds = [True, False, None]
    python = [fn.python(c, 1, 2) for c in conds]
    frame = pl.DataFrame({"c": conds}, schema={"c": pl.Boolean})
    polars = frame.select(fn.polars(pl.col("c"), pl.lit(1), pl.lit(2)).alias("o"))["o"].to_list()
    assert python == polars == [1, 2, 2]


_ID_TEXT = st.text(alphabet="0123456789X", min_size=15, max_size=19)


def _valid_ids() -> st.SearchStrategy[str]:
    def build(area: str, year: int, month: int, day: int, seq: int) -> str:
        first17 = f"{area}{year:04d}{month:02d}{day:02d}{seq:03d}"
        return first17 + check_char(first17)

    return st.builds(
        build,
        st.sampled_from(["110101", "360426", "999999", "119999", "000101", "810000"]),
        st.integers(1850, 2030),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 999),
    )


@settings(max_examples=200, deadline=None)
@given(st.one_of(_ID_TEXT, _valid_ids()))
def test_id_edits_agree_with_the_identity_module(number: str) -> None:
    """The ID edits are hard exactly when headcount.identity.citizen_id says the number is wrong."""
    py = {n: FUNCTIONS[n].python for n in FUNCTIONS}
    hard = (
        py["length"](number) != 18
        or py["id_chars_ok"](number) is False
        or py["id_check_ok"](number) is False
        or py["id_date_ok"](number) is False
        or py["id_province_ok"](number) is False
    )
    assert hard == (not citizen_id.check(number, allow_legacy=False).valid)
    polars = {
        name: _polars(name, [number], pl.String())[0]
        for name in (
            "id_chars_ok",
            "id_check_ok",
            "id_date_ok",
            "id_province_ok",
            "id_birth_year",
            "id_sex",
        )
    }
    assert polars == {name: py[name](number) for name in polars}
