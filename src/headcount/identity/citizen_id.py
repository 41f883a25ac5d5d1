"""Citizen identity numbers, GB 11643-1999 (公民身份号码).

Layout: 6-digit address code (county of hukou when the number was issued), 8-digit birth date,
3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character (0-9 or X).

Structural faults (characters, length, check character, impossible date, a province code that no
GB/T 2260 revision ever had) are *hard*: the number is wrong. Consistency findings (born after the
census reference time, an address code unknown inside a real province or not in use at birth) are
*soft*: they flag the record for 比对复查 and never block a respondent.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from headcount import errors
from headcount.errors import Lang, Problem
from headcount.identity.divisions import divisions

# Weight of position i (0-based) is 2^(17-i) mod 11.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
REFERENCE_DATE = date(2020, 11, 1)
EARLIEST_BIRTH_YEAR = 1880  # nobody alive at a 2020-era census was born earlier

# Separators people type or paste inside a number; removing them changes no digit.
_SEPARATORS = dict.fromkeys(map(ord, " \t\u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2212"), None)

Severity = Literal["hard", "soft"]
Sex = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class IdIssue:
    problem: Problem
    severity: Severity
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.problem.code

    def message(self, lang: Lang = "zh") -> str:
        return self.problem.message(lang, **self.details)


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The outcome of checking one input; ``valid`` means no hard fault."""

    input: str
    normalized: str | None
    issues: tuple[IdIssue, ...]
    sex: Sex | None = None
    birth_date: date | None = None
    address_code: str | None = None
    region: str | None = None
    legacy_upgraded: bool = False

    @property
    def valid(self) -> bool:
        return not any(i.severity == "hard" for i in self.issues)

    @property
    def clean(self) -> bool:
        """Valid and without any consistency flag."""
        return not self.issues

    @property
    def first(self) -> IdIssue | None:
        hard = [i for i in self.issues if i.severity == "hard"]
        ordered = hard or list(self.issues)
        return ordered[0] if ordered else None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``headcount id check --json``; ``input`` is shown masked."""
        first = self.first
        return {
            "input": mask(self.input),
            "valid": self.valid,
            "code": first.code if first else None,
            "message": {"zh": first.message("zh"), "en": first.message("en")} if first else None,
            "normalized": mask(self.normalized) if self.normalized else None,
            "sex": self.sex,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "region": self.region,
            "flags": [i.code for i in self.issues if i.severity == "soft"],
            "legacy_upgraded": self.legacy_upgraded,
        }


def normalize(raw: str) -> str:
    """Unambiguous clean-up: full-width to ASCII, separators removed, lowercase x upper-cased."""
    text = unicodedata.normalize("NFKC", raw).translate(_SEPARATORS)
    return text[:-1] + "X" if text.endswith("x") else text


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_char needs exactly 17 ASCII digits")
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def upgrade_legacy(number15: str) -> str:
    """Upgrade a pre-1999 15-digit number: insert the century 19, append the check character."""
    text = normalize(number15)
    if len(text) != 15 or not text.isascii() or not text.isdigit():
        raise ValueError("a legacy number has exactly 15 digits")
    first17 = text[:6] + "19" + text[6:]
    return first17 + check_char(first17)


def check(raw: str, *, reference: date = REFERENCE_DATE, allow_legacy: bool = False) -> IdCheck:
    """Check one number; never raises on any input string."""
    text = normalize(raw)
    if not text:
        return IdCheck(raw, None, (IdIssue(errors.ID_EMPTY, "hard"),))
    bad = next(
        (i for i, c in enumerate(text) if not (c.isascii() and c.isdigit()) and c != "X"), None
    )
    if bad is None and "X" in text[:-1]:
        bad = text.index("X")
    if bad is not None:
        return IdCheck(raw, None, (IdIssue(errors.ID_CHARACTERS, "hard", {"position": bad + 1}),))
    legacy = False
    if len(text) == 15 and "X" not in text:
        if not allow_legacy:
            return IdCheck(raw, None, (IdIssue(errors.ID_LEGACY_NOT_ALLOWED, "hard"),))
        text, legacy = upgrade_legacy(text), True
    if len(text) != 18:
        return IdCheck(raw, None, (IdIssue(errors.ID_LENGTH, "hard", {"length": len(text)}),))

    issues: list[IdIssue] = []
    if check_char(text[:17]) != text[17]:
        issues.append(IdIssue(errors.ID_CHECK_CHARACTER, "hard"))
    born = _birth_date(text[6:14])
    year = int(text[6:10])
    if born is None:
        issues.append(IdIssue(errors.ID_DATE_INVALID, "hard"))
    elif year < EARLIEST_BIRTH_YEAR:
        issues.append(IdIssue(errors.ID_DATE_IMPLAUSIBLE, "hard", {"year": year}))
        born = None
    elif born >= reference:
        issues.append(IdIssue(errors.ID_BORN_AFTER_REFERENCE, "soft"))

    address = text[:6]
    table = divisions()
    real_province = table.is_province(address)
    division = table.get(address) if real_province else None
    if not real_province:
        # No revision of GB/T 2260 ever had this province: no record check can make it real.
        issues.append(IdIssue(errors.ID_PROVINCE_IMPOSSIBLE, "hard", {"province": address[:2]}))
    elif division is None or division.level == "township":
        issues.append(IdIssue(errors.ID_ADDRESS_UNKNOWN, "soft", {"address_code": address}))
    elif born is not None and not division.in_use_between(born.year, reference.year):
        issues.append(IdIssue(errors.ID_ADDRESS_OUT_OF_WINDOW, "soft", {"address_code": address}))
    sex: Sex = "male" if int(text[16]) % 2 == 1 else "female"
    return IdCheck(
        input=raw,
        normalized=text,
        issues=tuple(issues),
        sex=sex,
        birth_date=born,
        address_code=address,
        region=table.region_name(address) if division is not None else None,
        legacy_upgraded=legacy,
    )


def consistency(
    result: IdCheck, *, sex_code: int | None, birth_year: int | None, birth_month: int | None
) -> list[IdIssue]:
    """Soft edits of D3 against D4 (sex code 1/2) and D5 (year, month of birth)."""
    found: list[IdIssue] = []
    if result.sex is not None and sex_code in (1, 2) and (sex_code == 1) != (result.sex == "male"):
        found.append(IdIssue(errors.ID_SEX_MISMATCH, "soft"))
    if (
        result.birth_date is not None
        and birth_year is not None
        and birth_month is not None
        and (result.birth_date.year, result.birth_date.month) != (birth_year, birth_month)
    ):
        found.append(IdIssue(errors.ID_BIRTH_MISMATCH, "soft"))
    return found


def mask(value: str | None, style: Literal["default", "area"] = "default") -> str:
    """Hide birth date and sequence: ``1****************X``; ``area`` keeps digits 1-6 and the last.

    Works on any string (also invalid input), keeping its length, so masked values are safe in logs.
    """
    if not value:
        return ""
    if len(value) <= 2:
        return "*" * len(value)
    keep = 6 if style == "area" and len(value) >= 12 else 1
    return value[:keep] + "*" * (len(value) - keep - 1) + value[-1]


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
