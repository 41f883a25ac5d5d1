"""The questionnaire page renderer: form items → page fields, posted fields → household JSON.

Pages show only what the form asks of what is already answered (``engine.asked_items``: universes
and skips, evaluated on the server), each field with its findings beside it. Posted fields are read
back into the shared household JSON (year_month as "YYYY-MM", count_by_sex as {"male", "female"},
codes as the form's integers or code strings); a value that cannot be read is dropped and reported
beside its field, so a draft never holds a malformed answer.

Input names: ``<scope>-<key>``, plus ``-year``/``-month`` and ``-male``/``-female`` for the two
compound types; the scope is ``h`` (household), ``p`` (one person) or ``d`` (one death form).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError, Lang
from headcount.identity.citizen_id import normalize
from headcount.identity.divisions import divisions
from headcount.questionnaire.engine import engine_for
from headcount.questionnaire.findings import Finding
from headcount.questionnaire.household import read_household
from headcount.questionnaire.loader import get_form, reference_forms
from headcount.questionnaire.schema import Form, Item, Label, Scope

RADIO_MAX = 10  # more options than this render as a select
_YEAR = re.compile(r"^\d{4}$")
_COUNTY = re.compile(r"^\d{6}$")
_NOT_INT = Label(zh="请填写整数", en="Enter a whole number")
_NOT_NUMBER = Label(zh="请填写数字", en="Enter a number")
_NOT_CODE = Label(zh="请从列表中选择", en="Choose from the list")
_NOT_YEAR_MONTH = Label(zh="请填写 4 位年份和月份", en="Enter a 4-digit year and a month")
_NOT_COUNTY = Label(zh="请填写 6 位县级行政区划代码", en="Enter the 6-digit county code")
_TOO_LONG = Label(zh="内容过长", en="Too long")
PREFIX: dict[Scope, str] = {"household": "h", "person": "p", "death": "d"}


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    checked: bool


@dataclass(slots=True)
class FieldView:
    """One item as a page shows it."""

    item: Item
    prefix: str
    lang: Lang
    value: Any
    messages: list[str] = field(default_factory=list)
    soft: list[tuple[str, str, bool]] = field(default_factory=list)  # (target, message, ticked)
    targets: list[str] = field(default_factory=list)  # every finding shown here (``seen``)
    on_file: str = ""  # a personal value kept on the server, as the viewer may see it

    @property
    def id(self) -> str:
        return f"{self.prefix}-{self.item.key}"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def label(self) -> str:
        return _text(self.item.label, self.lang)

    @property
    def unit(self) -> str:
        return _text(self.item.unit, self.lang) if self.item.unit else ""

    @property
    def kind(self) -> str:
        if self.item.type == "code":
            return "radio" if len(self.item.codes) <= RADIO_MAX else "select"
        return self.item.type

    @property
    def invalid(self) -> bool:
        return bool(self.messages or self.soft)

    @property
    def options(self) -> list[Option]:
        current = "" if self.value is None else str(self.value)
        return [
            Option(str(o.code), o.zh if self.lang == "zh" else o.en, str(o.code) == current)
            for o in self.item.codes
        ]

    def part(self, name: str) -> str:
        """A compound value's part as text: year/month of a year_month, male/female counts."""
        value = self.value
        if self.item.type == "year_month" and isinstance(value, str) and "-" in value:
            year, _, month = value.partition("-")
            return year if name == "year" else str(int(month)) if month.isdigit() else month
        if self.item.type == "count_by_sex" and isinstance(value, Mapping):
            got = value.get(name)
            return "" if got is None else str(got)
        return ""

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)

    @property
    def place_name(self) -> str:
        """The division a place code names (shown beside the code, so a typo is seen at once)."""
        if self.item.type != "place" or not isinstance(self.value, str):
            return ""
        return divisions().region_name(self.value) or ""

    @property
    def shown(self) -> str:
        """The answer in words (review and read-only pages)."""
        if self.value is None or self.value == "":
            return "—"
        if self.item.type == "code":
            return self.item.code_label(self.value, self.lang) or str(self.value)
        if self.item.type == "place":
            return f"{self.value} {self.place_name}".strip()
        if self.item.type == "count_by_sex" and isinstance(self.value, Mapping):
            male, female = ("男", "女") if self.lang == "zh" else ("male", "female")
            return f"{male} {self.value.get('male', 0)} / {female} {self.value.get('female', 0)}"
        return f"{self.value} {self.unit}".strip()


def _text(label: Label | None, lang: Lang) -> str:
    if label is None:
        return ""
    return label.zh if lang == "zh" else label.en


def short_form() -> Form:
    return get_form("short")


def death_items(form: Form) -> tuple[Item, ...]:
    if form.death_items:
        return form.death_items
    return get_form(form.death_form).death_items if form.death_form else ()


def title(form: Form, lang: Lang) -> str:
    return _text(form.title, lang)


def asked(record: Mapping[str, Any], *, allow_provisional: bool = False) -> dict[str, Any] | None:
    """Item keys asked of the household, each person and death form; None when the answers
    cannot be read yet (every item without a universe is shown then). A provisional form's
    answers are read only when ``allow_provisional`` (the server's setting)."""
    try:
        parsed = read_household(
            dict(record), reference_forms(), allow_provisional=allow_provisional
        )
    except HeadcountError:
        return None
    return engine_for(parsed.form).asked_items(parsed)


def fields(
    form: Form,
    scope: Scope,
    values: Mapping[str, Any],
    asked_keys: Sequence[str] | None,
    lang: Lang,
    *,
    findings: Sequence[Finding] = (),
    problems: Mapping[str, Label] | None = None,
    confirmed: Sequence[str] = (),
    prefix: str | None = None,
) -> list[FieldView]:
    """The fields of one scope in form order, only those asked, findings beside their items.

    ``prefix`` names the inputs when several rosters' rows share a page (``p2``, ``d1``)."""
    items = death_items(form) if scope == "death" else form.items(scope)
    keep = set(asked_keys) if asked_keys is not None else {i.key for i in items if not i.universe}
    out: list[FieldView] = []
    for item in items:
        if item.key not in keep:
            continue
        view = FieldView(item, prefix or PREFIX[scope], lang, values.get(item.key))
        if problems and item.key in problems:
            view.messages.append(_text(problems[item.key], lang))
        for finding in findings:
            if finding.item != item.key:
                continue
            message = _text(finding.message, lang)
            view.targets.append(finding.target)
            if finding.severity == "hard":
                view.messages.append(message)
            else:
                view.soft.append((finding.target, message, finding.target in confirmed))
        out.append(view)
    # A finding on an item this page does not show still needs to be seen: the first field.
    shown = {v.item.key for v in out}
    for finding in findings:
        if finding.item not in shown and out:
            text = _text(finding.message, lang)
            out[0].targets.append(finding.target)
            if finding.severity == "hard":
                out[0].messages.append(text)
            else:
                out[0].soft.append((finding.target, text, finding.target in confirmed))
    return out


def scope_findings(
    findings: Sequence[Finding], scope: Scope, number: int | None = None
) -> list[Finding]:
    if scope == "household":
        return [f for f in findings if f.person_no is None and f.death_no is None]
    if scope == "person":
        return [f for f in findings if f.person_no == number and f.death_no is None]
    return [f for f in findings if f.death_no == number]


def parse(
    items: Sequence[Item], posted: Mapping[str, Any], prefix: str, keys: Sequence[str] | None
) -> tuple[dict[str, Any], dict[str, Label]]:
    """Posted fields of the listed items → contract values, and a problem per unreadable field.

    Items not on the page (``keys``) are left out of the result, so the caller keeps their saved
    answers; an item on the page but left empty becomes None (an answer removed).
    """
    values: dict[str, Any] = {}
    problems: dict[str, Label] = {}
    wanted = set(keys) if keys is not None else None
    for item in items:
        if wanted is not None and item.key not in wanted:
            continue
        name = f"{prefix}-{item.key}"
        try:
            values[item.key] = _value(item, posted, name)
        except ValueError as exc:
            values[item.key] = None
            problems[item.key] = exc.args[0]
    return values, problems


def _value(item: Item, posted: Mapping[str, Any], name: str) -> Any:
    if item.type == "year_month":
        year = str(posted.get(f"{name}-year", "")).strip()
        month = str(posted.get(f"{name}-month", "")).strip()
        if not year and not month:
            return None
        if not _YEAR.match(year) or not month.isdigit() or not 1 <= int(month) <= 12:
            raise ValueError(_NOT_YEAR_MONTH)
        return f"{year}-{int(month):02d}"
    if item.type == "count_by_sex":
        parts = {s: str(posted.get(f"{name}-{s}", "")).strip() for s in ("male", "female")}
        if not any(parts.values()):
            return None
        try:
            return {s: int(v or "0") for s, v in parts.items()}
        except ValueError:
            raise ValueError(_NOT_INT) from None
    raw = str(posted.get(name, "")).strip()
    if not raw:
        return None
    if item.type == "code":
        for option in item.codes:
            if str(option.code) == raw:
                return option.code
        raise ValueError(_NOT_CODE)
    if item.type == "int":
        if not re.fullmatch(r"-?\d{1,9}", raw):
            raise ValueError(_NOT_INT)
        return int(raw)
    if item.type == "number":
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(_NOT_NUMBER) from None
        return int(number) if number.is_integer() else number
    if item.type == "place":
        return _place(raw)
    if item.type == "id18":
        return normalize(raw)
    limit = item.max_length or 200
    if len(raw) > limit:
        raise ValueError(_TOO_LONG)
    return raw


def _place(raw: str) -> str:
    """A county by its 6-digit code, or by its name ("朝阳区", "北京市朝阳区"): a picker that
    needs no script. A name shared by several counties is answered with their codes to choose."""
    if _COUNTY.match(raw):
        return raw
    typed = "".join(unicodedata.normalize("NFKC", raw).split())
    if len(typed) < 2:
        raise ValueError(_NOT_COUNTY)
    table = divisions()
    found = []
    for county in table.counties():
        full = "".join((table.region_name(county.code) or "").split())
        if typed == county.name or typed == full or (len(typed) >= 3 and full.endswith(typed)):
            found.append((county.code, table.region_name(county.code) or county.name))
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise ValueError(
            Label(
                zh=f"找不到“{typed[:20]}”，请填写 6 位代码",
                en=f"No county “{typed[:20]}”: enter its 6-digit code",
            )
        )
    listed = "；".join(f"{code} {name}" for code, name in found[:6])
    raise ValueError(
        Label(
            zh=f"有 {len(found)} 个同名区县，请填写其中一个的代码：{listed}",
            en=f"{len(found)} counties have this name; enter one of their codes: {listed}",
        )
    )


# --- form tokens (CSRF) ----------------------------------------------------------------------


def form_token(session_token: str) -> str:
    """A per-session token for every POSTed page form, derived from the session's secret token
    (never stored; a page of another session, or a cross-site post, cannot know it)."""
    return hmac.new(session_token.encode(), b"headcount-form", hashlib.sha256).hexdigest()[:32]


def check_form_token(session_token: str, posted: str | None) -> None:
    if not posted or not hmac.compare_digest(form_token(session_token), posted):
        raise HeadcountError(errors.FORM_EXPIRED)
