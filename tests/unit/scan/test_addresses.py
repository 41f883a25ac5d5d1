"""Addresses whose division chain holds a bracketed part (township names of the division table,
东湖风景区街道（武昌）) or a ? for a lost rare character (麦?镇): found whole in every width;
other brackets and question marks still stop them."""

from __future__ import annotations

import random

import pytest

from headcount.identity import divisions
from headcount.scan.addresses import region_length
from headcount.scan.corpus import full_width, mixed_width
from headcount.scan.policy import DEFAULT_POLICY
from headcount.scan.recognizers import Scanner

SCANNER = Scanner()

# The example hypothesis found (tests/unit/scan/test_width.py, seed 11375): before the fix only
# 幸山街２56号 was reported, at 0.85.
WUCHANG = "湖北省武汉市武昌区东湖风景区街道（武昌）幸山街２56号"


def found(text: str) -> list[tuple[str, str, float]]:
    return [(h.type, text[h.start : h.end], h.confidence) for h in SCANNER.scan_text(text)]


def bracket_writings(address: str) -> list[str]:
    """``address`` with full-width, half-width and both mixed pairs of brackets."""
    half = address.replace("（", "(").replace("）", ")")
    return [
        address,
        half,
        address.replace("）", ")"),  # （…)
        address.replace("（", "("),  # (…）
        full_width(half),  # digits and letters full-width too
    ]


@pytest.mark.parametrize("address", bracket_writings(WUCHANG))
def test_the_reported_address_is_found_whole(address: str) -> None:
    text = f"住址：{address}"
    assert found(text) == [("address", address, 0.95)]
    assert region_length(address) == len("湖北省武汉市武昌区")
    masked = DEFAULT_POLICY.replacement("address", address)
    assert masked == "湖北省武汉市武昌区****"
    assert found(f"住址：{masked}") == []


@pytest.mark.parametrize(
    "address",
    [
        "湖北省武汉市洪山区东湖风景区街道（洪山）珞喻路1037号",
        "上海市浦东新区中国（上海）自由贸易试验区（保税片区）人民路5号",  # two brackets
        "吉林省白城市洮北区（工业园区）城南街道建设路5号",  # right after the county
        "广东省云浮市罗定市满（lang）塘镇新华街12号",  # letters in the bracket
        "江苏省扬州市高邮市城南经济新区（车逻镇）文化路8号3栋2单元401室",
        "海南省琼中黎族苗族自治县海南省黎母山林场（海南黎母山省级自然保护区管理站）团结大道300号",
    ],
)
@pytest.mark.parametrize("lead", ["住址：", "家住", "户籍地址 "])
def test_bracketed_parts_of_the_division_chain(address: str, lead: str) -> None:
    for written in bracket_writings(address):
        text = f"{lead}{written}，"
        assert found(text) == [("address", written, 0.95)], text


@pytest.mark.parametrize(
    "address",
    [
        "贵州省黔东南苗族侗族自治州岑巩县？水街道团中路1７号",  # test_width.py, seed 34780
        "贵州省黔东南苗族侗族自治州岑巩县?水街道团中路17号",
        "江西省吉安市新干县麦?镇人民路5号3栋2单元401室",
        "广东省湛江市吴川市塘？镇光明街88号",
    ],
)
def test_a_lost_character_in_a_township_name(address: str) -> None:
    text = f"住址：{address}"
    assert found(text) == [("address", address, 0.95)]
    assert found(full_width(text)) == [("address", full_width(address), 0.95)]


def test_every_irregular_township_of_the_division_table() -> None:
    """Each township name with a bracket or a ?, after its full chain, in every bracket width and
    in full- and mixed-width writing."""
    table = divisions()
    rng = random.Random(11375)
    checked = 0
    for county in table.counties():
        chain = "".join(d.name for d in table.path(county.code) if d.name not in ("市辖区", "县"))
        for township in table.townships(county.code):
            if "（" not in township.name and "?" not in township.name:
                continue
            address = f"{chain}{township.name}幸福大道30号1栋2单元301室"
            for written in [*bracket_writings(address), mixed_width(rng, address)]:
                text = f"住址：{written}"
                assert found(text) == [("address", written, 0.95)], text
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王府井（东城）商户很多", []),  # no door number: no address, as before
        ("王府井（东城）建设路5号", ["建设路5号"]),  # no division word before the bracket
        ("张三（户主）朝阳区建设路5号", ["朝阳区建设路5号"]),  # an annotation, not a place
        ("（一）朝阳区建设路5号", ["朝阳区建设路5号"]),  # list number: nothing before it
        ("北京市朝阳区（详见附件）。建设路5号", ["建设路5号"]),  # punctuation after the bracket
        ("北京市朝阳区（详见附件）建设路", []),  # no door number
        ("朝阳区（现住）建设路5号", ["建设路5号"]),  # a lead word inside the bracket
        ("朝阳区（东城、西城）建设路5号", ["建设路5号"]),  # punctuation inside the bracket
        ("朝阳区（建设路5号", ["建设路5号"]),  # never closed
        ("依据国发〔2020〕12号文件，乘坐地铁3号线", []),
        ("你住在哪个区?朝阳区建设路5号", ["朝阳区建设路5号"]),  # a question, no township after
        ("请问是朝阳区吗？镇东路5号", ["镇东路5号"]),  # after a question particle
        ("朝阳区?建设路5号", ["建设路5号"]),
    ],
)
def test_brackets_that_are_not_part_of_an_address(text: str, expected: list[str]) -> None:
    spans = [(text.index(v), text.index(v) + len(v)) for v in expected]
    for written in bracket_writings(text):  # one character for one: the same spans
        hits = SCANNER.scan_text(written)
        assert [(h.start, h.end) for h in hits if h.type == "address"] == spans, written


def test_the_width_of_the_bracket_changes_no_hit() -> None:
    texts = [
        "住址：湖北省武汉市武昌区东湖风景区街道（武昌）幸山街２56号，电话13812345678",
        "王府井（东城）商户很多，张三（户主）朝阳区建设路5号",
    ]
    for text in texts:
        expected = [(h.type, h.start, h.end) for h in SCANNER.scan_text(text)]
        for written in bracket_writings(text):
            assert [(h.type, h.start, h.end) for h in SCANNER.scan_text(written)] == expected
