"""Enumerator and supervisor badge numbers (普查员证编号) that a resident can check publicly.

Format: two-digit province code, a letter for the role (E enumerator, S supervisor), seven digits of
sequence and a MOD 11-2 check character, e.g. ``11E0000042X``. The check character catches a
mistyped digit before any lookup happens, so the public page reveals nothing for typos.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from headcount.identity.citizen_id import CHECK_CHARS

BadgeRole = Literal["E", "S"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3)  # first ten GB 11643 weights


def _check(body: str) -> str:
    digits = body[:2] + ("1" if body[2] == "E" else "2") + body[3:]
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(digits, _WEIGHTS, strict=True)) % 11]


def make_badge(province_code: str, role: BadgeRole, sequence: int) -> str:
    if len(province_code) != 2 or not province_code.isdigit() or not 0 < sequence < 10**7:
        raise ValueError("province code of 2 digits and a sequence of 1..9,999,999")
    body = f"{province_code}{role}{sequence:07d}"
    return body + _check(body)


def normalize_badge(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().upper().replace(" ", "").replace("-", "")


def is_well_formed(badge: str) -> bool:
    text = normalize_badge(badge)
    return (
        len(text) == 11
        and text[:2].isdigit()
        and text[2] in "ES"
        and text[3:10].isdigit()
        and text[10] == _check(text[:10])
    )
