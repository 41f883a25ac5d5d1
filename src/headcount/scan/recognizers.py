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
from headcount.scan.numbers import NumberRecognizer

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_DOC_START = r"(?<![A-Za-z0-9])"
_DOC_END = r"(?![A-Za-z0-9])"
# Chinese passports E12345678 / EA1234567 (G for older books); 回乡证 H/M + 8 (or 10) digits;
# 往来港澳通行证 C + 8 characters; 往来台湾通行证 L + 8 digits.
DOCUMENT = re.compile(
    _DOC_START + r"(?:(?P<passport>[EG]\d{8}|E[A-HJ-NP-Z]\d{7})"
    r"|(?P<hk_macau_permit>[HM]\d{8}(?:\d{2})?|C[A-HJ-NP-Z0-9]\d{7})"
    r"|(?P<taiwan_permit>L\d{8}))" + _DOC_END
)
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
    """Stateless apart from its reference day; safe to share across threads."""

    def __init__(self, today: date | None = None) -> None:
        self.numbers = NumberRecognizer(today)

    def scan_text(self, text: str, header: str = "") -> list[Hit]:
        hits = list(self.numbers.find(text, header))
        for hit in list(hits):
            if hit.type == "citizen_id" and not hit.masked:
                name = names.find_before(text, hit.start)
                if name is not None:
                    hits.append(name)
        if "@" in text:
            hits.extend(Hit("email", m.start(), m.end(), 0.95) for m in EMAIL.finditer(text))
        hits.extend(self._documents(text))
        hits.extend(addresses.find(text))
        hits.extend(names.find_labelled(text))
        if header and names.is_name_header(header) and not hits:
            cell = names.cell_name(text, header_says_name=True)
            if cell is not None:
                hits.append(cell)
        return _resolve(hits)

    def scan_row(self, cells: Sequence[tuple[str, str]]) -> list[list[Hit]]:
        """Scan the cells of one table row, given as (text, column header).

        A name-like cell in a row that holds an ID number is a name even without a name header.
        """
        found = [self.scan_text(text, header) for text, header in cells]
        if any(h.type == "citizen_id" and not h.masked for row in found for h in row):
            for i, (text, _) in enumerate(cells):
                if not found[i]:
                    name = names.cell_name(text, header_says_name=False)
                    if name is not None:
                        found[i] = [name]
        return found

    def _documents(self, text: str) -> list[Hit]:
        out: list[Hit] = []
        for m in DOCUMENT.finditer(text):
            kind: PiiType = m.lastgroup  # type: ignore[assignment]
            labelled = _DOC_LABELS[kind] in text[max(0, m.start() - 16) : m.start()]
            out.append(Hit(kind, m.start(), m.end(), 0.95 if labelled else 0.85))
        if "台" in text:
            out.extend(
                Hit("taiwan_permit", m.start(1), m.end(1), 0.95)
                for m in TAIWAN_LABELLED.finditer(text)
            )
        return out


def _resolve(hits: list[Hit]) -> list[Hit]:
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (_RANK[h.type], -h.confidence, h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
