"""Number-shaped PII: citizen IDs, mobile and landline numbers, bank cards.

One regex finds runs of digits joined by the separators people type (spaces, hyphens, dashes, a
closing bracket after an area code). The text is width-folded first (width.py), so full-width
and mixed-width writings (１３８－１２３４－５６７８, １１０101…２８Ｘ) are the same
runs, at the same offsets. A run is split into its digit groups and every window of consecutive
groups is classified; the longest valid window wins. Validators decide, not shapes: the MOD 11-2
check character, a real birth date and a known historical area code for IDs, Luhn plus an issuer
prefix for cards, allocated prefixes for mobiles, an area code for landlines. Numbers that carry
no checksum (15-digit legacy IDs, landlines written without any separator) need a context word or
a column header.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date

from headcount.identity import citizen_id
from headcount.identity.divisions import divisions
from headcount.scan.findings import Hit, PiiType
from headcount.scan.width import fold, fold_all

_DIGIT = "0-9\uff10-\uff19"
# Separators inside a number: spaces, hyphens and dashes, the bracket closing an area code.
_SEP_CHARS = " \u00a0\u3000)）\\-\u2010-\u2015\u2212\uff0d"
_SEP = f"[{_SEP_CHARS}]{{1,3}}"
# A run of digit groups. The first digit comes first so that the engine skips ahead to digits; the
# lookbehind after it checks that no digit precedes the run; the lookahead drops short numbers
# (amounts, counts, years: no number handled here is shorter than 10) inside the engine; the
# possessive groups consume digits without backtracking.
RUN = re.compile(
    f"[{_DIGIT}](?<![{_DIGIT}][{_DIGIT}])(?=[{_DIGIT}{_SEP_CHARS}]{{9}})"
    f"[{_DIGIT}]*+(?:{_SEP}[{_DIGIT}]++)*+(?:[Xx](?![A-Za-z0-9]))?"
)
_GROUP = re.compile(f"[{_DIGIT}]+[Xx]?")
_HEX = frozenset("0123456789abcdefABCDEF-")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _inside_token(text: str, start: int, end: int) -> bool:
    """True when the digits are part of a machine token — a hex digest of 16+ characters or a UUID
    (request ids, object hashes): their digit runs look like phone or card numbers by chance."""
    low, high = start, end
    while low > 0 and text[low - 1] in _HEX:
        low -= 1
    while high < len(text) and text[high] in _HEX:
        high += 1
    if low == start and high == end:
        return False
    token = text[low:high]
    if _UUID.fullmatch(token):
        return True
    parts = token.split("-")
    # The hex part that holds the run must carry letters around it (digits alone are a number).
    return any(
        len(part) >= 16 and not part.isdigit() and not part.rstrip("xX").isdigit() for part in parts
    ) and not any(part.isdigit() and len(part) >= 10 for part in parts)


_POINTS = (".", "．")
_TO_ASCII = str.maketrans("０１２３４５６７８９x", "0123456789X")

MASKED_ID = re.compile(
    f"(?<![{_DIGIT}*＊])[{_DIGIT}*＊]{{17}}[{_DIGIT}Xx*＊](?![{_DIGIT}Xx*＊A-Za-z])"
)

MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in range(10)]
    + [f"14{d}" for d in range(5, 10)]
    + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
    + [f"16{d}" for d in (2, 5, 6, 7)]
    + [f"17{d}" for d in range(9)]
    + [f"18{d}" for d in range(10)]
    + [f"19{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
)
_AREA3 = re.compile(r"0(?:10|2[0-57-9])")
_AREA4 = re.compile(r"0[3-9]\d\d")
CARD_FIRST_DIGITS = frozenset("345689")

# Words just before a number (or in its column header) that say what it is.
ID_WORDS = ("身份证", "身份号码", "证件号", "公民身份", "ID")
PHONE_WORDS = ("电话", "手机", "联系方式", "联系电话", "座机", "固话", "传真", "Tel", "TEL", "tel")
CARD_WORDS = ("银行卡", "卡号", "账号", "帐号", "账户", "帐户", "银行")
NOT_PII_WORDS = (
    "订单",
    "单号",
    "流水",
    "发票",
    "编号",
    "交易",
    "批次",
    "条码",
    "运单",
    "凭证",
    "序列号",
    "合同号",
    "工号",
    "代码",
)
_LOOKBACK = 14


def ascii_digits(text: str) -> str:
    """Digits (and a trailing X) of a matched number in any width, with separators removed."""
    return "".join(g.translate(_TO_ASCII) for g in _GROUP.findall(fold_all(text)))


_CHECK = "0123456789X"


def check_char(first17: str) -> str:
    """``citizen_id.check_char`` in closed form, (1 - 2 * int(first17, 13)) mod 11 with 10 = X
    (identity.md §2): one C-level conversion instead of a Python loop over 17 digits."""
    return _CHECK[(1 - 2 * int(first17, 13)) % 11]


class Units:
    """Several texts joined by NUL for one pass of every regex; maps positions back to units.

    ``text`` and ``headers`` are width-folded (width.py): one character for one, so positions in
    ``text`` are positions in the original texts and the recognizers see one form of each value.
    """

    SEPARATOR = "\x00"

    def __init__(self, texts: list[str], headers: list[str]) -> None:
        self.starts: list[int] = []
        position = 0
        for text in texts:
            self.starts.append(position)
            position += len(text) + 1
        self.headers = [fold(h) if h else h for h in headers]
        self.text = fold(
            self.SEPARATOR.join(
                t.replace(self.SEPARATOR, " ") if self.SEPARATOR in t else t for t in texts
            )
        )

    def index(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def at(self, position: int) -> tuple[int, str]:
        """(start of the unit holding ``position``, its header)."""
        i = bisect_right(self.starts, position) - 1
        return self.starts[i], self.headers[i]


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2d, minus 9 when over 9


def luhn_ok(digits: str) -> bool:
    backwards = digits[::-1]
    doubled = sum(map(_DOUBLED.__getitem__, map(int, backwards[1::2])))
    return (sum(map(int, backwards[0::2])) + doubled) % 10 == 0


def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, words)))


ID_RE, PHONE_RE, CARD_RE = _words(ID_WORDS), _words(PHONE_WORDS), _words(CARD_WORDS)
NOT_PII_RE = _words(NOT_PII_WORDS)


class NumberRecognizer:
    """Finds number-shaped PII in one text; ``today`` bounds plausible birth dates."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or date.today()
        self._divisions = divisions()
        self._areas: dict[str, bool] = {}  # area code → known; a few thousand entries at most

    def find(self, text: str, header: str = "", units: Units | None = None) -> Iterator[Hit]:
        """Hits in ``text``; with ``units``, ``text`` is several units joined (and width-folded)
        and each number's context (the words before it, its column header) stays inside its own
        unit. A single text is width-folded here; the offsets are the same either way."""
        if units is None:
            text, header = fold(text), fold(header)
        for run in RUN.finditer(text):
            base = run.start()
            value = run.group()
            if len(value) < 10:  # shorter than any PII number, with or without separators
                continue
            if _inside_token(text, base, run.end()):
                continue
            end = run.end()
            # A group glued to a decimal point belongs to a decimal number (金额 855.00).
            decimal_after = text[end : end + 1] in _POINTS and text[end + 1 : end + 2].isdigit()
            decimal_before = (
                text[base - 1 : base] in _POINTS and text[base - 2 : base - 1].isdigit()
            )
            if value.isalnum():  # one group, no separators: the common case, without windows
                if decimal_after or decimal_before or len(value) > 19:
                    continue
                digits = value if value.isascii() else value.translate(_TO_ASCII)
                if digits[-1] == "x":
                    digits = digits[:-1] + "X"
                if len(digits) == 18 and self._id_known(digits):
                    yield Hit("citizen_id", base, end, 0.99)  # needs no context
                    continue
                low, header = units.at(base) if units is not None else (0, header)
                context = header + text[max(low, base - _LOOKBACK) : base]
                kind = self._classify(digits, [len(digits)], context)
                if kind is not None:
                    yield Hit(kind[0], base, end, kind[1])
                continue
            low, header = units.at(base) if units is not None else (0, header)
            groups = [(base + g.start(), base + g.end(), g.group()) for g in _GROUP.finditer(value)]
            if decimal_after:
                groups.pop()
            if decimal_before and groups:
                groups.pop(0)
            yield from self._windows(text, groups, header, low)
        if "*" in text or "＊" in text:
            yield from self._masked_ids(text)

    def _windows(
        self, text: str, groups: list[tuple[int, int, str]], header: str, low: int
    ) -> Iterator[Hit]:
        i = 0
        n = len(groups)
        while i < n:
            best: Hit | None = None
            best_j = i
            digits = ""
            lens: list[int] = []
            context: str | None = None
            start = groups[i][0]
            for j in range(i, n):
                if digits.endswith("X"):  # an X only ends an ID, nothing follows it
                    break
                part = groups[j][2]
                if not part.isascii():
                    part = part.translate(_TO_ASCII)
                elif part[-1] == "x":
                    part = part[:-1] + "X"
                digits += part
                lens.append(len(part))
                if len(digits) > 19:
                    break
                if len(digits) < 10:  # shorter than any landline: no PII number
                    continue
                if context is None:
                    context = header + text[max(low, start - _LOOKBACK) : start]
                kind = self._classify(digits, lens, context)
                if kind is not None:
                    best = Hit(kind[0], start, groups[j][1], kind[1])
                    best_j = j
            if best is not None:
                yield best
                i = best_j + 1
            else:
                i += 1

    def _classify(self, d: str, lens: list[int], context: str) -> tuple[PiiType, float] | None:
        size = len(d)
        if size == 18:
            found = self._citizen_id(d, context)
            if found is not None:
                return found
        if d[-1] == "X":
            return None
        negative = NOT_PII_RE.search(context) is not None
        if negative:
            return None
        if size == 15 and ID_RE.search(context):
            legacy = citizen_id.check(d, allow_legacy=True, reference=self.today)
            if legacy.valid and legacy.region is not None:
                return "citizen_id", 0.85
        if size <= 14:
            phone = self._phone(d, lens, context)
            if phone is not None:
                return phone
        if size >= 15 and d[0] in CARD_FIRST_DIGITS and luhn_ok(d):
            labelled = CARD_RE.search(context) is not None
            if size == 15 and d[:2] not in ("34", "37"):
                return None  # only American Express issues 15-digit cards
            if size in (17, 18) and not labelled:
                return None  # rare card lengths, common lengths of order and serial numbers
            return "bank_card", 0.95 if labelled else 0.9
        return None

    def _citizen_id(self, d: str, context: str) -> tuple[PiiType, float] | None:
        structure = self._id_structure(d)
        if structure is None:
            return None
        if structure:
            return "citizen_id", 0.99
        # A valid check character on an unknown area code: only with an ID label nearby.
        return ("citizen_id", 0.75) if ID_RE.search(context) else None

    def _id_known(self, d: str) -> bool:
        return self._id_structure(d) is True

    def _id_structure(self, d: str) -> bool | None:
        """The rules of ``citizen_id.check`` on the fast path (a document holds thousands of
        numbers and only the verdict is needed): None when the check character or the birth date
        (from 1880, not after today) is wrong, else whether the area code is a known one."""
        head = d[:17]
        if not head.isdigit() or check_char(head) != d[17]:
            return None
        year = int(d[6:10])
        if year < citizen_id.EARLIEST_BIRTH_YEAR:
            return None
        try:
            born = date(year, int(d[10:12]), int(d[12:14]))
        except ValueError:
            return None
        if born > self.today:
            return None
        area = d[:6]
        known = self._areas.get(area)
        if known is None:
            division = self._divisions.get(area)
            known = self._areas[area] = division is not None and division.level != "township"
        return known

    def _phone(self, d: str, lens: list[int], context: str) -> tuple[PiiType, float] | None:
        labelled = PHONE_RE.search(context) is not None
        national, groups = d, list(lens)
        if d.startswith("0086"):
            national, groups = d[4:], _drop_prefix(lens, 4)
        elif d.startswith("86") and len(d) in (12, 13, 14):
            national, groups = d[2:], _drop_prefix(lens, 2)
        if len(national) == 11 and national[:3] in MOBILE_PREFIXES:
            return "mobile", 0.95 if labelled or len(groups) > 1 else 0.9
        if national is not d and not national.startswith("0"):
            national = "0" + national  # +86 10 1234 5678: the trunk 0 is dropped abroad
            if groups:
                groups[0] += 1
        if not national.startswith("0") or not 10 <= len(national) <= 12:
            return None
        for area in (_AREA3, _AREA4):
            m = area.match(national)
            if m is None:
                continue
            local = national[m.end() :]
            if len(local) not in (7, 8) or local[0] in "01":
                continue
            if groups and groups[0] == m.end():
                return "landline", 0.95 if labelled else 0.9
            if labelled:
                return "landline", 0.8
        return None

    def _masked_ids(self, text: str) -> Iterator[Hit]:
        for m in MASKED_ID.finditer(text):
            value = m.group().translate(_TO_ASCII).replace("＊", "*")
            if not 4 <= value.count("*") <= 16:
                continue  # a bare run of stars, or hardly masked at all
            birth_visible = any(c.isdigit() for c in value[6:14])
            yield Hit("citizen_id", m.start(), m.end(), 0.9, masked=True, leaks=birth_visible)


def _drop_prefix(lens: list[int], count: int) -> list[int]:
    """Group lengths after removing ``count`` leading digits (a country code)."""
    out = list(lens)
    while count and out:
        if out[0] <= count:
            count -= out.pop(0)
        else:
            out[0] -= count
            count = 0
    return out
