"""The online executor: validate one household the moment it is entered (JSON in, findings out).

    result = validate_household(json.loads(body))
    result.accepted      # no hard finding, every soft finding confirmed
    result.to_json()     # findings with rule code, severity, item, person number, zh/en messages

Malformed input raises one HeadcountError (E1204 with every bad field, or E1201/E1205/E1208);
wrong answers are findings. The same edit set runs in batch (``batch.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from headcount.questionnaire.editset import EditSet, edit_set, scope_names
from headcount.questionnaire.evaluate import Ctx, Fn, PythonCompiler
from headcount.questionnaire.findings import Finding
from headcount.questionnaire.household import HouseholdRecord, read_household
from headcount.questionnaire.loader import reference_forms
from headcount.questionnaire.messages import render, who
from headcount.questionnaire.schema import SCOPES, Form, Item, Label, Scope, Severity


@dataclass(frozen=True, slots=True)
class _CompiledCheck:
    code: str
    severity: Severity
    item: Item | None
    item_key: str
    display_id: str
    when: Fn
    check: Fn
    message: Label


@dataclass(slots=True)
class HouseholdResult:
    form_id: str
    household_no: str | None
    household_id: str | None
    findings: list[Finding]

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]

    @property
    def unconfirmed(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "soft" and not f.confirmed]

    @property
    def accepted(self) -> bool:
        return not any(f.blocks for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "form": self.form_id,
            "household_no": self.household_no,
            "household_id": self.household_id,
            "accepted": self.accepted,
            "hard": len(self.hard),
            "soft_unconfirmed": len(self.unconfirmed),
            "findings": [f.to_json() for f in self.findings],
        }


class Engine:
    """The edit set of one form compiled to Python closures."""

    def __init__(self, form: Form) -> None:
        edits: EditSet = edit_set(form)
        self.form = form
        own = {
            s: (scope_names(form, s) | set(edits.derived[s])) - scope_names(form, "household")
            for s in SCOPES
        }
        own["household"] = scope_names(form, "household")
        compiler = PythonCompiler(own, edits.constants)
        self.derived: dict[Scope, list[tuple[str, Fn]]] = {
            s: [(n, compiler.compile(node, s)) for n, node in edits.derived[s].items()]
            for s in SCOPES
        }
        self.asked: dict[Scope, list[tuple[str, Fn]]] = {
            s: [(k, compiler.compile(node, s)) for k, node in edits.asked[s].items()]
            for s in SCOPES
        }
        self.checks: dict[Scope, list[_CompiledCheck]] = {s: [] for s in SCOPES}
        for c in edits.checks:
            item = form.item(c.scope, c.item) or form.item("person", c.item)
            self.checks[c.scope].append(
                _CompiledCheck(
                    c.code,
                    c.severity,
                    item,
                    c.item,
                    c.display_id,
                    compiler.compile(c.when, c.scope),
                    compiler.compile(c.check, c.scope),
                    c.message,
                )
            )
        self.relationship = form.item("person", "relationship")

    def contexts(self, record: HouseholdRecord) -> tuple[Ctx, list[Ctx], list[Ctx]]:
        hh = dict(record.items)
        persons: list[Ctx] = []
        deaths: list[Ctx] = []
        memo: dict[int, Any] = {}
        household = Ctx(hh, hh, persons, deaths, memo)
        persons.extend(Ctx(dict(p), hh, persons, deaths, memo) for p in record.persons)
        deaths.extend(Ctx(dict(d), hh, persons, deaths, memo) for d in record.deaths)
        for name, fn in self.derived["household"]:
            hh[name] = fn(household)
        rosters: tuple[tuple[Scope, list[Ctx]], ...] = (("person", persons), ("death", deaths))
        for scope, rows in rosters:
            for ctx in rows:
                for name, fn in self.derived[scope]:
                    ctx.row[name] = fn(ctx)
        return household, persons, deaths

    def findings(self, record: HouseholdRecord) -> list[Finding]:
        household, persons, deaths = self.contexts(record)
        out: list[Finding] = []
        groups: tuple[tuple[Scope, list[Ctx]], ...] = (
            ("household", [household]),
            ("person", persons),
            ("death", deaths),
        )
        for scope, rows in groups:
            for ctx in rows:
                for check in self.checks[scope]:
                    if check.when(ctx) is True and check.check(ctx) is False:
                        out.append(self._finding(record, scope, ctx, check))
        return out

    def _finding(
        self, record: HouseholdRecord, scope: Scope, ctx: Ctx, check: _CompiledCheck
    ) -> Finding:
        person_no = ctx.row.get("person_no") if scope == "person" else None
        death_no = ctx.row.get("death_no") if scope == "death" else None
        subject = who(person_no, death_no, self.relationship, ctx.row.get("relationship"))
        target = ("d", death_no) if death_no else ("", person_no) if person_no else None
        return Finding(
            rule=check.code,
            severity=check.severity,
            item=check.item_key,
            display_id=check.display_id,
            person_no=person_no,
            death_no=death_no,
            message=render(subject, check.item, check.display_id, check.message),
            confirmed=check.severity == "soft" and (check.code, target) in record.confirmed,
        )

    def asked_items(self, record: HouseholdRecord) -> dict[str, Any]:
        """Which items the form asks of the household and of each person and death form: what a
        collection screen shows. An item whose routing depends on a missing answer is left out."""
        household, persons, deaths = self.contexts(record)

        def keys(scope: Scope, ctx: Ctx) -> list[str]:
            return [k for k, fn in self.asked[scope] if fn(ctx) is True]

        return {
            "household": keys("household", household),
            "persons": [keys("person", p) for p in persons],
            "deaths": [keys("death", d) for d in deaths],
        }


_ENGINES: dict[int, tuple[Form, Engine]] = {}


def engine_for(form: Form) -> Engine:
    hit = _ENGINES.get(id(form))
    if hit is not None and hit[0] is form:
        return hit[1]
    built = Engine(form)
    _ENGINES[id(form)] = (form, built)
    return built


def validate_household(
    raw: Any, forms: Mapping[str, Form] | None = None, *, allow_provisional: bool = False
) -> HouseholdResult:
    """Check one household JSON object against its form's edits."""
    known = forms if forms is not None else reference_forms()
    record = read_household(raw, known, allow_provisional=allow_provisional)
    findings = engine_for(record.form).findings(record)
    return HouseholdResult(record.form.form_id, record.household_no, record.household_id, findings)
