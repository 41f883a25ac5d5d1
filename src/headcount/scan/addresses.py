"""Street addresses down to the door number.

An address is anchored on its door number (``18号``) right after a street-level word (路, 街, 巷,
弄, 村, 组, 小区 …); it extends left over the place names before it, stopping at punctuation or at
words like 住址/家住/位于, and right over building, unit and room (``5栋2单元301室``). Document
numbers (``国发〔2020〕12号``) and metro lines (``3号线``) have no street word and are not matched.

Township names of the division table carry their district or an older name in
brackets (``东湖风景区街道（武昌）``, ``中国（上海）自由贸易试验区（保税片区）``), written
in full-width, half-width or mixed-width brackets (the width fold leaves brackets alone). Such a
bracket does not stop the leftward extension when it sits inside the division chain: it is
closed, holds a few place-name characters, has place-name characters on both sides, and an
administrative word (省 市 区 县 旗 州 盟 镇 乡) comes before it. A bracket elsewhere
(``王府井（东城）``, ``张三（户主）``, ``（一）``) still stops it. A ``?`` that stands for a
character the text's encoding could not hold (麦?镇) is passed over in the same way when the rest
of a township name follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from headcount.scan.findings import Hit

_NUM = "0-9０-９"
_CN_NUM = "一二三四五六七八九十百零〇"
# Lookbehind right after the first character and possessive runs: a long digit string (an ID
# number) is passed over in one step instead of being retried from each of its digits.
_D = _NUM + _CN_NUM
_DOOR = re.compile(f"[{_D}](?<![{_D}][{_D}])[{_D}]*+(?:[-－之][{_NUM}]++)?号")
_STREET_ENDS = (
    *("路", "街", "大街", "大道", "巷", "弄", "胡同", "道", "村", "组", "里", "屯", "庄", "小区"),
    *("社区", "花园", "苑", "园", "新村", "坊", "湾", "广场", "大厦"),
)
_BODY = f"\u4e00-\u9fff{_NUM}A-Za-z\\-－"
_NOT_BODY = re.compile(f"[^{_BODY}]")
# A bracketed part of a place name, either width of either bracket, followed by more of the name.
_BRACKETED = re.compile(f"[(（][{_BODY}]{{1,20}}[)）](?=[{_BODY}])")
_BRACKETS = re.compile("[(（)）]")
# A question mark standing for a character the text's encoding lacked (a rare character outside
# GBK arrives as ?; the division table itself has four such township names, 麦?镇, ?水街道 …):
# part of the name when the rest of a township name follows (and not after a question particle).
_PLACEHOLDER = re.compile("(?<![吗呢吧么嘛])[?？](?=[\u4e00-\u9fff]{0,3}(?:镇|乡|街道))")
_TAIL = re.compile(
    f"(?:院|楼)?(?:[{_NUM}A-Za-z{_CN_NUM}]+(?:号楼|号院|栋|幢|座|单元|层|楼|室|号|户|门))*"
)
# Words after which the address itself starts (a label or a verb of residence).
_LEADS = (
    *("住址", "地址", "住所", "户籍地", "居住地", "现住", "家住", "住在", "居住在", "位于"),
    *("寄往", "寄至", "送至", "迁往", "来自", "在", "住"),
)
_ADMIN_CHARS = "省市区县旗州盟"
# Before a bracket, these show that the text is a division chain (镇/乡: township names).
_CHAIN_CHARS = _ADMIN_CHARS + "镇乡"
_REGION = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区))?"
    r"(?:[\u4e00-\u9fff]{1,8}?(?:市|自治州|地区|盟))?"
    r"(?:[\u4e00-\u9fff]{1,8}?(?:区|县|旗|市))?"
)
# Long enough for the longest chains of the division table (province, prefecture, county and a
# township name with a bracketed part run to some 50 characters before the road).
_MAX_LEFT = 64


def find(text: str) -> Iterator[Hit]:
    if "号" not in text:
        return
    last_end = 0
    for door in _DOOR.finditer(text):
        if door.start() < last_end:
            continue
        left = door.start()
        start = _body_start(text, left)
        body = text[start:left]
        if not body.endswith(_STREET_ENDS):
            continue
        lead = max((body.rfind(w) + len(w) for w in _LEADS if w in body), default=0)
        # A lead word inside a bracket: the address starts after that bracket.
        bracket = _BRACKETS.search(body, lead)
        if bracket is not None and bracket.group() in ")）":
            lead = bracket.end()
        start += lead
        body = body[lead:]
        if len(body) < 2 or not body.endswith(_STREET_ENDS):
            continue
        tail = _TAIL.match(text, door.end())
        end = tail.end() if tail else door.end()
        confident = any(c in body for c in _ADMIN_CHARS)
        last_end = end
        yield Hit("address", start, end, 0.95 if confident else 0.85)


def _body_start(text: str, left: int) -> int:
    """Where the place names that end at ``left`` begin: after the last character that is not
    part of a name, passing over brackets inside a division chain."""
    window = max(0, left - _MAX_LEFT)
    start = window
    for stop in _NOT_BODY.finditer(text, window, left):
        start = stop.end()
    if start == window or text[start - 1] not in ")）?？":
        return start  # the usual case: nothing inside the names that could be passed over
    start = pos = window
    while (found := _NOT_BODY.search(text, pos, left)) is not None:
        at = found.start()
        if at > start and "\u4e00" <= text[at - 1] <= "\u9fff":
            part = _BRACKETED.match(text, at, left) or _PLACEHOLDER.match(text, at, left)
            if part is not None and any(c in text[start:at] for c in _CHAIN_CHARS):
                pos = part.end()
                continue
        start = pos = found.end()
    return start


def region_length(address: str) -> int:
    """Length of the leading province/prefecture/county part (kept by the default mask)."""
    m = _REGION.match(address)
    if m is None or not m.group():
        return 0
    region = m.group()
    # 小区/社区/园区 end in 区 but are neighbourhoods, not districts.
    while region and region[-2:] in ("小区", "社区", "园区", "校区", "景区", "片区"):
        region = region[:-2]
        trimmed = _REGION.match(region)
        region = trimmed.group() if trimmed else ""
    return len(region) if len(region) < len(address) else 0
