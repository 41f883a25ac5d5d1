"""Enumerator and supervisor badge numbers (普查员证编号) that a resident can check publicly.

Format: two-digit province code, a letter for the role (E enumerator, S supervisor, P enumerator of
the post-enumeration survey, who knocks on doors too), ten random
characters and a check character, printed and stored in groups: ``11E-KQMX-7R3P-HJA``. The
random part and the check character come from the self-report card's alphabet, which leaves out
what people confuse on a printed card (0/O, 1/I/L, 2/Z, 5/S, 8/B). Typed, hyphens, spaces and
case do not matter.

Non-guessable, so the public check cannot be walked: with N badges in a province, a guess finds
one with probability N / (25^10 × 25/37) — for 700,000 badges about 1 in 92 million. At the check's
limit of 20 a minute, one address would find one badge in about 9 years.

The check character makes the weighted sum of all fourteen characters (values 0–35 for 0–9A–Z,
weights 1–14) divisible by 37: every single mistyped character and every swap of two neighbours
is caught before any lookup, so the public page reveals nothing for typos. Bodies whose check
character would fall outside the alphabet are drawn again.

Badges issued before (``11E0000042X``: seven digits of sequence and a MOD 11-2 check) were
sequential, so they could be walked; migration 0007 re-issued every one of them and keeps the old
number in ``legacy_badge_no``. ``is_legacy`` recognises that form so the public check can say
"this card has been replaced" without looking anything up.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Literal

from headcount.auth.credentials import ALPHABET
from headcount.identity.citizen_id import CHECK_CHARS

BadgeRole = Literal["E", "S", "P"]
RANDOM_LENGTH = 10
LENGTH = 3 + RANDOM_LENGTH + 1
_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_MODULUS = 37  # prime, above every character value and every weight
_BY_VALUE = {_VALUES[c]: c for c in ALPHABET}
_LEGACY_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3)  # first ten GB 11643 weights


def _sum(text: str) -> int:
    return sum(_VALUES[c] * weight for weight, c in enumerate(text, start=1)) % _MODULUS


def _check_char(body: str) -> str | None:
    """The character that completes ``body`` (13 characters), or None if it is not in the
    alphabet."""
    weight = len(body) + 1
    needed = (-_sum(body) * pow(weight, -1, _MODULUS)) % _MODULUS
    return _BY_VALUE.get(needed)


def new_badge(province_code: str, role: BadgeRole) -> str:
    """A fresh random badge number, as printed and stored (``grouped``)."""
    if len(province_code) != 2 or not province_code.isdigit() or role not in ("E", "S", "P"):
        raise ValueError("a province code of 2 digits and the role E, S or P")
    while True:
        body = province_code + role + "".join(secrets.choice(ALPHABET) for _ in range(10))
        check = _check_char(body)
        if check is not None:
            return grouped(body + check)


def normalize_badge(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    return "".join(c for c in text if c not in " -\t")


def grouped(badge: str) -> str:
    """As printed on the card and stored: ``11E-KQMX-7R3P-HJA`` (a legacy number as it was)."""
    text = normalize_badge(badge)
    if len(text) != LENGTH:
        return text
    return f"{text[:3]}-{text[3:7]}-{text[7:11]}-{text[11:]}"


def is_well_formed(badge: str) -> bool:
    text = normalize_badge(badge)
    return (
        len(text) == LENGTH
        and text[:2].isdigit()
        and text[2] in "ESP"
        and all(c in ALPHABET for c in text[3:])
        and _sum(text) == 0
    )


def _legacy_check(body: str) -> str:
    digits = body[:2] + ("1" if body[2] == "E" else "2") + body[3:]
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(digits, _LEGACY_WEIGHTS, strict=True)) % 11]


def is_legacy(badge: str) -> bool:
    """A number of the sequential form issued before migration 0007 (replaced since)."""
    text = normalize_badge(badge)
    return (
        len(text) == 11
        and text[:2].isdigit()
        and text[2] in "ES"
        and text[3:10].isdigit()
        and text[10] == _legacy_check(text[:10])
    )


def legacy_badge(province_code: str, role: BadgeRole, sequence: int) -> str:
    """A number of the old sequential form (tests, and the migration that replaced them)."""
    if len(province_code) != 2 or not province_code.isdigit() or not 0 < sequence < 10**7:
        raise ValueError("province code of 2 digits and a sequence of 1..9,999,999")
    body = f"{province_code}{role}{sequence:07d}"
    return body + _legacy_check(body)
