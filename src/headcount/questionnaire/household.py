"""Read a household JSON object into flat, typed records, reporting every malformed field.

Shape (the data contract)::

    {"form": "short", "household_no": "001",
     "items": {"household_type": 1, "births": {"male": 0, "female": 1}, ...},
     "persons": [{"name": "…", "relationship": 0, "birth_year_month": "1980-05", ...}, ...],
     "deaths": [{"sex": 1, "death_year_month": "2020-03", ...}],
     "confirmed": ["AGE_GAP_CHILD@3", "H3_BIRTHS_MALE", "DEATH_AGE@d1"]}

*Malformed* means the value cannot be read as its type (a string for a code, "1990/05" for a
year_month, an unknown key): that is an E12xx error for the whole household, listing every field.
A value of the right type that is wrong (code 13, month 13, a 17-digit ID) is read as is and left to
the edits, which report it as a finding the respondent can fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError, ProblemList
from headcount.identity.citizen_id import normalize
from headcount.questionnaire.schema import SCOPES, Form, Item, Scope

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_CONFIRMATION = re.compile(r"([A-Za-z][A-Za-z0-9_.]*)(?:@(d?)([1-9][0-9]{0,3}))?")
_TOP_KEYS = {"form", "household_no", "household_id", "items", "persons", "deaths", "confirmed"}
_EXPECTED: dict[str, tuple[str, str]] = {
    "code_int": ("整数代码", "an integer code"),
    "code_str": ("代码字符串", "a code string"),
    "int": ("整数", "an integer"),
    "number": ("数值", "a number"),
    "text": ("文本", "text"),
    "id18": ("字符串形式的公民身份号码", "an ID number as a string"),
    "place": ("6 位行政区划代码字符串", "a 6-digit division code string"),
    "year_month": ("“YYYY-MM”格式的年月", 'a year and month as "YYYY-MM"'),
    "count_by_sex": ('{"male": 整数, "female": 整数}', '{"male": int, "female": int}'),
}

# (kind, number): ("", 3) is person 3, ("d", 2) death form 2, None the household.
Target = tuple[str, int] | None


@dataclass(slots=True)
class HouseholdRecord:
    form: Form
    household_no: str | None
    household_id: str | None
    items: dict[str, Any]
    persons: list[dict[str, Any]]
    deaths: list[dict[str, Any]]
    confirmed: set[tuple[str, Target]] = field(default_factory=set)


class _Reader:
    def __init__(self, form: Form) -> None:
        self.form = form
        self.problems = ProblemList()
        self.by_key = {scope: {i.key: i for i in form.items(scope)} for scope in SCOPES}
        # Flattened column names per item (by identity: person and death items share keys).
        self.columns = {id(i): i.columns() for scope in SCOPES for i in form.items(scope)}

    def wrong(self, path: str, item: Item, expected: str) -> None:
        zh, en = _EXPECTED[expected]
        self.problems.add(
            errors.VALUE_TYPE, path=path, item=item.id, expected_zh=zh, expected_en=en
        )

    def value(self, path: str, item: Item, raw: Any, out: dict[str, Any]) -> None:
        cols = self.columns[id(item)]
        for col in cols:
            out[col] = None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return  # empty: the required-item edit reports it if it was asked
        kind = item.type
        if kind == "code":
            as_str = bool(item.codes) and isinstance(item.codes[0].code, str)
            if as_str and isinstance(raw, str):
                out[cols[0]] = raw.strip()
            elif not as_str and isinstance(raw, int) and not isinstance(raw, bool):
                out[cols[0]] = raw
            else:
                self.wrong(path, item, "code_str" if as_str else "code_int")
        elif kind == "int":
            if isinstance(raw, int) and not isinstance(raw, bool):
                out[cols[0]] = raw
            else:
                self.wrong(path, item, "int")
        elif kind == "number":
            ok = isinstance(raw, int | float) and not isinstance(raw, bool)
            if ok and math.isfinite(raw):
                out[cols[0]] = float(raw)
            else:
                self.wrong(path, item, "number")
        elif kind in ("text", "place", "id18"):
            if not isinstance(raw, str):
                self.wrong(path, item, kind)
            else:
                out[cols[0]] = normalize(raw) if kind == "id18" else raw.strip()
        elif kind == "year_month":
            match = _YEAR_MONTH.fullmatch(raw.strip()) if isinstance(raw, str) else None
            if match is None:
                self.wrong(path, item, "year_month")
            else:
                out[cols[0]], out[cols[1]] = int(match.group(1)), int(match.group(2))
        elif kind == "count_by_sex":
            self.count_by_sex(path, item, raw, out)

    def count_by_sex(self, path: str, item: Item, raw: Any, out: dict[str, Any]) -> None:
        if not isinstance(raw, dict) or set(raw) - {"male", "female"}:
            self.wrong(path, item, "count_by_sex")
            return
        for sex, col in zip(("male", "female"), item.columns(), strict=True):
            part = raw.get(sex)
            if part is None:
                continue
            if isinstance(part, int) and not isinstance(part, bool):
                out[col] = part
            else:
                self.wrong(f"{path}.{sex}", item, "count_by_sex")

    def record(self, path: str, scope: Scope, raw: Any, number_key: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not isinstance(raw, dict):
            self.problems.add(errors.FIELD_NOT_OBJECT, path=path)
            raw = {}
        by_key = self.by_key[scope]
        for key in raw:
            if key not in by_key and key != number_key:
                self.problems.add(
                    errors.FIELD_UNKNOWN, path=f"{path}.{_safe(key)}", form=self.form.form_id
                )
        for key, item in by_key.items():
            self.value(f"{path}.{key}", item, raw.get(key), out)
        return out

    def roster(self, name: str, scope: Scope, raw: Any, number_key: str) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problems.add(errors.FIELD_NOT_OBJECT, path=name)
            return []
        rows = []
        for index, entry in enumerate(raw):
            path = f"{name}[{index}]"
            row = self.record(path, scope, entry, number_key)
            given = entry.get(number_key) if isinstance(entry, dict) else None
            if given is not None and given != index + 1:
                self.problems.add(
                    errors.VALUE_TYPE,
                    path=f"{path}.{number_key}",
                    item=number_key,
                    expected_zh=f"{index + 1}（名单中的位置）",
                    expected_en=f"{index + 1} (its position in the list)",
                )
            row[number_key] = index + 1
            rows.append(row)
        return rows

    def confirmations(self, raw: Any) -> set[tuple[str, Target]]:
        found: set[tuple[str, Target]] = set()
        if raw is None:
            return found
        if not isinstance(raw, list):
            self.problems.add(errors.CONFIRMATION_INVALID, path="confirmed")
            return found
        for index, entry in enumerate(raw):
            match = _CONFIRMATION.fullmatch(entry) if isinstance(entry, str) else None
            if match is None:
                self.problems.add(errors.CONFIRMATION_INVALID, path=f"confirmed[{index}]")
                continue
            code, kind, number = match.groups()
            found.add((code, (kind, int(number)) if number else None))
        return found


def _safe(key: object) -> str:
    # Unknown keys are echoed in errors: keep them short and printable, never a whole value.
    text = str(key)
    return text[:40] if text.isprintable() else repr(text[:40])


def read_household(
    raw: Any, forms: Mapping[str, Form], *, allow_provisional: bool = False
) -> HouseholdRecord:
    """Typed records of one household, or one HeadcountError (E1204) listing every bad field.

    A provisional form (not yet verified against the official text) is refused unless allowed.
    """
    from headcount.questionnaire.loader import get_form

    if not isinstance(raw, dict):
        raise HeadcountError(errors.FIELD_NOT_OBJECT, path="household")
    form_id = raw.get("form")
    if not isinstance(form_id, str):
        raise HeadcountError(errors.FIELD_MISSING, path="form")
    household_forms = {k: f for k, f in forms.items() if f.household_items}
    form = get_form(form_id, household_forms)
    if form.provisional and not allow_provisional:
        raise HeadcountError(errors.FORM_PROVISIONAL, form=form.form_id)
    reader = _Reader(form)
    for key in raw:
        if key not in _TOP_KEYS:
            reader.problems.add(errors.FIELD_UNKNOWN, path=_safe(key), form=form.form_id)
    household_no = raw.get("household_no")
    if household_no is not None and not isinstance(household_no, str):
        reader.problems.add(
            errors.VALUE_TYPE,
            path="household_no",
            item="household_no",
            expected_zh="字符串",
            expected_en="a string",
        )
        household_no = None
    household_id = raw.get("household_id")
    items = reader.record("items", "household", raw.get("items", {}), None)
    persons = reader.roster("persons", "person", raw.get("persons"), "person_no")
    deaths = reader.roster("deaths", "death", raw.get("deaths"), "death_no")
    if raw.get("deaths") and not form.death_items:
        reader.problems.add(errors.FIELD_UNKNOWN, path="deaths", form=form.form_id)
    confirmed = reader.confirmations(raw.get("confirmed"))
    if reader.problems:
        raise HeadcountError(
            errors.HOUSEHOLD_MALFORMED,
            count=len(reader.problems.items),
            problems=[p.to_dict() for p in reader.problems.items],
        )
    # Rules compare household_no with "999"; an unknown number is an ordinary household.
    items["household_no"] = household_no if household_no is not None else ""
    return HouseholdRecord(
        form=form,
        household_no=household_no,
        household_id=str(household_id) if household_id is not None else None,
        items=items,
        persons=persons,
        deaths=deaths,
        confirmed=confirmed,
    )
