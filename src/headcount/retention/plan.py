"""What a schedule destroys, and when: a pure function of the schedule, an inventory and a date.

The inventory says what exists (read from the store, the key file and the extract directories by
``retention/run.py``): each key scope of the wave with the rows its data keys seal, per table;
the rows that can be deleted; and the extracts found under the schedule's paths. Keys are per
scope (wave × county), not per class, so a scope is destroyed as a whole: when the earliest
destroying rule among the classes it holds falls due (retention periods are maxima), and never
when one of its classes is to be kept (E2214) — the plan refuses rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from headcount import errors
from headcount.errors import HeadcountError
from headcount.retention.schedule import Schedule

# Which class of data each keyed table holds (a table not named here is "unclassified": kept,
# and a scope holding it is never shredded by a rule — E2214 instead of a silent loss).
TABLE_CLASS: dict[str, str] = {
    "households": "household_originals",
    "persons": "household_originals",
    "form_responses": "household_originals",
    "self_report_credentials": "household_originals",
    "self_reports": "household_originals",
    "register_entries": "household_originals",
    "buildings": "household_originals",
    "field_tasks": "household_originals",
    "pes_responses": "household_originals",
    "pes_households": "household_originals",
    "register_persons": "register_copies",
    "staff": "staff_records",
    "staff_security": "staff_records",
}
# The rows ``delete_rows`` removes per class, children before parents.
DELETABLE: dict[str, tuple[str, ...]] = {
    "household_originals": (
        "self_report_credentials",
        "persons",
        "form_responses",
        "households",
        "person_identities",
        "pes_responses",
        "pes_households",
    ),
    "register_copies": ("register_persons",),
}


@dataclass(frozen=True, slots=True)
class ScopeHolding:
    scope: str
    sealed: Mapping[str, int]  # rows per table sealed by the scope's data keys
    deletable: Mapping[str, int]  # rows per table that ``delete_rows`` would remove
    shredded: bool
    data_keys: tuple[tuple[str, str], ...] = ()  # (data key id, wrapping KEK id), hex


@dataclass(frozen=True, slots=True)
class ExtractFound:
    path: Path
    manifest_sha256: str
    wave: str
    created_at: str
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Inventory:
    scopes: tuple[ScopeHolding, ...]
    extracts: tuple[ExtractFound, ...] = ()
    absent: tuple[Path, ...] = ()  # listed extract paths where nothing was found


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # shred_scope | delete_rows | delete_extract
    target: str  # a scope or an extract directory
    rule: str  # the class whose rule sets the date
    classes: tuple[str, ...]  # every class destroyed by it
    due: date
    is_due: bool
    rows: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    at: date
    actions: tuple[Action, ...]
    kept: tuple[tuple[str, tuple[str, ...]], ...]  # (scope, classes) never destroyed here

    @property
    def due(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.is_due)


def in_wave(scope: str, wave: str) -> bool:
    return scope.startswith(f"{wave}:") or scope == f"processing:{wave}"


def classes_of(holding: ScopeHolding, wave: str) -> tuple[str, ...]:
    """The classes a scope holds: from its sealed rows, else from its name."""
    found = {TABLE_CLASS.get(t, "unclassified") for t, n in holding.sealed.items() if n}
    found |= {
        next(c for c, tables in DELETABLE.items() if t in tables)
        for t, n in holding.deletable.items()
        if n
    }
    if not found:
        area = holding.scope.split(":", 1)[1]
        if holding.scope == f"processing:{wave}":
            found = {"processing_key"}
        elif area == "staff":
            found = {"staff_records"}
        elif area == "deaths":
            found = {"register_copies"}
        elif area.isdigit() and len(area) == 6:
            found = {"household_originals"}
        else:
            found = {"unclassified"}
    return tuple(sorted(found))


def make_plan(schedule: Schedule, inventory: Inventory, at: date) -> Plan:
    actions: list[Action] = []
    kept: list[tuple[str, tuple[str, ...]]] = []
    for holding in sorted(inventory.scopes, key=lambda h: h.scope):
        if not in_wave(holding.scope, schedule.wave):
            continue
        classes = classes_of(holding, schedule.wave)
        rules = [schedule.rule(c) for c in classes]
        destroying = [r for r in rules if r.action == "shred" and r.due is not None]
        if not destroying:
            if not holding.shredded:
                kept.append((holding.scope, classes))
            continue
        staying = [r.data_class for r in rules if r.action == "keep"]
        if staying and not holding.shredded:
            raise HeadcountError(
                errors.RETENTION_SCOPE_SHARED,
                scope=holding.scope,
                destroyed=", ".join(r.data_class for r in destroying),
                kept=", ".join(staying),
            )
        first = min(destroying, key=lambda r: (r.due, r.data_class))
        assert first.due is not None
        if not holding.shredded:
            actions.append(
                Action("shred_scope", holding.scope, first.data_class, classes, first.due,
                       first.due <= at)
            )  # fmt: skip
        rows = {
            table: holding.deletable.get(table, 0)
            for rule in destroying
            if rule.delete_rows
            for table in DELETABLE[rule.data_class]
            if holding.deletable.get(table, 0)
        }
        if rows:
            actions.append(
                Action("delete_rows", holding.scope, first.data_class, classes, first.due,
                       first.due <= at, rows)
            )  # fmt: skip
    extracts = schedule.rule("extracts")
    if extracts.action == "delete" and extracts.due is not None:
        for found in sorted(inventory.extracts, key=lambda e: str(e.path)):
            if found.wave != schedule.wave:
                continue
            actions.append(
                Action("delete_extract", str(found.path), "extracts", ("extracts",),
                       extracts.due, extracts.due <= at)
            )  # fmt: skip
    return Plan(at, tuple(actions), tuple(kept))


def describe(plan: Plan) -> dict[str, object]:
    """The plan as JSON (``retention plan --json``)."""
    return {
        "at": plan.at.isoformat(),
        "actions": [
            {
                "kind": a.kind,
                "target": a.target,
                "rule": a.rule,
                "classes": list(a.classes),
                "due": a.due.isoformat(),
                "is_due": a.is_due,
                **({"rows": dict(a.rows)} if a.rows else {}),
            }
            for a in plan.actions
        ],
        "kept": [{"scope": s, "classes": list(c)} for s, c in plan.kept],
    }
