"""Number-shaped PII: validators decide, decoys stay quiet."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.identity import citizen_id
from headcount.scan.numbers import NumberRecognizer, check_char, luhn_ok
from tests.unit.scan.conftest import CARD, ID, make_id

TODAY = date(2026, 1, 1)


def found(text: str, header: str = "") -> list[tuple[str, str]]:
    return [(h.type, text[h.start : h.end]) for h in NumberRecognizer(TODAY).find(text, header)]


@pytest.mark.parametrize(
    "written",
    [
        ID,
        f"{ID[:6]} {ID[6:14]} {ID[14:]}",
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
        ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "360426199101010071",  # the python-stdnum example
        "230306196304054513",  # code created after the birth year: still valid
    ],
)
def test_citizen_id_in_any_writing(written: str) -> None:
    assert found(f"身份证：{written}。") == [("citizen_id", written)]


def test_lowercase_x_check_character() -> None:
    number = next(
        make_id(f"1101011990030712{i}")
        for i in range(10)
        if make_id(f"1101011990030712{i}")[-1] == "X"
    )
    written = number[:-1] + "x"
    assert found(written) == [("citizen_id", written)]


@pytest.mark.parametrize(
    "decoy",
    [
        "110101199003071230",  # wrong check character
        "20201101123045123456",  # 20-digit timestamp
        "20201101123045",
        make_id("11010119901332123"),  # impossible date, right check character
        make_id("11010120990101123"),  # born in the future
        make_id("99010119900307123"),  # no such area code, no ID label
        "044031900111",  # invoice code
        "6222021234567890127",  # Luhn fails
        "01234567",
    ],
)
def test_decoys_are_not_reported(decoy: str) -> None:
    assert found(f"编码 {decoy} 完") == []


def test_unknown_area_with_valid_check_needs_a_label() -> None:
    number = make_id("99010119900307123")
    assert found(f"身份证号 {number}") == [("citizen_id", number)]


def test_legacy_fifteen_digit_number_needs_a_label() -> None:
    assert found("360426910101007") == []
    assert found("旧身份证号 360426910101007") == [("citizen_id", "360426910101007")]


def test_order_number_label_suppresses_cards_and_phones_not_ids() -> None:
    assert found(f"订单号 {CARD}") == []
    assert found("订单号 13812345678") == []
    assert found(f"订单号 {ID}") == [("citizen_id", ID)]


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("13812345678", "mobile"),
        ("138 1234 5678", "mobile"),
        ("138-1234-5678", "mobile"),
        ("+86 138 1234 5678", "mobile"),
        ("0086 13812345678", "mobile"),
        ("010-62345678", "landline"),
        ("(0755)88886666", "landline"),
        ("0571 8888 6666", "landline"),
        ("+86 10 6234 5678", "landline"),
    ],
)
def test_phones(written: str, kind: str) -> None:
    hits = found(f"电话 {written}")
    assert [h[0] for h in hits] == [kind]
    assert hits[0][1] in written


def test_unseparated_landline_needs_a_label() -> None:
    assert found("编号01062345678") == []
    assert found("联系电话01062345678") == [("landline", "01062345678")]


def test_unallocated_mobile_prefix_is_not_a_phone() -> None:
    assert found("12012345678") == []
    assert found("14012345678") == []


@pytest.mark.parametrize("written", [CARD, "6222 0212 3456 7890 128", "4111111111111111"])
def test_bank_cards(written: str) -> None:
    assert found(f"银行卡 {written}") == [("bank_card", written)]


def test_card_lengths_that_order_numbers_use_need_a_label() -> None:
    eighteen = next(n for n in (f"62220212345678901{i}" for i in range(10)) if luhn_ok(n))
    assert found(f"编码 {eighteen}") == []
    assert found(f"卡号 {eighteen}") == [("bank_card", eighteen)]


def test_amount_after_a_card_is_not_part_of_it() -> None:
    # A 16-digit card whose digits followed by "855" also pass Luhn as a 19-digit number.
    card = next(
        c
        for c in (f"622202123456{i:04d}" for i in range(10000))
        if luhn_ok(c) and luhn_ok(c + "855")
    )
    assert found(f"{card} 855") == [("bank_card", card + " 855")]
    assert found(f"{card} 855.00") == [("bank_card", card)]


def test_several_numbers_in_one_run() -> None:
    text = f"1 {ID} 13812345678"
    assert found(text) == [("citizen_id", ID), ("mobile", "13812345678")]


@pytest.mark.parametrize(
    ("written", "leaks"),
    [
        ("1****************X", False),
        ("110101********123X", False),
        ("11010119900307****", True),  # birth date visible
    ],
)
def test_masked_ids(written: str, leaks: bool) -> None:
    hits = list(NumberRecognizer(TODAY).find(f"证件 {written}"))
    assert len(hits) == 1
    assert hits[0].masked
    assert hits[0].leaks is leaks


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["110101", "310112", "110103", "810000", "830000", "999999", "440300"]),
    st.integers(1850, 2030),
    st.integers(1, 13),
    st.integers(1, 31),
    st.integers(0, 999),
)
def test_fast_path_agrees_with_citizen_id_check(
    area: str, year: int, month: int, day: int, seq: int
) -> None:
    number = make_id(f"{area}{year:04d}{month:02d}{day:02d}{seq:03d}")
    result = citizen_id.check(number, reference=TODAY)
    expected = (
        result.valid
        and result.birth_date is not None
        and result.birth_date <= TODAY
        and not any(i.code == "E1107" for i in result.issues)
    )
    assert bool(found(number)) is expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_closed_form_check_character(first17: str) -> None:
    assert check_char(first17) == citizen_id.check_char(first17)


@pytest.mark.parametrize(
    "token",
    [
        "bb6d5e590c1e056dc13249570663bcbf",  # a hex digest whose digits read like a mobile number
        "15562666757d93ad",  # a 16-character request id
        "5f0c1a2e-0715-4587-9a1b-13812345678f",  # a UUID
    ],
)
def test_digits_inside_machine_tokens_are_not_numbers(token: str) -> None:
    assert found(f'{{"object":"{token}"}}') == []


def test_a_number_beside_short_letters_is_still_found() -> None:
    assert [t for t, _ in found("abc13812345678")] == ["mobile"]
    assert found("电话 13812345678, ref 5f0c1a2e") == [("mobile", "13812345678")]
