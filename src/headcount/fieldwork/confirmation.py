"""The enumerator's side of self-report: the list of self-reports to confirm, the confirmation
(which registers the household through ``fieldwork.registration``), what a handed-over household's
interview starts from, and the hand-over at the close — every self-report household that never
submitted becomes a register task with its answers (never lost), set-based and in batches.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock
from headcount.errors import HeadcountError
from headcount.fieldwork import households, registration
from headcount.fieldwork.scope import audit_actor, prefixes, require
from headcount.fieldwork.self_report import Draft, now_of, read_report
from headcount.privacy.masking import mask
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as field_queries
from headcount.store.queries import self_report as queries

# Confirmations register with a UUID derived from the household and the report's revision, so
# confirming twice (a double tap, a retry) is one registration.
CONFIRMATION_NAMESPACE = uuid.UUID("0d1f6a52-54b4-4f4e-9d55-8c1f3c2b7a10")


class PendingOut(BaseModel):
    household_id: str
    household_no: str
    head_name: str  # masked unless the actor holds pi.view_full
    state: str
    persons: int
    submitted_at: datetime | None


HAND_OVER_BATCH = 1000  # households per statement batch at the close
# The census as a whole, acting at the close (no staff member: the server's own job).
_CLOSE = Actor(staff_id="system", role=Role.national_office)
_CLOSE_AUDIT = AuditActor(id="system", role="system")


def hand_over_all(
    session: Session,
    protector: Protector,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    limit: int = HAND_OVER_BATCH,
) -> int:
    """One batch of ``hand_over`` for the whole census, run by the server once the window has
    closed (each enumerator's list of self-reports to confirm does it for their own areas)."""
    return hand_over(
        session, protector, _CLOSE, clock=clock, calendar=calendar, audit=_CLOSE_AUDIT, limit=limit
    )


def pending(
    session: Session,
    protector: Protector,
    actor: Actor,
    *,
    limit: int = 200,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> list[PendingOut]:
    """Submitted self-reports in the actor's areas, waiting for confirmation (after the close,
    unfinished ones are handed over first, so none is forgotten)."""
    if not actor.has(Permission.self_report_confirm):
        raise HeadcountError(errors.FORBIDDEN)
    if now_of(clock) >= calendar.self_report.closes:
        hand_over(session, protector, actor, clock=clock, calendar=calendar, audit=audit)
    rows = queries.reports_in(session, prefixes(actor), ("submitted",), limit)
    granted = actor.permissions()
    out = []
    with protector.bound(session):
        for row in rows:
            entry = field_queries.entry_by_household_id(session, row.household_id)
            if entry is None:
                continue
            head = protector.decrypt(
                entry.head_name_enc,
                table="register_entries",
                column="head_name_enc",
                row_id=str(entry.id),
            )
            record = read_report(protector, row, entry.household_no).record
            out.append(
                PendingOut(
                    household_id=row.household_id,
                    household_no=entry.household_no,
                    head_name=mask(head, "name", permissions=granted),
                    state=row.state,
                    persons=len(record.get("persons", [])),
                    submitted_at=row.submitted_at,
                )
            )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.pending", ",".join(actor.areas)[:64], detail={"rows": len(out)}),
        clock=clock,
    )
    return out


def confirm(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> registration.SubmissionOut:
    """Turn a submitted self-report into a registered household version (after 11-01 00:00)."""
    row = queries.report(session, household_id, lock=True)
    area = row.small_area_code if row is not None else ""
    require(
        actor,
        Permission.self_report_confirm,
        area,
        errors.SELF_REPORT_NOT_FOUND,
        household=household_id,
    )
    if row is None:
        raise HeadcountError(errors.SELF_REPORT_NOT_FOUND, household=household_id)
    now = now_of(clock)
    if now < calendar.reference_time:
        raise HeadcountError(errors.SELF_REPORT_CONFIRM_EARLY)
    if row.state != "submitted":
        raise HeadcountError(errors.SELF_REPORT_NOT_SUBMITTED, household=household_id)
    entry = field_queries.entry_by_household_id(session, household_id)
    with protector.bound(session):
        record = read_report(protector, row, entry.household_no if entry else "").record
    submission = registration.SubmissionIn(
        submission_uuid=uuid.uuid5(CONFIRMATION_NAMESPACE, f"{household_id}:{row.revision}"),
        replaces_version=row.confirmed_version,
        record=record,
    )
    who = audit or audit_actor(actor)
    result = registration.submit(
        session,
        protector,
        actor,
        household_id,
        submission,
        channel="self_report",
        clock=clock,
        calendar=calendar,
        audit=who,
    )
    row.state = "confirmed"
    row.confirmed_at = now
    row.confirmed_by = actor.staff_id
    row.confirmed_version = result.version
    append(
        session,
        who,
        AuditEvent("self_report.confirm", household_id, detail={"version": result.version}),
        clock=clock,
    )
    return result


class SubmittedOut(BaseModel):
    household_id: str
    household_no: str
    state: str
    masked: bool
    submitted_at: datetime | None
    record: dict[str, Any]  # personal values as households.shown shows them (masked)


def submitted(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> SubmittedOut:
    """A self-report as the confirming enumerator sees it before confirming (masked, audited)."""
    row = queries.report(session, household_id)
    entry = field_queries.entry_by_household_id(session, household_id)
    area = row.small_area_code if row is not None else ""
    require(
        actor,
        Permission.self_report_confirm,
        area,
        errors.SELF_REPORT_NOT_FOUND,
        household=household_id,
    )
    if row is None or entry is None:
        raise HeadcountError(errors.SELF_REPORT_NOT_FOUND, household=household_id)
    with protector.bound(session):
        record = read_report(protector, row, entry.household_no).record
    granted = actor.permissions()
    full = households.in_clear(actor)
    for roster in ("persons", "deaths"):
        record[roster] = [households.masked(row, granted) for row in record.get(roster) or []]
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.read_full" if full else "self_report.read", household_id),
    )
    return SubmittedOut(
        household_id=household_id,
        household_no=entry.household_no,
        state=row.state,
        masked=not full,
        submitted_at=row.submitted_at,
        record=record,
    )


def answers_for_interview(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> Draft | None:
    """The household's own answers, for the enumerator who registers it after a hand-over (or
    an unconfirmed self-report), as far as they can be read. Unmasked: the interview page keeps
    the personal values on the server (``households.withheld``) and shows them as
    ``households.shown`` does. Audited as a read of personal data."""
    entry = field_queries.entry_by_household_id(session, household_id)
    area = entry.small_area_code if entry is not None else ""
    require(
        actor,
        Permission.household_register,
        area,
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    row = queries.report(session, household_id)
    if row is None or row.state == "confirmed":
        return None
    with protector.bound(session):
        draft = read_report(protector, row, entry.household_no if entry else "")
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.read_for_interview", household_id, detail={"state": row.state}),
    )
    return draft


def _register_task(household_id: str, small_area_code: str, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "small_area_code": small_area_code,
        "household_id": household_id,
        "kind": "register",
        "state": "open",
        "reason_code": "self_report_unfinished",
        "key_id": None,
        "comment_enc": None,
        "created_by": "self_report.close",
        "created_at": now,
        "closed_at": None,
    }


def hand_over(
    session: Session,
    protector: Protector,
    actor: Actor,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
    limit: int | None = None,
) -> int:
    """After the close: every self-report household of the actor's areas that never submitted
    gets an open register task; its draft answers stay for the enumerator. Idempotent.

    Set-based, a batch of households per three statements; with ``limit`` at most that many
    this call (the server's close job commits batch by batch), otherwise all of them. Returns
    how many were handed over: fewer than ``limit`` means none is left."""
    now = now_of(clock)
    if now < calendar.self_report.closes:
        return 0
    handed = 0
    while limit is None or handed < limit:
        page = HAND_OVER_BATCH if limit is None else min(HAND_OVER_BATCH, limit - handed)
        rows = queries.unfinished(session, prefixes(actor), page)
        drafts = set(queries.lock_drafts(session, [h for h, _, state in rows if state == "draft"]))
        chosen = [(h, area) for h, area, state in rows if state is None or h in drafts]
        field_queries.add_tasks(session, [_register_task(h, area, now) for h, area in chosen])
        queries.mark_handed_over(session, sorted(drafts))
        handed += len(chosen)
        if len(rows) < page:
            break
    if handed:
        append(
            session,
            audit or audit_actor(actor),
            AuditEvent("self_report.hand_over", ",".join(actor.areas)[:64], detail={"n": handed}),
            clock=clock,
        )
    return handed
