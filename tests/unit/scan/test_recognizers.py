"""Names, addresses, e-mail, travel documents and how the scanner combines them."""

from __future__ import annotations

import itertools

import pytest

from headcount.scan.recognizers import Scanner
from tests.unit.scan.conftest import ADDRESS, ID

SCANNER = Scanner()


def found(text: str, header: str = "") -> list[tuple[str, str]]:
    return [(h.type, text[h.start : h.end]) for h in SCANNER.scan_text(text, header)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("姓名：张伟", "张伟"),
        ("户主 王秀英，家庭人口 3 人", "王秀英"),
        ("联系人：欧阳明华", "欧阳明华"),
        ("户主李四负责本次登记", "李四"),
        ("申请人：阿依古丽·买买提", "阿依古丽·买买提"),
        ("户主为张秀兰，共3人", "张秀兰"),
        ("填报人是李强。", "李强"),
    ],
)
def test_labelled_names(text: str, name: str) -> None:
    assert ("name", name) in found(text)


def test_a_label_in_a_definition_is_not_a_name() -> None:
    # Communiqué No.1 (the publish gate refused it): the label 普查对象 followed by a definition.
    text = "普查对象是普查标准时点在中华人民共和国境内的自然人以及在境外但未定居的中国公民。"
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (f"王小明 {ID}", "王小明"),
        (f"张三，身份证号码：{ID}", "张三"),
        (f"于凯飞 {ID}", "于凯飞"),
        (f"3 刘洋 男 35 {ID}", "刘洋"),
        (f"陈静，女，{ID}", "陈静"),
    ],
)
def test_name_right_before_an_id(text: str, name: str) -> None:
    assert found(text)[0] == ("name", name)


def test_words_before_an_id_are_not_names() -> None:
    assert found(f"公民身份证号码：{ID}") == [("citizen_id", ID)]


def test_surname_characters_in_ordinary_text_are_not_names() -> None:
    assert found("王府井大街商户和居民高度配合普查工作，于是提前完成。") == []


def test_name_columns_and_rows() -> None:
    assert found("李娜", "户主姓名") == [("name", "李娜")]
    assert found("李娜", "备注") == []
    row = SCANNER.scan_row([("1", "序号"), ("李娜", ""), (ID, "证件")])
    assert [[h.type for h in cell] for cell in row] == [[], ["name"], ["citizen_id"]]
    assert SCANNER.scan_row([("李娜", ""), ("300.00", "")]) == [[], []]


@pytest.mark.parametrize(
    "address",
    [
        ADDRESS,
        "河北省保定市清苑区东闾乡东闾村3组12号",
        "新疆维吾尔自治区乌鲁木齐市天山区幸福路88号",
        "中关村大街27号",
    ],
)
def test_addresses_down_to_the_door_number(address: str) -> None:
    assert found(f"家住{address}，") == [("address", address)]


@pytest.mark.parametrize(
    "text",
    [
        "根据国发〔2020〕12号文件",
        "乘地铁3号线到人民广场",
        "第七次全国人口普查公报（第1号）",
        "北京市东城区",
    ],
)
def test_not_addresses(text: str) -> None:
    assert found(text) == []


def test_email_and_documents() -> None:
    text = "邮箱 zhang.san@example.com 护照 E12345678 回乡证 H12345678 台胞证号码：12345678"
    assert found(text) == [
        ("email", "zhang.san@example.com"),
        ("passport", "E12345678"),
        ("hk_macau_permit", "H12345678"),
        ("taiwan_permit", "12345678"),
    ]


def test_product_codes_are_not_documents() -> None:
    assert found("型号 XE12345678 与 E1234567") == []


def test_overlaps_keep_the_most_specific() -> None:
    hits = SCANNER.scan_text(f"申请人张三，身份证号码{ID}，住址{ADDRESS}，电话13812345678。")
    assert [h.type for h in hits] == ["name", "citizen_id", "address", "mobile"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(hits))
