"""Verification tasks (比对复查): a quality run's findings back to the enumerators, and answers.

``open_tasks`` turns the open findings of a quality run over an extract *of this store*
(``quality.field.for_field``) into ``verify`` tasks on the list of the small area concerned —
an omission where the register says the person should be, a census record in its household's
area. All or nothing: a finding naming a household or register record the store does not hold
means the run read another source (E1910), and nothing is opened. A finding already sent (any
state) is not sent again.

``detail`` shows what an enumerator needs to go and check, masked to what the enumerator may
see and decrypted from the store at display time (never from the extract): the register
person's name and address, or the census person's name. ``answer`` records the enumerator's
answer once (E1912 an answer the finding does not admit, E1913 already answered); the next
extract carries the answers to the next quality run and the counts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork import households
from headcount.fieldwork.scope import audit_actor, prefixes, require, require_permission
from headcount.quality.field import FieldFinding
from headcount.store import registers
from headcount.store.models_fieldwork import FINDINGS, VerificationTask
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as task_queries
from headcount.store.queries import verification as queries


class SubjectOut(BaseModel):
    """Whom the task is about, masked: a register person or a census person."""

    name: str
    address: str | None = None
    sex: int | None = None
    birth_year_month: str | None = None


class VerificationOut(BaseModel):
    finding: str
    person_no: int | None
    register_kind: str | None
    record_id: str | None
    item: str | None
    other_household_id: str | None
    score: float | None
    answer: str | None
    answered_at: datetime | None
    answers: list[str]  # what this finding admits
    subject: SubjectOut | None


class AnswerIn(BaseModel):
    answer: str = Field(max_length=24)


class AreaProgress(BaseModel):
    small_area_code: str
    finding: str
    open: int
    answered: int


def _now(clock: Clock | None) -> datetime:
    return (clock or SystemClock()).now().astimezone(UTC)


def open_tasks(
    session: Session,
    actor: Actor,
    findings: Sequence[FieldFinding],
    *,
    run: str,
    clock: Clock | None = None,
    audit: AuditActor | None = None,
) -> dict[str, int]:
    """Open one ``verify`` task per finding not sent before; the count opened per finding, and
    ``unplaced``: omissions without a small area to send them to."""
    require_permission(actor, Permission.processing_extract)
    areas = queries.household_areas(session, {f.household_id for f in findings if f.household_id})
    lacking_households = sorted({f.household_id for f in findings if f.household_id} - set(areas))
    if lacking_households:
        raise HeadcountError(
            errors.VERIFY_SOURCE_NOT_STORE,
            path=run,
            reason=f"{len(lacking_households)} households unknown, e.g. {lacking_households[0]}",
        )
    wanted: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f.finding == "omission" and f.register and f.record_id:
            wanted[f.register].add(f.record_id)
    for kind, ids in wanted.items():
        lacking = sorted(ids - queries.register_records(session, kind, ids))
        if lacking:
            raise HeadcountError(
                errors.VERIFY_SOURCE_NOT_STORE,
                path=run,
                reason=f"{len(lacking)} {kind} records not imported, e.g. {lacking[0]}",
            )
    sent = queries.existing_keys(session, [f.key for f in findings])
    now = _now(clock)
    tasks, details = [], []
    opened: dict[str, int] = dict.fromkeys(FINDINGS, 0)
    unplaced = 0
    for f in findings:
        if f.key in sent:
            continue
        sent.add(f.key)
        area = areas[f.household_id] if f.household_id else f.small_area_code
        if not area:
            # An omission no enumerated area can take (its hukou lies where nobody was counted):
            # it stays in the quality output for the office, and is sent once an area exists.
            sent.discard(f.key)
            unplaced += 1
            continue
        task_id = uuid.uuid4()
        tasks.append(
            {
                "id": task_id,
                "small_area_code": area,
                "household_id": f.household_id,
                "kind": "verify",
                "state": "open",
                "reason_code": f.finding,
                "key_id": None,
                "comment_enc": None,
                "created_by": actor.staff_id,
                "created_at": now,
                "closed_at": None,
            }
        )
        details.append(
            {
                "task_id": task_id,
                "finding": f.finding,
                "finding_key": f.key,
                "person_no": f.person_no,
                "register_kind": f.register,
                "record_id": f.record_id,
                "item": f.item,
                "other_household_id": f.other_household_id,
                "score": f.score,
                "quality_run": run[:64],
                "answer": None,
                "answered_by": None,
                "answered_at": None,
            }
        )
        opened[f.finding] += 1
    queries.add(session, tasks, details)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("task.verify_open", run[:64], detail={"opened": opened, "unplaced": unplaced}),
        clock=clock,
    )
    return {**opened, "unplaced": unplaced}


def _out(found: VerificationTask, subject: SubjectOut | None) -> VerificationOut:
    return VerificationOut(
        finding=found.finding,
        person_no=found.person_no,
        register_kind=found.register_kind,
        record_id=found.record_id,
        item=found.item,
        other_household_id=found.other_household_id,
        score=found.score,
        answer=found.answer,
        answered_at=found.answered_at,
        answers=list(FINDINGS[found.finding]),
        subject=subject,
    )


def _subject(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    found: VerificationTask,
    who: AuditActor,
) -> SubjectOut | None:
    granted = [str(p) for p in actor.permissions()]
    if found.finding == "omission" and found.register_kind and found.record_id:
        record = registers.read_person(
            session, protector, who, found.register_kind, found.record_id, permissions=granted
        )
        return SubjectOut(
            name=record.name,
            address=record.address,
            sex=record.sex,
            birth_year_month=f"{record.birth_year:04d}-{record.birth_month:02d}",
        )
    if not household_id or found.person_no is None:
        return None
    household = households.read(session, protector, actor, household_id, audit=who)
    for person in household.persons:
        if person.person_no == found.person_no:
            return SubjectOut(name=person.name)
    return None


def detail(
    session: Session,
    protector: Protector,
    actor: Actor,
    task_id: uuid.UUID,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> VerificationOut | None:
    """The verification part of a task the caller may already read (None: not a verify task)."""
    found = queries.detail(session, task_id)
    if found is None:
        return None
    who = audit or audit_actor(actor)
    with protector.bound(session):
        subject = _subject(session, protector, actor, household_id, found, who)
    return _out(found, subject)


def answer(
    session: Session,
    actor: Actor,
    task_id: uuid.UUID,
    given: AnswerIn,
    *,
    clock: Clock | None = None,
    audit: AuditActor | None = None,
) -> VerificationOut:
    """Record the enumerator's answer to a verification task of their area, once."""
    task = task_queries.task(session, task_id)
    area = task.small_area_code if task is not None else ""
    require(actor, Permission.household_register, area, errors.TASK_NOT_FOUND, task=str(task_id))
    found = queries.detail(session, task_id) if task is not None else None
    if task is None:
        raise HeadcountError(errors.TASK_NOT_FOUND, task=str(task_id))
    if found is None:
        raise HeadcountError(errors.VERIFY_NOT_VERIFICATION, task=str(task_id))
    allowed = FINDINGS[found.finding]
    if given.answer not in allowed:
        raise HeadcountError(
            errors.VERIFY_ANSWER_INVALID,
            finding=found.finding,
            answer=given.answer[:24],
            allowed=", ".join(allowed),
        )
    now = _now(clock)
    if found.answer is not None or not queries.record_answer(
        session, task_id, given.answer, actor.staff_id, now
    ):
        session.refresh(found)
        at = found.answered_at.isoformat(timespec="seconds") if found.answered_at else "-"
        raise HeadcountError(errors.VERIFY_TASK_CLOSED, task=str(task_id), at=at)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            "task.verify_answer",
            str(task_id),
            detail={"finding": found.finding, "answer": given.answer},
        ),
        clock=clock,
    )
    session.refresh(found)
    return _out(found, None)


def progress(session: Session, actor: Actor) -> list[AreaProgress]:
    """Open and answered verification tasks per small area and finding, within the actor's
    areas (supervisors, offices)."""
    require_permission(actor, Permission.progress_view)
    return [
        AreaProgress(
            small_area_code=row.small_area_code,
            finding=row.finding,
            open=int(row.open),
            answered=int(row.answered),
        )
        for row in queries.progress(session, prefixes(actor))
    ]


__all__ = [
    "AnswerIn",
    "AreaProgress",
    "SubjectOut",
    "VerificationOut",
    "answer",
    "detail",
    "open_tasks",
    "progress",
]
