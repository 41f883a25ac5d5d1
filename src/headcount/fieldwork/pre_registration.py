"""Pre-registration (摸底): the household-head register (户主姓名底册) of each small area.

Each line gets its 户编号 when it is written and keeps it: registration must use it (forms-2020 §4).
A household found after the canvass takes the highest number in the small area + 1 (999 excepted);
a household whose members all died is 999, one per small area. The chosen mode — enumerator
interview or self-report — drives the task lists and may change until the self-report window
closes. The sum of expected persons is capped at 2,000 per small area (workflow-2020 §A2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, page_size, require
from headcount.privacy.masking import mask
from headcount.store.models_fieldwork import RegisterEntry
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import areas as area_queries
from headcount.store.queries import fieldwork as queries
from headcount.store.queries import households as household_queries

PERSON_CAP = 2_000
ALL_DIED_NO = "999"
Mode = Literal["enumerator", "self_report"]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    head_name: str = Field(min_length=1, max_length=50)
    mode: Mode = "enumerator"
    expected_persons: StrictInt = Field(default=1, ge=0, le=PERSON_CAP)
    all_died: StrictBool = False


class EntryOut(BaseModel):
    household_id: str
    small_area_code: str
    household_no: str
    head_name: str  # masked unless the actor holds pi.view_full
    mode: str
    all_died: bool
    found_later: bool
    expected_persons: int


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_after: str | None


def household_id_of(small_area_code: str, household_no: str) -> str:
    """Unique in the census, as in the synth data contract: ``<small area>-<户编号>``."""
    return f"{small_area_code}-{household_no}"


def _next_numbers(taken: Sequence[str], count: int) -> list[str]:
    numeric = [int(n) for n in taken if n.isdigit() and n != ALL_DIED_NO]
    start = max(numeric, default=0) + 1
    out: list[str] = []
    n = start
    while len(out) < count:
        if n != int(ALL_DIED_NO):
            out.append(f"{n:03d}")
        n += 1
    return out


def add_entries(
    session: Session,
    protector: Protector,
    actor: Actor,
    small_area_code: str,
    entries: Sequence[EntryIn],
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> list[EntryOut]:
    """Write new register lines; numbers are assigned here, in order, and never change."""
    require(
        actor,
        Permission.pre_register,
        small_area_code,
        errors.SMALL_AREA_NOT_FOUND,
        code=small_area_code,
    )
    if area_queries.small_area(session, small_area_code) is None:
        raise HeadcountError(errors.SMALL_AREA_NOT_FOUND, code=small_area_code)
    now = (clock or SystemClock()).now().astimezone(UTC)
    found_later = now >= calendar.pre_registration.closes
    taken = queries.numbers_in(session, small_area_code)
    died = [e for e in entries if e.all_died]
    if died and (ALL_DIED_NO in taken or len(died) > 1):
        raise HeadcountError(errors.ALL_DIED_EXISTS, code=small_area_code)
    persons = queries.expected_persons(session, small_area_code) + sum(
        e.expected_persons for e in entries if not e.all_died
    )
    if persons > PERSON_CAP:
        raise HeadcountError(
            errors.SMALL_AREA_CAP, code=small_area_code, persons=persons, cap=PERSON_CAP
        )
    numbers = iter(_next_numbers(taken, len(entries) - len(died)))
    scope = household_scope(calendar.wave, small_area_code)
    rows = []
    with protector.bound(session):
        for entry in entries:
            number = ALL_DIED_NO if entry.all_died else next(numbers)
            row_id = uuid.uuid4()
            name_enc = protector.encrypt(
                entry.head_name,
                scope=scope,
                table="register_entries",
                column="head_name_enc",
                row_id=str(row_id),
            )
            rows.append(
                {
                    "id": row_id,
                    "household_id": household_id_of(small_area_code, number),
                    "small_area_code": small_area_code,
                    "household_no": number,
                    "mode": entry.mode,
                    "all_died": entry.all_died,
                    "found_later": found_later,
                    "expected_persons": 0 if entry.all_died else entry.expected_persons,
                    "key_id": protector.key_hex(name_enc),
                    "head_name_enc": name_enc,
                    "created_by": actor.staff_id,
                    "created_at": now,
                }
            )
    tasks = [
        _register_task(small_area_code, str(row["household_id"]), actor, now)
        for row in rows
        if row["mode"] == "enumerator"
    ]
    try:
        with session.begin_nested():
            queries.insert_entries(session, rows)
            queries.add_tasks(session, tasks)
    except IntegrityError:
        # Two devices numbered the same small area at once: nothing was written, retry.
        raise HeadcountError(errors.WRITE_CONFLICT, reason="household number taken") from None
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            action="register.add",
            object=small_area_code,
            detail={"entries": len(rows), "numbers": [r["household_no"] for r in rows][:50]},
        ),
        clock=clock,
    )
    with protector.bound(session):
        return [_out(protector, actor, RegisterEntry(**row)) for row in rows]


def set_mode(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    mode: Mode,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> EntryOut:
    """Switch a household between enumerator interview and self-report (until 11-05)."""
    entry = _entry_in_scope(session, actor, household_id)
    now = (clock or SystemClock()).now().astimezone(UTC)
    if household_queries.by_household_id(session, household_id) is not None:
        # Its answers are in: a new mode would open a second way to register it.
        raise HeadcountError(errors.MODE_AFTER_REGISTRATION, household=household_id)
    if mode == "self_report" and now >= calendar.self_report.closes:
        raise HeadcountError(
            errors.REVIEW_NOT_ALLOWED, household=household_id, status="closed", action=mode
        )
    if mode != entry.mode:
        queries.set_mode(session, household_id, mode)
        if mode == "self_report":
            # The household answers online now; its visit leaves the enumerator's list.
            queries.close_tasks(session, household_id, ("register",), "cancelled", now)
        elif household_queries.by_household_id(session, household_id) is None:
            queries.add_task(
                session, _register_task(entry.small_area_code, household_id, actor, now)
            )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(action="register.mode", object=household_id, detail={"mode": mode}),
        clock=clock,
    )
    entry.mode = mode
    with protector.bound(session):
        return _out(protector, actor, entry)


def list_entries(
    session: Session,
    protector: Protector,
    actor: Actor,
    small_area_code: str,
    *,
    after: str = "",
    limit: int | None = None,
    audit: AuditActor | None = None,
) -> EntryPage:
    require(
        actor,
        Permission.household_read,
        small_area_code,
        errors.SMALL_AREA_NOT_FOUND,
        code=small_area_code,
    )
    size = page_size(limit)
    rows = queries.entries_page(session, small_area_code, after, size)
    full = actor.has(Permission.pi_view_full)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            action="register.read_full" if full else "register.read",
            object=small_area_code,
            detail={"entries": len(rows), "after": after},
        ),
    )
    with protector.bound(session):
        items = [_out(protector, actor, r) for r in rows]
    return EntryPage(items=items, next_after=rows[-1].household_no if len(rows) == size else None)


def _register_task(
    small_area_code: str, household_id: str, actor: Actor, now: datetime
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "small_area_code": small_area_code,
        "household_id": household_id,
        "kind": "register",
        "state": "open",
        "reason_code": None,
        "key_id": None,
        "comment_enc": None,
        "created_by": actor.staff_id,
        "created_at": now,
        "closed_at": None,
    }


def _entry_in_scope(session: Session, actor: Actor, household_id: str) -> RegisterEntry:
    entry = queries.entry_by_household_id(session, household_id)
    area = entry.small_area_code if entry is not None else ""
    require(actor, Permission.pre_register, area, errors.REGISTER_NOT_FOUND, household=household_id)
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    return entry


def _out(protector: Protector, actor: Actor, entry: RegisterEntry) -> EntryOut:
    name = protector.decrypt(
        entry.head_name_enc,
        table="register_entries",
        column="head_name_enc",
        row_id=str(entry.id),
    )
    return EntryOut(
        household_id=entry.household_id,
        small_area_code=entry.small_area_code,
        household_no=entry.household_no,
        head_name=mask(name, "name", permissions=actor.permissions()),
        mode=entry.mode,
        all_died=entry.all_died,
        found_later=entry.found_later,
        expected_persons=entry.expected_persons,
    )
