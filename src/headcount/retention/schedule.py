"""The retention schedule: how long each class of data is kept, as a versioned YAML file.

A schedule names its census wave, the dates of the wave's calendar that rules count from (at
least ``processing_close``: the day processing of the wave closed), and one rule per data class:

* ``action: shred`` — crypto-shred the key scopes holding the class (``household_originals``,
  ``register_copies``, ``processing_key``), optionally deleting its rows (``delete_rows``);
* ``action: delete`` — delete the extract directories listed under ``paths`` (``extracts``);
* ``action: keep`` — never touched by this job (``audit``: at least 180 days by law, L5;
  ``aggregates``: the census results; ``staff_records``: personnel rules, not this job's).

A rule's due date is its event's date plus ``months`` (and ``days``). The whole file is checked
before anything is planned: a rule due before the processing close (E2212), a kept class given a
destroying action (E2213) or any other fault (E2211) refuses the schedule, so nothing can be
destroyed early by a typing mistake.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from headcount import errors
from headcount.errors import HeadcountError

FORMAT = "headcount-retention-schedule"
VERSION = 1
CLOSE = "processing_close"
AUDIT_MINIMUM_DAYS = 180  # L5: audit data younger than 180 days cannot be purged
# Class → the actions a rule may give it. Kept classes say why they are never destroyed here.
ACTIONS: dict[str, tuple[str, ...]] = {
    "household_originals": ("shred", "keep"),
    "register_copies": ("shred", "keep"),
    "processing_key": ("shred", "keep"),
    "extracts": ("delete", "keep"),
    "staff_records": ("keep",),
    "audit": ("keep",),
    "aggregates": ("keep",),
}
KEPT_BECAUSE = {
    "staff_records": "staff records follow the personnel rules / 人事档案按人事规定保管",
    "audit": f"audit data is kept at least {AUDIT_MINIMUM_DAYS} days (L5) / 审计日志至少保存180天",
    "aggregates": "the census results are kept / 汇总结果长期保存",
}
ROW_CLASSES = ("household_originals", "register_copies")  # classes whose rows can be deleted


@dataclass(frozen=True, slots=True)
class Rule:
    data_class: str
    stage: str
    action: str  # shred | delete | keep
    event: str
    months: int
    days: int
    due: date | None  # None for keep
    delete_rows: bool
    paths: tuple[Path, ...]  # extract directories (delete rules)


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    revision: int
    wave: str
    events: dict[str, date]
    rules: dict[str, Rule]
    digest: str  # SHA-256 of the file's bytes: the certificate names exactly this text
    source: str

    @property
    def processing_close(self) -> date:
        return self.events[CLOSE]

    def rule(self, data_class: str) -> Rule:
        return self.rules.get(data_class) or Rule(
            data_class, "", "keep", CLOSE, 0, 0, None, False, ()
        )


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 months = 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def load(path: Path | None = None) -> Schedule:
    """Read and check a schedule file; without ``path`` the shipped 2020 schedule."""
    if path is None:
        data = resources.files("headcount.retention").joinpath("data/schedule-2020.yaml")
        return parse(data.read_bytes(), name="schedule-2020.yaml")
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise HeadcountError(
            errors.RETENTION_SCHEDULE_UNREADABLE, path=str(path), reason=type(exc).__name__
        ) from None
    return parse(raw, name=str(path), base=Path(path).resolve().parent)


def parse(raw: bytes, *, name: str, base: Path | None = None) -> Schedule:
    """Check a schedule whole; relative extract paths are taken from ``base`` (its folder)."""
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HeadcountError(
            errors.RETENTION_SCHEDULE_UNREADABLE, path=name, reason=type(exc).__name__
        ) from None

    def bad(where: str, reason: str) -> HeadcountError:
        return HeadcountError(
            errors.RETENTION_SCHEDULE_INVALID, path=name, where=where, reason=reason
        )

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad("format", f"not a {FORMAT}")
    if doc.get("version") != VERSION:
        raise bad("version", f"version must be {VERSION}")
    revision = doc.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise bad("revision", "a whole number ≥ 1")
    wave = str(doc.get("wave", "")).strip()
    if not wave.isalnum():
        raise bad("wave", "a census wave such as 2020")
    events = _events(doc.get("calendar"), bad)
    rules_doc = doc.get("rules")
    if not isinstance(rules_doc, list) or not rules_doc:
        raise bad("rules", "a non-empty list")
    rules: dict[str, Rule] = {}
    for number, item in enumerate(rules_doc, start=1):
        rule = _rule(item, f"rules[{number}]", events, bad, base or Path.cwd())
        if rule.data_class in rules:
            raise bad(f"rules[{number}]", f"a second rule for {rule.data_class}")
        rules[rule.data_class] = rule
    close = events[CLOSE]
    for rule in rules.values():
        # Checked after every rule is read, so the message names the rule, not a line.
        if rule.due is not None and rule.due < close:
            raise HeadcountError(
                errors.RETENTION_BEFORE_CLOSE,
                rule=rule.data_class,
                due=rule.due.isoformat(),
                close=close.isoformat(),
            )
    return Schedule(
        name=str(doc.get("name") or Path(name).stem),
        revision=revision,
        wave=wave,
        events=events,
        rules=rules,
        digest=hashlib.sha256(raw).hexdigest(),
        source=name,
    )


def _events(doc: Any, bad: Any) -> dict[str, date]:
    if not isinstance(doc, dict) or CLOSE not in doc:
        raise bad("calendar", f"needs {CLOSE}: the day processing of the wave closed")
    events: dict[str, date] = {}
    for key, value in doc.items():
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise bad(f"calendar.{key}", "a date YYYY-MM-DD") from None
        if not isinstance(value, date):
            raise bad(f"calendar.{key}", "a date YYYY-MM-DD")
        events[str(key)] = value
    return events


def _rule(item: Any, where: str, events: dict[str, date], bad: Any, base: Path) -> Rule:
    if not isinstance(item, dict):
        raise bad(where, "a mapping")
    unknown = set(item) - {"class", "stage", "action", "after", "delete_rows", "paths"}
    if unknown:
        raise bad(where, f"unknown key {sorted(unknown)[0]}")
    data_class = str(item.get("class", ""))
    if data_class not in ACTIONS:
        raise bad(where, f"class must be one of {', '.join(ACTIONS)}")
    action = str(item.get("action", ""))
    if action not in ("shred", "delete", "keep"):
        raise bad(where, "action must be shred, delete or keep")
    if action not in ACTIONS[data_class]:
        if data_class in KEPT_BECAUSE:
            raise HeadcountError(
                errors.RETENTION_CLASS_KEPT, data_class=data_class, why=KEPT_BECAUSE[data_class]
            )
        raise bad(where, f"{data_class} allows {' or '.join(ACTIONS[data_class])}")
    delete_rows = item.get("delete_rows", False)
    if not isinstance(delete_rows, bool) or (delete_rows and data_class not in ROW_CLASSES):
        raise bad(where, f"delete_rows is true or false, for {' and '.join(ROW_CLASSES)} only")
    paths_doc = item.get("paths", [])
    if not isinstance(paths_doc, list) or not all(isinstance(p, str) for p in paths_doc):
        raise bad(where, "paths is a list of directories")
    if paths_doc and data_class != "extracts":
        raise bad(where, "paths belong to the extracts rule")
    paths = tuple((base / p).resolve() for p in paths_doc)
    if action == "keep":
        if "after" in item:
            raise bad(where, "a kept class has no 'after'")
        return Rule(data_class, str(item.get("stage", "")), action, CLOSE, 0, 0, None, False, ())
    after = item.get("after")
    if not isinstance(after, dict) or set(after) - {"event", "months", "days"}:
        raise bad(f"{where}.after", "event, months, days")
    event = str(after.get("event", CLOSE))
    if event not in events:
        raise bad(f"{where}.after", f"event {event} is not in the calendar")
    months, days = after.get("months", 0), after.get("days", 0)
    for value in (months, days):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1200:
            raise bad(f"{where}.after", "months and days are whole numbers from 0")
    due = add_months(events[event], months) + timedelta(days=days)
    stage = str(item.get("stage", ""))
    return Rule(data_class, stage, action, event, months, days, due, delete_rows, paths)
