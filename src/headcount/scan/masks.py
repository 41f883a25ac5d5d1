"""Masking primitives shared by previews (what a scan shows) and redaction policies.

A mask keeps a head and a tail and fills the middle; the head can be a count of characters or a
semantic part: the surname of a name, the province/prefecture/county of an address, the area code
of a landline, the first letter of an e-mail's local part.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from headcount.identity.surnames import surname_of
from headcount.scan import addresses
from headcount.scan.findings import PiiType
from headcount.scan.numbers import ascii_digits

Head = int | Literal["surname", "region", "area_code", "email"]
_AREA3 = re.compile(r"0(?:10|2\d)")


def normalized(kind: PiiType, value: str) -> str:
    """The value without separators (numbers) or surrounding blanks (text); NFKC for codes."""
    if kind in ("citizen_id", "mobile", "landline", "bank_card"):
        digits = ascii_digits(value)
        if "*" in value or "＊" in value:  # an already partly masked number keeps its stars
            return unicodedata.normalize("NFKC", value).replace(" ", "").upper()
        if kind == "mobile" and len(digits) > 11:
            return digits[-11:]  # without the country code (+86, 0086)
        return digits
    if kind in ("passport", "hk_macau_permit", "taiwan_permit", "email"):
        return unicodedata.normalize("NFKC", value).strip()
    return value.strip()


def mask(
    value: str, head: Head, tail: int = 0, *, fill: str = "*", width: int | None = None
) -> str:
    """Keep ``head`` and ``tail``; fill the rest (``width`` fill characters, default its length)."""
    if "@" in value and head == "email":
        local, _, domain = value.partition("@")
        return local[:1] + fill * (width or 3) + "@" + domain
    keep = _head_length(value, head)
    tail = min(tail, max(0, len(value) - keep - 1))
    hidden = len(value) - keep - tail
    if hidden <= 0:  # too short to keep anything: hide it all
        keep, tail, hidden = 0, 0, len(value)
    return (
        value[:keep] + fill * (width if width is not None else hidden) + value[len(value) - tail :]
    )


def _head_length(value: str, head: Head) -> int:
    if isinstance(head, int):
        return head
    if head == "surname":
        return len(surname_of(value))
    if head == "region":
        return addresses.region_length(value)
    if head == "area_code":
        national = value[2:] if value.startswith("86") else value
        offset = len(value) - len(national)
        national = national if national.startswith("0") else "0" + national
        size = 3 if _AREA3.match(national) else 4
        return max(0, size + offset - (0 if value[offset:].startswith("0") else 1))
    return 1


# What ``headcount scan`` shows: enough to find the value in the file, never the value itself.
_PREVIEW: dict[PiiType, tuple[Head, int, int | None]] = {
    "citizen_id": (1, 1, None),
    "mobile": (3, 4, None),
    "landline": ("area_code", 2, 4),
    "bank_card": (4, 4, None),
    "email": ("email", 0, 3),
    "passport": (1, 2, None),
    "hk_macau_permit": (1, 2, None),
    "taiwan_permit": (1, 2, None),
    "name": ("surname", 0, 1),
    "address": ("region", 0, 4),
}


def preview(kind: PiiType, value: str) -> str:
    head, tail, width = _PREVIEW[kind]
    text = normalized(kind, value)
    if kind == "citizen_id" and "*" in text:
        return mask(text, 1, 1)  # partly masked in the source: still show no more than the mask
    return mask(text, head, tail, width=width)
