"""Household records in the shared JSON shape, split into coded answers and personal information.

{"form": "short", "household_no": "001", "items": {...}, "persons": [{...}, ...], "deaths": [...]}

Coded answers stay in clear (queryable); the values of PI keys (names, ID numbers, phones,
addresses, free text) are pulled out, to be encrypted as one blob per version and per field in
``persons``. ``merge`` puts them back for an authorised read.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError
from headcount.questionnaire.loader import reference_forms
from headcount.questionnaire.personal import personal_data

# Keys whose values are personal information wherever they appear (household, person or death),
# derived from the forms' item protections (questionnaire.personal): never listed here by hand.
PI_KEYS = personal_data(reference_forms()).encrypted
PERSON_COLUMNS = (
    "relationship",
    "sex",
    "ethnic_group",
    "residence_at_reference",
    "hukou_place",
    "residence_county",
    "hukou_county",
)


@dataclass(frozen=True, slots=True)
class SplitRecord:
    answers: dict[str, Any]  # the record without PI values
    pi: dict[str, Any]  # {"items": {...}, "persons": [{...}], "deaths": [{...}]}


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def check_shape(record: Any) -> dict[str, Any]:
    """The structural minimum the store needs; the questionnaire engine validates the answers."""
    if not isinstance(record, dict):
        raise HeadcountError(errors.SUBMISSION_INVALID, reason="not a JSON object")
    if not isinstance(record.get("items", {}), dict):
        raise HeadcountError(errors.SUBMISSION_INVALID, reason="items is not an object")
    for part in ("persons", "deaths"):
        rows = record.get(part, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise HeadcountError(
                errors.SUBMISSION_INVALID, reason=f"{part} is not a list of objects"
            )
    if len(record.get("persons", [])) > 500:
        raise HeadcountError(errors.SUBMISSION_INVALID, reason="more than 500 persons")
    return record


def _pull(values: dict[str, Any], keys: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    clear = {k: v for k, v in values.items() if k not in keys}
    secret = {k: v for k, v in values.items() if k in keys and v is not None}
    return clear, secret


def split(record: dict[str, Any], pi_keys: frozenset[str] = PI_KEYS) -> SplitRecord:
    """The record's coded answers and its personal values (``pi_keys``: the census's forms)."""
    # New dicts at every level that holds PI; nested coded values (count_by_sex) are only read.
    answers = {k: v for k, v in record.items() if k not in ("persons", "deaths", "items")}
    items, item_pi = _pull(dict(record.get("items") or {}), pi_keys)
    answers["items"] = items
    pi: dict[str, Any] = {"items": item_pi, "persons": [], "deaths": []}
    for part in ("persons", "deaths"):
        rows = []
        for row in record.get(part, []):
            clear, secret = _pull(row, pi_keys)
            rows.append(clear)
            pi[part].append(secret)
        answers[part] = rows
    return SplitRecord(answers=answers, pi=pi)


def merge(answers: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(answers)
    record["items"] = {**record.get("items", {}), **pi.get("items", {})}
    for part in ("persons", "deaths"):
        rows = record.get(part, [])
        for row, secret in zip(rows, pi.get(part, []), strict=False):
            row.update(secret)
    return record


def person_columns(person: dict[str, Any]) -> dict[str, Any]:
    """The coded person items the store keeps as columns (the rest stays in ``answers``)."""
    out = {name: person.get(name) for name in PERSON_COLUMNS}
    for code_col in ("relationship", "sex", "residence_at_reference", "hukou_place"):
        out[code_col] = _int_or_none(out[code_col], code_col)
    for text_col, width in (("ethnic_group", 2), ("residence_county", 6), ("hukou_county", 6)):
        value = out[text_col]
        out[text_col] = str(value)[:width] if value not in (None, "") else None
    year, month = _year_month(person.get("birth_year_month"))
    out["birth_year"], out["birth_month"] = year, month
    return out


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        # The value itself is not echoed: a name typed into a code field must not reach a log.
        raise HeadcountError(errors.SUBMISSION_INVALID, reason=f"{name} is not a code") from None


def _year_month(value: Any) -> tuple[int | None, int | None]:
    if not value:
        return None, None
    text = str(value)
    try:
        year, month = text.split("-")
        return int(year), int(month)
    except ValueError:
        raise HeadcountError(
            errors.SUBMISSION_INVALID, reason="birth_year_month is not YYYY-MM"
        ) from None
