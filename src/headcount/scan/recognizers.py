"""The rule-based scanner: every recognizer over one text, overlaps resolved, table rows aware.

No model is loaded: IDs, cards and phones are decided by their validators (numbers.py), names by a
surname dictionary and context (names.py), addresses by street words and door numbers
(addresses.py). Headers of table columns are passed in as context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from headcount.scan import addresses, names
from headcount.scan.findings import Hit, PiiType
from headcount.scan.numbers import NumberRecognizer, Units

# Lookbehind after the first character and a possessive local part: long digit runs (ID numbers)
# are passed over once instead of being retried from every digit.
_LOCAL = r"[A-Za-z0-9._%+\-]"
EMAIL = re.compile(
    f"{_LOCAL}(?<!{_LOCAL}{_LOCAL}){_LOCAL}*+@[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{{2,}}"
)
# Chinese passports E12345678 / EA1234567 (G for older books); 回乡证 H/M + 8 (or 10) digits;
# 往来港澳通行证 C + 8 characters; 往来台湾通行证 L + 8 digits. The letter is matched first (and
# checked not to follow another letter or digit) so that the engine skips ahead to candidates.
_DOC_END = r"(?![A-Za-z0-9])"
DOCUMENT = re.compile(
    r"[EGHMCL](?<![A-Za-z0-9][EGHMCL])"
    r"(?:(?<=[EG])(?P<passport>\d{8})|(?<=E)(?P<passport_new>[A-HJ-NP-Z]\d{7})"
    r"|(?<=[HM])(?P<home_return>\d{8}(?:\d{2})?)|(?<=C)(?P<hk_macau_permit>[A-HJ-NP-Z0-9]\d{7})"
    r"|(?<=L)(?P<taiwan_permit>\d{8}))" + _DOC_END
)
_DOC_GROUPS: dict[str, PiiType] = {
    "passport": "passport",
    "passport_new": "passport",
    "home_return": "hk_macau_permit",
    "hk_macau_permit": "hk_macau_permit",
    "taiwan_permit": "taiwan_permit",
}
# 台胞证 numbers are bare digits: only after their label.
TAIWAN_LABELLED = re.compile(
    r"(?:台胞证|台湾居民来往大陆通行证)[号码\s:：]*(\d{8}(?:\d{2}[A-Z]?)?)" + _DOC_END
)
_DOC_LABELS = {"passport": "护照", "hk_macau_permit": "通行证", "taiwan_permit": "通行证"}

# When two detections overlap, the more specific one wins.
_RANK: dict[PiiType, int] = {
    "citizen_id": 0,
    "bank_card": 1,
    "mobile": 2,
    "landline": 3,
    "email": 4,
    "passport": 5,
    "hk_macau_permit": 5,
    "taiwan_permit": 5,
    "address": 6,
    "name": 7,
}


class Scanner:
    """Stateless apart from its reference day; safe to share across threads.

    ``scan_many`` joins the texts of a whole document (NUL-separated) and runs every regex once
    over it: a spreadsheet has thousands of small cells, and per-call overhead would dominate.
    No pattern matches across the separator, and number contexts are clipped to their own unit.
    """

    def __init__(self, today: date | None = None) -> None:
        self.numbers = NumberRecognizer(today)

    def scan_text(self, text: str, header: str = "") -> list[Hit]:
        return self.scan_many([text], [header])[0]

    def scan_many(self, texts: Sequence[str], headers: Sequence[str]) -> list[list[Hit]]:
        """Hits for each text (offsets into that text); ``headers`` are column headings or ""."""
        units = Units(list(texts), list(headers))
        joined = units.text
        hits = list(self.numbers.find(joined, units=units))
        for hit in list(hits):
            if hit.type == "citizen_id" and not hit.masked:
                name = names.find_before(joined, hit.start, units.at(hit.start)[0])
                if name is not None:
                    hits.append(name)
        if "@" in joined:
            hits.extend(Hit("email", m.start(), m.end(), 0.95) for m in EMAIL.finditer(joined))
        hits.extend(_documents(joined))
        hits.extend(addresses.find(joined))
        hits.extend(names.find_labelled(joined))
        per_unit: list[list[Hit]] = [[] for _ in texts]
        for hit in hits:
            i = units.index(hit.start)
            low = units.starts[i]
            per_unit[i].append(
                Hit(hit.type, hit.start - low, hit.end - low, hit.confidence, hit.masked, hit.leaks)
                if low
                else hit
            )
        for i, header in enumerate(headers):
            if header and not per_unit[i] and names.is_name_header(header):
                cell = names.cell_name(texts[i], header_says_name=True)
                if cell is not None:
                    per_unit[i].append(cell)
        return [_resolve(found) for found in per_unit]

    def scan_row(self, cells: Sequence[tuple[str, str]]) -> list[list[Hit]]:
        """Scan the cells of one table row, given as (text, column header)."""
        found = self.scan_many([t for t, _ in cells], [h for _, h in cells])
        return complete_row([t for t, _ in cells], found)


def _documents(text: str) -> list[Hit]:
    out: list[Hit] = []
    for m in DOCUMENT.finditer(text):
        kind = _DOC_GROUPS[m.lastgroup or "passport"]
        labelled = _DOC_LABELS[kind] in text[max(0, m.start() - 16) : m.start()]
        out.append(Hit(kind, m.start(), m.end(), 0.95 if labelled else 0.85))
    if "台" in text:
        out.extend(
            Hit("taiwan_permit", m.start(1), m.end(1), 0.95) for m in TAIWAN_LABELLED.finditer(text)
        )
    return out


def complete_row(texts: Sequence[str], found: list[list[Hit]]) -> list[list[Hit]]:
    """A name-like cell in a row that holds an ID number is a name even without a name header."""
    if any(h.type == "citizen_id" and not h.masked for cell in found for h in cell):
        for i, text in enumerate(texts):
            if not found[i]:
                name = names.cell_name(text, header_says_name=False)
                if name is not None:
                    found[i] = [name]
    return found


def _resolve(hits: list[Hit]) -> list[Hit]:
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (_RANK[h.type], -h.confidence, h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
