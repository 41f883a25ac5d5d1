"""Household drafts: the shape check a draft passes before it is kept, and a reading of a stored
draft that never fails.

A draft is the household's partial answers in the shared household JSON (docs/questionnaire.md).
Before it is kept it passes the submission path's shape check
(``questionnaire.household.read_household``: every value readable as its item's type, no unknown
key, the rosters lists of objects) within bounds — nesting depth, size, roster lengths, text
lengths. A malformed draft is refused with E2103, listing each malformed place (never a value); a
draft beyond a bound with E2104, naming the bound. Wrong answers of the right type (code 13, month
13) are findings, not shape problems: a draft may hold them until it is submitted.

A draft stored by older code may be malformed. ``readable`` keeps what the same check accepts,
value by value, and names the places it left out, so every page can show the household and the
enumerator what could be read and say plainly that something could not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError
from headcount.questionnaire.household import read_household
from headcount.questionnaire.loader import get_form, reference_forms
from headcount.questionnaire.schema import Form, Item, Scope

FORM = "short"  # households report on the short form
MAX_DEPTH = 6  # record › persons › person › value: 3 levels; count_by_sex one more
MAX_BYTES = 256_000  # a household of 60 takes about 80 kB
MAX_PERSONS = 60  # one interview page (the enumerator takes an unfinished draft over)
MAX_DEATHS = 99  # H4 counts at most 99 (the pages cap the death forms there)
MAX_CONFIRMED = 1_000
MAX_TEXT = 200  # any string without an item length of its own (as the pages' parser)
_MAX_CODE = 80  # a confirmation: a rule code and a target
_TOP_KEYS = frozenset({"form", "household_no", "items", "persons", "deaths", "confirmed"})
_ROSTERS: tuple[tuple[str, Scope, str, int], ...] = (
    ("persons", "person", "person_no", MAX_PERSONS),
    ("deaths", "death", "death_no", MAX_DEATHS),
)


def empty_record(household_no: str) -> dict[str, Any]:
    return {"form": FORM, "household_no": household_no, "items": {}, "persons": [], "deaths": []}


def _form() -> Form:
    return get_form(FORM)


def _too_deep(value: Any, limit: int) -> bool:
    """Containers nested deeper than ``limit`` (the record itself is level 1); no recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _bounds(record: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first bound the record exceeds, as (bound, limit), or None."""
    if _too_deep(record, MAX_DEPTH):
        return "depth", MAX_DEPTH
    for key, _, _, limit in _ROSTERS:
        rows = record.get(key)
        if isinstance(rows, list) and len(rows) > limit:
            return key, limit
    confirmed = record.get("confirmed")
    if isinstance(confirmed, list) and len(confirmed) > MAX_CONFIRMED:
        return "confirmed", MAX_CONFIRMED
    if len(json.dumps(record, ensure_ascii=False).encode()) > MAX_BYTES:
        return "bytes", MAX_BYTES
    return None


def _text_limit(item: Item | None) -> int:
    return (item.max_length or MAX_TEXT) if item is not None else MAX_TEXT


def _long_text(path: str, item: Item) -> dict[str, Any]:
    limit = _text_limit(item)
    return HeadcountError(
        errors.VALUE_TYPE,
        path=path,
        item=item.id,
        expected_zh=f"不超过 {limit} 个字符的文本",
        expected_en=f"text of at most {limit} characters",
    ).to_dict()


def _long_texts(record: Mapping[str, Any], form: Form) -> list[dict[str, Any]]:
    """Strings longer than their item allows (the shape check reads any length)."""
    found: list[dict[str, Any]] = []
    sections: list[tuple[str, Scope, Any]] = [("items", "household", record.get("items"))]
    for key, scope, _, _ in _ROSTERS:
        rows = record.get(key)
        if isinstance(rows, list):
            sections.extend((f"{key}[{n}]", scope, row) for n, row in enumerate(rows))
    for path, scope, values in sections:
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            item = form.item(scope, key) if isinstance(key, str) else None
            if item is not None and isinstance(value, str) and len(value) > _text_limit(item):
                found.append(_long_text(f"{path}.{key}", item))
    return found


def problems(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every malformed place of a draft (as E12xx problems with their paths), or none."""
    form = _form()
    found: list[dict[str, Any]] = []
    try:
        read_household(dict(record), reference_forms())
    except HeadcountError as exc:
        if exc.problem is errors.HOUSEHOLD_MALFORMED:
            found.extend(exc.details.get("problems", []))
        else:
            found.append(exc.to_dict())
    found.extend(_long_texts(record, form))
    return found


def check(record: Mapping[str, Any]) -> None:
    """Refuse a draft that is beyond a bound (E2104) or malformed (E2103); nothing is kept."""
    exceeded = _bounds(record)
    if exceeded is not None:
        bound, limit = exceeded
        raise HeadcountError(errors.DRAFT_TOO_LARGE, bound=bound, limit=limit)
    found = problems(record)
    if found:
        raise HeadcountError(errors.DRAFT_MALFORMED, count=len(found), problems=found)


# --- reading a stored draft ------------------------------------------------------------------


def _key(key: object) -> str:
    """A key as it is named among the places left out: short and printable, never a value."""
    text = str(key)[:40]
    return text if text.isprintable() else repr(text)


def _value_ok(form: Form, scope: Scope, key: str, value: Any) -> bool:
    """One answer as the shape check reads it on its own."""
    if isinstance(value, str) and len(value) > _text_limit(form.item(scope, key)):
        return False
    sample: dict[str, Any] = {"form": form.form_id}
    if scope == "household":
        sample["items"] = {key: value}
    else:
        sample["persons" if scope == "person" else "deaths"] = [{key: value}]
    try:
        read_household(sample, reference_forms())
    except HeadcountError:
        return False
    return True


def _section(
    form: Form, scope: Scope, path: str, raw: dict[Any, Any], skip: str | None, dropped: list[str]
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if key == skip:
            continue  # roster numbers are positions: renumbered anyway
        if isinstance(key, str) and _value_ok(form, scope, key, value):
            kept[key] = value
        else:
            dropped.append(f"{path}.{_key(key)}")
    return kept


def _confirmations(raw: Any, dropped: list[str]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        dropped.append("confirmed")
        return []
    kept = []
    for n, code in enumerate(raw[:MAX_CONFIRMED]):
        sample = {"form": FORM, "confirmed": [code]}
        try:
            ok = isinstance(code, str) and len(code) <= _MAX_CODE
            if ok:
                read_household(sample, reference_forms())
        except HeadcountError:
            ok = False
        if ok:
            kept.append(code)
        else:
            dropped.append(f"confirmed[{n}]")
    if len(raw) > MAX_CONFIRMED:
        dropped.append(f"confirmed[{MAX_CONFIRMED}:]")
    return kept


def _salvage(raw: dict[Any, Any], household_no: str) -> tuple[dict[str, Any], list[str]]:
    form = _form()
    dropped: list[str] = [_key(k) for k in raw if k not in _TOP_KEYS and k != "household_id"]
    record = empty_record(household_no)
    items = raw.get("items")
    if isinstance(items, dict):
        record["items"] = _section(form, "household", "items", items, None, dropped)
    elif items is not None:
        dropped.append("items")
    for key, scope, number_key, limit in _ROSTERS:
        rows = raw.get(key)
        if rows is None:
            continue
        if not isinstance(rows, list):
            dropped.append(key)
            continue
        if len(rows) > limit:
            dropped.append(f"{key}[{limit}:]")
        for n, row in enumerate(rows[:limit]):
            path = f"{key}[{n}]"
            if isinstance(row, dict):
                record[key].append(_section(form, scope, path, row, number_key, dropped))
            else:
                dropped.append(path)
                record[key].append({})  # the place stays: later members keep their numbers
    confirmed = _confirmations(raw.get("confirmed"), dropped)
    if confirmed:
        record["confirmed"] = confirmed
    return record, dropped


def readable(raw: Any, household_no: str) -> tuple[dict[str, Any], list[str]]:
    """A stored draft as pages may use it, and the places left out because they could not be
    read (empty when the draft passes the shape check). Never raises."""
    if raw is None:
        return empty_record(household_no), []
    if not isinstance(raw, dict):
        return empty_record(household_no), ["record"]
    candidate = {k: v for k, v in raw.items() if k != "household_id"}
    candidate.update(form=FORM, household_no=household_no)
    if _bounds(candidate) is None and not problems(candidate):
        return {**empty_record(household_no), **candidate}, []
    record, dropped = _salvage(raw, household_no)
    if _bounds(record) is not None or problems(record):
        return empty_record(household_no), ["record"]  # not expected: everything kept was read
    return record, dropped or ["record"]
