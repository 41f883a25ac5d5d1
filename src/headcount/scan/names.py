"""Person names: a surname dictionary plus context, never a bare guess.

Chinese surnames are ordinary characters (王, 于, 和, 高 …), so a name is reported only where the
text says a name is there: after a label (姓名：, 户主, 联系人 …), in a column headed like one, or
right before an ID number. The dictionary is 《百家姓》 with a few common modern surnames
(identity/data/surnames.txt, shared with the display masks).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from headcount.identity.surnames import surnames
from headcount.scan.findings import Hit
from headcount.scan.width import fold

# Labels that introduce a person's name in running text and in table headers.
NAME_LABELS = (
    "户主姓名",
    "姓名",
    "户主",
    "联系人",
    "申请人",
    "收款人",
    "领款人",
    "持卡人",
    "监护人",
    "法定代表人",
    "负责人",
    "经办人",
    "被调查人",
    "填报人",
    "普查对象",
    "户名",
    "签名",
)
NAME_HEADERS = (*NAME_LABELS, "名字", "name")
# A verb between a label and what it introduces: 户主为张三, 普查对象是…
_COPULA = "是为"
# Characters that end a name when a label is followed by more running text.
_STOP = set("的了是在和与及等先女同户家某为于向给由把被将对从或即请已未均曾也都就")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Two-character words that start with a surname character but are not names.
_NOT_NAMES = _word_set(
    "公民 本人 居民 户主 申请 身份 证件 号码 姓名 人员 家庭 成员 联系 "
    "电话 手机 地址 住址 全国 国家 国务 司法 公安 公司 单位 工作 时间 "
    "年龄 性别 民族 常住 户籍 现住 学生 老人 万人 百姓 人口 普查 统计 "
    "东城 西城 安全 和平 于是 高中 高级 文化 金额 平均 明细"
)
# Words that often follow a name in running text (户主李四负责…): the name ends before them.
_FOLLOW_WORDS = _word_set(
    "负责 签字 签名 同意 申请 填写 确认 本人 家庭 一家 先生 女士 同志 "
    "领取 户籍 现住 住在 居住 联系 电话 手机 身份 性别 年龄 出生 已经 "
    "没有 表示 提供 登记 办理"
)
_LABEL = re.compile("(?:" + "|".join(NAME_LABELS) + ")" + r"[\s:：]*([\u4e00-\u9fff·]{2,12})")
_BEFORE_ID = re.compile(
    r"([\u4e00-\u9fff·]{2,16})(?:[\s,，、]+(?:[男女]|\d{1,3}岁?))*[\s,，、:：(（]*"
    r"(?:公民)?(?:身份证号码|身份证号|身份证|身份号码|证件号码|证件号)?[\s:：]*$"
)
_MINORITY_AT_END = re.compile(r"[\u4e00-\u9fff]{2,6}·[\u4e00-\u9fff]{1,8}$")
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{1,4}(?:·[\u4e00-\u9fff]{1,8})?")


def _plausible(name: str) -> bool:
    """Not a label or a common word that merely starts with a surname character."""
    return name[:2] not in _NOT_NAMES and name not in NAME_HEADERS and name[-1:] not in "人号证码"


def starts_with_surname(text: str) -> bool:
    single, compound = surnames()
    return text[:2] in compound or text[:1] in single


def _name_in_run(run: str) -> str | None:
    """The name at the start of a CJK run that follows a label."""
    if "·" in run:  # transliterated minority and foreign names: 阿依古丽·买买提
        m = _CJK_NAME.match(run)
        return m.group() if m and "·" in m.group() else None
    if len(run) <= 4:
        return run if len(run) >= 2 else None
    head = 2 if run[:2] in surnames()[1] else 1
    given = run[head : head + 2]
    if given[-1:] in _STOP or run[head + 1 : head + 3] in _FOLLOW_WORDS:
        given = given[:1]
    return run[: head + len(given)] if given and given[0] not in _STOP else None


def _name_at_end(run: str) -> str | None:
    """The name at the end of a CJK run that precedes an ID number."""
    if "·" in run:
        m = _MINORITY_AT_END.search(run)
        return m.group() if m else None
    single, compound = surnames()
    if len(run) <= 3 and starts_with_surname(run):
        return run  # the whole run: nothing before it to confuse with the name
    if len(run) >= 4 and run[-4:-2] in compound:
        return run[-4:]
    if len(run) >= 3 and run[-3] in single and run[-3] not in _STOP and run[-3:-1] != "身份":
        return run[-3:]
    if run[-2] in single or run[-3:-1] in compound:
        return run[-2:] if run[-2] in single else run[-3:]
    return None


def find_labelled(text: str) -> Iterator[Hit]:
    for m in _LABEL.finditer(text):
        if text[m.end(1) : m.end(1) + 1] in ("*", "＊"):
            continue  # already masked (司马*): the surname alone is not a name
        run, start = m.group(1), m.start(1)
        if run[:1] in _COPULA and len(run) > 2:  # 户主为张三; 普查对象是普查标准时点…的自然人
            run, start = run[1:], start + 1
        name = _name_in_run(run)
        if name is None:
            continue
        if not _plausible(name):
            continue
        known = starts_with_surname(name) or "·" in name
        yield Hit("name", start, start + len(name), 0.9 if known else 0.7)


def find_before(text: str, id_start: int, low: int = 0) -> Hit | None:
    """A name written right before an ID number (``张三 110101…``, ``张三，身份证号…``, also with
    the sex and age between: ``张三 男 35 110101…``); ``low`` is where the ID's unit starts."""
    m = _BEFORE_ID.search(text, max(low, id_start - 24), id_start)
    if m is None:
        return None
    run = m.group(1)
    name = _name_at_end(run)
    if name is None:
        return None
    if not _plausible(name):
        return None
    end = m.start(1) + len(run)
    return Hit("name", end - len(name), end, 0.85)


def cell_name(text: str, *, header_says_name: bool) -> Hit | None:
    """A whole table cell that is a name: under a name header, or beside an ID in its row."""
    value = fold(text).strip()
    if not value:
        return None
    offset = len(text) - len(text.lstrip())
    m = _CJK_NAME.fullmatch(value)
    if m is None or len(value) > 13:
        return None
    if not _plausible(value):
        return None
    if "·" in value or (2 <= len(value) <= 4 and starts_with_surname(value)):
        return Hit("name", offset, offset + len(value), 0.95 if header_says_name else 0.8)
    if header_says_name and 2 <= len(value) <= 4:
        return Hit("name", offset, offset + len(value), 0.7)
    return None


def is_name_header(header: str) -> bool:
    h = fold(header).replace(" ", "").replace("\u3000", "").lower()
    return bool(h) and any(label in h for label in NAME_HEADERS)
