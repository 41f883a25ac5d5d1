"""Masking policies: what the redactor writes in place of each type of personal information.

The default policy is meant for publication (公示, tables, reports) and keeps only what classifies
a value, never what singles a person out (docs/scan.md explains each choice against GB/T 35273):

    citizen_id   1****************X   first digit and check character: no area, birth date or sex
    mobile       138********          the carrier prefix only
    landline     010********          the area code (a city) only
    bank_card    ***************0123  the last four digits, as on any receipt
    email        z***@example.com     the first character and the domain
    passport …   E********            the document letter only
    name         张*                  the surname and one star whatever the given name's length
    address      北京市东城区****      down to the county, never the street or door number

A policy file (YAML, or TOML by its suffix) overrides some types::

    name: {action: mask, keep_head: surname, width: 1}
    email: {action: replace, text: "[邮箱]"}
    address: {action: remove}
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan import masks
from headcount.scan.findings import PII_TYPES, PiiType


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["mask", "replace", "remove"] = "mask"
    keep_head: int | Literal["surname", "region", "area_code", "email"] = Field(0)
    keep_tail: int = Field(0, ge=0, le=8)
    fill: str = Field("*", min_length=1, max_length=1)
    width: int | None = Field(None, ge=1, le=32)  # fill characters; None keeps the length
    text: str | None = None  # the replacement for action "replace"

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.action == "replace" and self.text is None:
            raise ValueError("action 'replace' needs 'text'")
        if isinstance(self.keep_head, int) and not 0 <= self.keep_head <= 8:
            raise ValueError("keep_head must be between 0 and 8")
        return self

    def apply(self, kind: PiiType, value: str) -> str:
        if self.action == "remove":
            return ""
        if self.action == "replace":
            return self.text or ""
        text = masks.normalized(kind, value)
        if "*" in text:  # a partly masked ID: mask what is still visible
            return masks.mask(text, 1, 1, fill=self.fill)
        return masks.mask(text, self.keep_head, self.keep_tail, fill=self.fill, width=self.width)


DEFAULT_RULES: dict[PiiType, Rule] = {
    "citizen_id": Rule(keep_head=1, keep_tail=1),
    "mobile": Rule(keep_head=3),
    "landline": Rule(keep_head="area_code"),
    "bank_card": Rule(keep_tail=4),
    "email": Rule(keep_head="email", width=3),
    "passport": Rule(keep_head=1),
    "hk_macau_permit": Rule(keep_head=1),
    "taiwan_permit": Rule(keep_head=0),
    "name": Rule(keep_head="surname", width=1),
    "address": Rule(keep_head="region", width=4),
}


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[PiiType, Rule] = Field(default_factory=lambda: dict(DEFAULT_RULES))
    min_confidence: float = Field(0.5, ge=0.0, le=1.0)

    def replacement(self, kind: PiiType, value: str) -> str:
        return self.rules.get(kind, DEFAULT_RULES[kind]).apply(kind, value)


DEFAULT_POLICY = Policy()


def load_policy(path: Path) -> Policy:
    """Read a policy file: a mapping of type → rule, optionally ``min_confidence``."""
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HeadcountError(
            errors.REDACT_POLICY_INVALID, path=str(path), reason=type(exc).__name__
        ) from None
    try:
        data = tomllib.loads(raw) if path.suffix.lower() == ".toml" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError):
        raise HeadcountError(
            errors.REDACT_POLICY_INVALID, path=str(path), reason="not valid YAML/TOML"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise HeadcountError(
            errors.REDACT_POLICY_INVALID, path=str(path), reason="expected a mapping of types"
        )
    unknown = sorted(k for k in data if k not in (*PII_TYPES, "min_confidence"))
    if unknown:
        raise HeadcountError(
            errors.REDACT_POLICY_INVALID,
            path=str(path),
            reason=f"unknown type(s) {', '.join(map(str, unknown))}; known: {', '.join(PII_TYPES)}",
        )
    rules = dict(DEFAULT_RULES)
    for key, value in data.items():
        if key == "min_confidence":
            continue
        try:
            rules[cast(PiiType, key)] = Rule.model_validate(value)
        except ValidationError as exc:
            raise _invalid(path, key, exc) from None
    try:
        return Policy(rules=rules, min_confidence=data.get("min_confidence", 0.5))
    except ValidationError as exc:
        raise _invalid(path, "min_confidence", exc) from None


def _invalid(path: Path, key: str, exc: ValidationError) -> HeadcountError:
    first = exc.errors()[0]
    where = ".".join([key, *(str(p) for p in first["loc"])])
    return HeadcountError(
        errors.REDACT_POLICY_INVALID, path=str(path), reason=f"{where}: {first['msg']}"
    )
