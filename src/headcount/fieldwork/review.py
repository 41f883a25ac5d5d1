"""Two-level review (Survey Solutions' loop, workflow-2020 §B3): supervisor, then county office.

    submitted ──approve (first level)──► approved_first ──approve (second level)──► approved
        │                                    │
        └──reject (either level)─────────────┴──► rejected ──re-submission──► submitted

A decision names the version it judges (a newer submission makes it stale, 409). A rejection
carries a coded reason and an optional comment (encrypted: reviewers may quote the household) and
becomes a ``fix`` task on the enumerator's list; re-submitting the household closes the task and
returns it to review (fieldwork.registration).
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, page_size, prefixes, require
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import fieldwork as queries

REASONS = (
    "missing_person",
    "duplicate_person",
    "wrong_answer",
    "incomplete",
    "wrong_household",
    "other",
)
Level = Literal["first", "second"]
_FROM = {"first": "submitted", "second": "approved_first"}
_APPROVED = {"first": "approved_first", "second": "approved"}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "reject"]
    version: StrictInt = Field(ge=1, le=2**31 - 1)
    reason_code: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=500)


class ReviewOut(BaseModel):
    household_id: str
    small_area_code: str
    status: str
    version: int
    channel: str
    reason_code: str | None


class ReviewPage(BaseModel):
    level: str
    items: list[ReviewOut]
    next_after: str | None


def level_of(actor: Actor, wanted: Level | None = None) -> Level:
    """County (and higher) offices review at the second level; supervisors at the first."""
    if wanted is not None:
        needed = Permission.review_second if wanted == "second" else Permission.review_first
        if not actor.has(needed):
            raise HeadcountError(errors.FORBIDDEN)
        return wanted
    if actor.has(Permission.review_second):
        return "second"
    if actor.has(Permission.review_first):
        return "first"
    raise HeadcountError(errors.FORBIDDEN)


def decide(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    decision: DecisionIn,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    level: Level | None = None,
    audit: AuditActor | None = None,
) -> ReviewOut:
    level = level_of(actor, level)
    permission = Permission.review_second if level == "second" else Permission.review_first
    current = queries.review(session, household_id, lock=True)
    area = current.small_area_code if current is not None else ""
    require(actor, permission, area, errors.HOUSEHOLD_NOT_FOUND, household=household_id)
    if current is None:
        raise HeadcountError(errors.HOUSEHOLD_NOT_FOUND, household=household_id)
    if current.status != _FROM[level]:
        raise HeadcountError(
            errors.REVIEW_NOT_ALLOWED,
            household=household_id,
            status=current.status,
            action=f"{decision.action} ({level})",
        )
    if decision.version != current.version:
        raise HeadcountError(
            errors.VERSION_STALE,
            household=household_id,
            current=current.version,
            given=decision.version,
        )
    now = (clock or SystemClock()).now().astimezone(UTC)
    reason = None
    if decision.action == "reject":
        if decision.reason_code not in REASONS:
            raise HeadcountError(errors.REJECTION_REASON_REQUIRED, codes=", ".join(REASONS))
        reason = decision.reason_code
        task_id = uuid.uuid4()
        comment_enc = None
        if decision.comment:
            with protector.bound(session):
                comment_enc = protector.encrypt(
                    decision.comment,
                    scope=household_scope(calendar.wave, area),
                    table="field_tasks",
                    column="comment_enc",
                    row_id=str(task_id),
                )
        queries.add_task(
            session,
            {
                "id": task_id,
                "small_area_code": area,
                "household_id": household_id,
                "kind": "fix",
                "state": "open",
                "reason_code": reason,
                "key_id": protector.key_hex(comment_enc) if comment_enc else None,
                "comment_enc": comment_enc,
                "created_by": actor.staff_id,
                "created_at": now,
                "closed_at": None,
            },
        )
    status = _APPROVED[level] if decision.action == "approve" else "rejected"
    queries.set_review(
        session,
        household_id,
        {"status": status, "reason_code": reason, "updated_by": actor.staff_id, "updated_at": now},
    )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            action=f"review.{decision.action}",
            object=household_id,
            detail={"level": level, "version": current.version, "reason": reason},
        ),
        clock=clock,
    )
    return ReviewOut(
        household_id=household_id,
        small_area_code=area,
        status=status,
        version=current.version,
        channel=current.channel,
        reason_code=reason,
    )


def pending(
    session: Session,
    actor: Actor,
    *,
    after: str = "",
    limit: int | None = None,
    level: Level | None = None,
) -> ReviewPage:
    """Households waiting for this actor's level of review, in the actor's areas."""
    level = level_of(actor, level)
    size = page_size(limit)
    rows = queries.reviews_page(session, prefixes(actor), _FROM[level], after, size)
    return ReviewPage(
        level=level,
        items=[
            ReviewOut(
                household_id=r.household_id,
                small_area_code=r.small_area_code,
                status=r.status,
                version=r.version,
                channel=r.channel,
                reason_code=r.reason_code,
            )
            for r in rows
        ],
        next_after=rows[-1].household_id if len(rows) == size else None,
    )
