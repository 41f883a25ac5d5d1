"""An enumerator's task list: register, fix after rejection, long form, follow-up.

Tasks are rows (``field_tasks``) opened by the services that cause them — pre-registration
(register), review (fix), the long-form draw (long form), the close of self-report (follow-up) —
and closed by the submission that answers them. The list is keyset-paginated by task id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, page_size, prefixes, require, require_permission
from headcount.store.models_fieldwork import FieldTask
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as queries
from headcount.store.queries import fieldwork_progress as progress_queries
from headcount.store.queries import verification as verification_queries


class TaskOut(BaseModel):
    task_id: uuid.UUID
    kind: str
    state: str
    household_id: str
    small_area_code: str
    reason_code: str | None
    created_at: datetime
    # A verification task's person number (census records) or register record (omissions), so
    # several tasks of one kind can be told apart on the list.
    person_no: int | None = None
    record_id: str | None = None


class TaskDetail(TaskOut):
    comment: str | None  # the reviewer's note, for the enumerator who must act on it


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_after: uuid.UUID | None


def _out(task: FieldTask) -> TaskOut:
    return TaskOut(
        task_id=task.id,
        kind=task.kind,
        state=task.state,
        household_id=task.household_id,
        small_area_code=task.small_area_code,
        reason_code=task.reason_code,
        created_at=task.created_at,
    )


def list_open(
    session: Session, actor: Actor, *, after: uuid.UUID | None = None, limit: int | None = None
) -> TaskPage:
    require_permission(actor, Permission.household_read)
    size = page_size(limit)
    rows = queries.open_tasks_page(session, prefixes(actor), after, size)
    refs = verification_queries.references(session, [t.id for t in rows if t.kind == "verify"])
    items = []
    for task in rows:
        person_no, record_id = refs.get(task.id, (None, None))
        items.append(_out(task).model_copy(update={"person_no": person_no, "record_id": record_id}))
    return TaskPage(items=items, next_after=rows[-1].id if len(rows) == size else None)


def get(
    session: Session,
    protector: Protector,
    actor: Actor,
    task_id: uuid.UUID,
    *,
    audit: AuditActor | None = None,
) -> TaskDetail:
    task = queries.task(session, task_id)
    area = task.small_area_code if task is not None else ""
    require(actor, Permission.household_read, area, errors.TASK_NOT_FOUND, task=str(task_id))
    if task is None:
        raise HeadcountError(errors.TASK_NOT_FOUND, task=str(task_id))
    comment = None
    if task.comment_enc is not None:
        with protector.bound(session):
            comment = protector.decrypt(
                task.comment_enc, table="field_tasks", column="comment_enc", row_id=str(task.id)
            )
        append(session, audit or audit_actor(actor), AuditEvent("task.read", str(task.id)))
    return TaskDetail(**_out(task).model_dump(), comment=comment)


def open_follow_ups(
    session: Session,
    actor: Actor,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> int:
    """After self-report closes, every self-report household not yet registered becomes an
    enumerator follow-up (a state change, not a deletion). Re-running adds nothing twice."""
    require_permission(actor, Permission.assignment_manage)
    now = (clock or SystemClock()).now().astimezone(UTC)
    if now < calendar.self_report.closes:
        raise HeadcountError(
            errors.REVIEW_NOT_ALLOWED, household="-", status="self_report_open", action="follow_up"
        )
    missing = progress_queries.unregistered_self_reports(session, prefixes(actor))
    queries.add_tasks(
        session,
        [
            {
                "id": uuid.uuid4(),
                "small_area_code": small_area,
                "household_id": household_id,
                "kind": "follow_up",
                "state": "open",
                "reason_code": None,
                "key_id": None,
                "comment_enc": None,
                "created_by": actor.staff_id,
                "created_at": now,
                "closed_at": None,
            }
            for household_id, small_area in missing
        ],
    )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("task.follow_up", "self_report", detail={"opened": len(missing)}),
        clock=clock,
    )
    return len(missing)
