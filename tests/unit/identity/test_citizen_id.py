from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.identity import citizen_id
from headcount.identity.citizen_id import check, check_char, consistency, mask, normalize

VALID = ["360426199101010071", "230306196304054513", "310112198504095227"]


@pytest.mark.parametrize("number", VALID)
def test_public_vectors_are_valid_and_clean(number: str) -> None:
    result = check(number)
    assert result.valid and result.clean
    assert result.normalized == number


def test_vector_born_after_reference_is_valid_but_flagged() -> None:
    result = check("110101202311012176")
    assert result.valid
    assert [i.code for i in result.issues] == ["E1106"]
    assert result.birth_date == date(2023, 11, 1)


def test_changed_address_digit_breaks_check_character() -> None:
    result = check("230307196304054513")
    assert not result.valid
    assert result.first is not None and result.first.code == "E1104"


def test_derived_fields() -> None:
    male = check("360426199101010071")
    assert (male.sex, male.birth_date, male.region) == (
        "male",
        date(1991, 1, 1),
        "江西省 九江市 德安县",
    )
    female = check("310112198504095227")
    assert female.sex == "female"
    assert female.region == "上海市 闵行区"


def test_check_char_agrees_with_closed_form() -> None:
    rng = random.Random(2020)
    for _ in range(5000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        closed = (1 - 2 * int(first17, 13)) % 11
        assert check_char(first17) == ("X" if closed == 10 else str(closed))


def test_check_char_refuses_wrong_input() -> None:
    with pytest.raises(ValueError):
        check_char("1234")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "E1101"),
        ("   ", "E1101"),
        ("3604261991010100", "E1102"),  # 16
        ("36042619910101007", "E1102"),  # 17
        ("3604261991010100711", "E1102"),  # 19
        ("36042619910101007A", "E1103"),
        ("36042619910X010071", "E1103"),
        ("36042619910101007１"[:-1] + "a", "E1103"),
        ("360426199102300071", "E1105"),  # 1991-02-30; wrong check char too, date reported
        ("360426185001010071", "E1112"),
        ("360426910101007", "E1109"),  # legacy without the legacy path
    ],
)
def test_bad_input_gets_a_code(raw: str, code: str) -> None:
    result = check(raw)
    assert not result.valid
    assert code in [i.code for i in result.issues]
    assert all(i.message("zh") and i.message("en") for i in result.issues)


def test_impossible_date_with_right_check_char() -> None:
    first17 = "36042619910230007"
    result = check(first17 + check_char(first17))
    assert [i.code for i in result.issues] == ["E1105"]


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "110105 19491231 002X",
        "110105-19491231-002X",
        "１１０１０５１９４９１２３１００２Ｘ",
        "\u3000110105194912310 02X ",
    ],
)
def test_unambiguous_forms_are_normalised(raw: str) -> None:
    result = check(raw)
    assert result.valid, result.issues
    assert result.normalized == "11010519491231002X"


def test_legacy_upgrade() -> None:
    assert citizen_id.upgrade_legacy("360426910101007") == "360426199101010071"
    result = check("360426910101007", allow_legacy=True)
    assert result.valid and result.legacy_upgraded
    assert result.normalized == "360426199101010071"
    with pytest.raises(ValueError):
        citizen_id.upgrade_legacy("36042691010100X")


def test_abolished_code_still_valid_for_people_born_before() -> None:
    first17 = "11010319650101001"  # 110103 崇文区, abolished 2010
    result = check(first17 + check_char(first17))
    assert result.clean and result.region == "北京市 崇文区"


def test_abolished_code_flagged_for_people_born_long_after() -> None:
    first17 = "11010320150101001"
    result = check(first17 + check_char(first17))
    assert result.valid
    assert [i.code for i in result.issues] == ["E1108"]


def test_code_created_after_birth_year_is_not_rejected() -> None:
    # 310112 闵行区 dates from 1981; a 1950-born resident holds it legitimately.
    first17 = "31011219500101001"
    assert check(first17 + check_char(first17)).clean


def _synthetic(address: str, birth: str = "19800101", sequence: str = "001") -> str:
    first17 = address + birth + sequence
    return first17 + check_char(first17)


@pytest.mark.parametrize("address", ["119999", "360499", "440399", "469999", "500399"])
def test_unknown_county_of_a_real_province_is_a_soft_flag(address: str) -> None:
    result = check(_synthetic(address))
    assert result.valid
    assert [i.code for i in result.issues] == ["E1107"]
    assert result.issues[0].severity == "soft"


@pytest.mark.parametrize(
    "address", ["000000", "001011", "999999", "990101", "100101", "200101", "720101", "840101"]
)
def test_impossible_province_is_a_hard_fault(address: str) -> None:
    number = _synthetic(address)
    assert check_char(number[:17]) == number[17]  # only the province is wrong
    result = check(number)
    assert not result.valid
    assert [(i.code, i.severity) for i in result.issues] == [("E1113", "hard")]
    assert result.first is not None and result.first.code == "E1113"
    assert result.region is None
    assert address[:2] in result.first.message("en") and result.first.message("zh")
    assert number not in result.first.message("zh") + result.first.message("en")
    assert result.to_json()["code"] == "E1113" and result.to_json()["valid"] is False


def test_impossible_province_is_refused_on_the_legacy_path_too() -> None:
    result = check("990101800101001", allow_legacy=True)
    assert result.legacy_upgraded
    assert [i.code for i in result.issues] == ["E1113"]


@pytest.mark.parametrize(
    ("number", "province"),
    [
        (_synthetic("460100", "19700101"), "海南省"),  # 46 exists only since 1988
        (_synthetic("500101", "19600101"), "重庆市"),  # 50 only since 1997 (split from 51)
        (_synthetic("510221", "19600101"), "四川省"),  # a Sichuan code moved to Chongqing in 1997
        (_synthetic("110103", "19650101"), "北京市"),  # 崇文区, abolished 2010
        (_synthetic("710000"), "台湾省"),
    ],
)
def test_historical_provinces_are_real_provinces(number: str, province: str) -> None:
    result = check(number)
    assert result.valid
    assert "E1113" not in [i.code for i in result.issues]
    assert result.region is not None and result.region.startswith(province)


def test_legacy_numbers_with_historical_codes_keep_working() -> None:
    # 15-digit numbers of an abolished county (110103 崇文区) and of old Sichuan (5102xx).
    for legacy in ("110103650101001", "510221600101002"):
        result = check(legacy, allow_legacy=True)
        assert result.valid and result.legacy_upgraded and result.region is not None


@pytest.mark.parametrize("code", ["810000", "820000", "830000"])
def test_hmt_residence_permit_codes(code: str) -> None:
    first17 = code + "19800101001"
    assert check(first17 + check_char(first17)).clean


def test_consistency_edits() -> None:
    result = check("360426199101010071")  # male, 1991-01
    assert consistency(result, sex_code=1, birth_year=1991, birth_month=1) == []
    codes = [i.code for i in consistency(result, sex_code=2, birth_year=1991, birth_month=2)]
    assert codes == ["E1110", "E1111"]


def test_mask_hides_birth_date_and_sequence() -> None:
    assert mask("360426199101010071") == "3****************1"
    assert mask("11010519491231002X", "area") == "110105***********X"
    assert mask("ab") == "**"
    assert mask("") == ""
    assert "19910101" not in str(check("360426199101010071").to_json())


@given(st.text(max_size=40))
def test_check_never_raises(raw: str) -> None:
    result = check(raw)
    assert result.valid in (True, False)
    assert result.valid or result.first is not None


@given(st.integers(min_value=0, max_value=10**17 - 1), st.sampled_from(["", " ", "-", "\u3000"]))
def test_normalisation_is_idempotent_and_separator_blind(n: int, sep: str) -> None:
    first17 = f"{n:017d}"
    number = first17 + check_char(first17)
    spaced = sep.join([number[:6], number[6:14], number[14:]])
    assert normalize(spaced) == number
    assert normalize(normalize(spaced)) == normalize(spaced)
    assert check(spaced).normalized == check(number).normalized
