"""Masking per data class and permission (checklist D6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.privacy.masking import (
    DATA_CLASSES,
    HIDDEN,
    VIEW_FULL,
    DataClass,
    mask,
    mask_fields,
)

ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "permissions", "expected"),
    [
        (ID, (), "1****************X"),
        (ID, ("pi.view_area",), "110105***********X"),
        ("11010519491231002x", (), "1****************X"),
        ("１１０１０５１９４９１２３１００２Ｘ", (), "1****************X"),
        (ID, ("pi.view_full",), ID),
    ],
)
def test_citizen_id(value: str, permissions: tuple[str, ...], expected: str) -> None:
    assert mask(value, "citizen_id", permissions=permissions) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # two characters: surname 欧, given name 阳
        ("王", "*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J*** *****"),
        (" 李四 ", "李*"),
    ],
)
def test_name_keeps_surname_only(name: str, expected: str) -> None:
    assert mask(name, "name") == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("0086 13812345678", "138****5678"),
        ("010-12345678", "010****5678"),
        ("6512345", "***2345"),
        ("12345", "*****"),
        ("无", HIDDEN),
    ],
)
def test_phone(phone: str, expected: str) -> None:
    assert mask(phone, "phone") == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("北京市东城区东华门街道正义路2号", "北京市东城区****"),
        ("广东省深圳市南山区粤海街道科技园", "广东省深圳市南山区****"),
        ("江苏省昆山市玉山镇人民路1号", "江苏省昆山市****"),
        ("内蒙古自治区呼和浩特市土默特左旗察素齐镇", "内蒙古自治区呼和浩特市土默特左旗****"),
        ("辽宁省朝阳市双塔区凌河街道", "辽宁省朝阳市双塔区****"),
        ("山西省阳泉市城区义井街道", "山西省阳泉市城区****"),
        ("110101 正义路2号", "北京市东城区****"),
        ("110101001 正义路2号", "北京市东城区****"),
        ("某省某市某县某乡某村", "某省某市某县****"),
        ("上海市浦东新区", "上海市浦东新区"),
        ("门牌 5 号", HIDDEN),
    ],
)
def test_address_cut_to_county(address: str, expected: str) -> None:
    assert mask(address, "address") == expected
    assert mask(address, "address", permissions={"pi.view_area"}) == expected


def test_free_text_fully_masked_and_full_view_unchanged() -> None:
    assert mask("住在张三家隔壁，电话13812345678", "free_text") == HIDDEN
    assert mask("原文", "free_text", permissions=[VIEW_FULL]) == "原文"
    assert mask("", "name") == "" and mask(None, "phone") == ""


def test_mask_fields_masks_classified_fields_only() -> None:
    record = {"name": "张三", "phone": "13812345678", "sex": "1", "note": None}
    classes: dict[str, DataClass] = {"name": "name", "phone": "phone", "note": "free_text"}
    assert mask_fields(record, classes) == {
        "name": "张*",
        "phone": "138****5678",
        "sex": "1",
        "note": None,
    }


@given(value=st.text(min_size=1, max_size=60), data_class=st.sampled_from(DATA_CLASSES))
def test_masked_value_never_reveals_a_long_run_of_the_original(
    value: str, data_class: DataClass
) -> None:
    masked = mask(value, data_class)
    assert masked != value or len(value.strip()) <= 1 or data_class == "address"
    # No masked output is longer than needed to show the county plus the marker.
    assert len(masked) <= max(len(value), 40) + len(HIDDEN)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_always_hide_the_middle_four(phone: str) -> None:
    assert mask(phone, "phone") == phone[:3] + "****" + phone[-4:]


def test_names_with_nothing_after_the_first_character_are_hidden_whole() -> None:
    # Found by Hypothesis: "0·" came back unmasked (first character kept, separator kept).
    assert mask("0·", "name") == "*·"
    assert mask("A", "name") == "*"
    assert mask("John Smith", "name") == "J*** *****"
