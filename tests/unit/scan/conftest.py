"""Synthetic values and one notice rendered in every supported format."""

from __future__ import annotations

from pathlib import Path

import pytest

from headcount.identity import check_char
from headcount.scan.formats.render import FORMATS, Content, render


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


ID = make_id("11010119900307123")  # 东城区, 1990-03-07
ID2 = make_id("31011219850409522")  # 闵行区, female
MOBILE = "13812345678"
CARD = "6222021234567890128"  # 19 digits, Luhn-valid
NAME = "张伟"
ADDRESS = "北京市东城区景山前街4号院3号楼2单元501室"
EMAIL = "zhangwei88@example.com"

NOTICE = Content(
    lines=[
        "关于临时救助发放情况的公示",
        f"申请人{NAME}，身份证号码{ID}，联系电话{MOBILE}。",
        f"住址：{ADDRESS}",
        f"如有疑问请发邮件至{EMAIL}。",
        "订单号：110101199003071230",  # wrong check character
    ],
    header=["序号", "姓名", "身份证号", "联系电话", "银行卡号", "金额（元）"],
    rows=[["1", "李娜", ID2, "139 1234 5678", CARD, "300.00"]],
)
CLEAR_VALUES = (ID, ID2, MOBILE, CARD, EMAIL, "李娜", NAME, "12345678", "1234 5678")


@pytest.fixture(params=FORMATS)
def notice(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / f"notice.{request.param}"
    render(NOTICE, request.param, path)
    return path
