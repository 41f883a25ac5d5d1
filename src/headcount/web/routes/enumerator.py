"""Enumerator API: the household-head register, registration submissions, reads, the task list.

Thin routes: each declares its permission (SecuredRouter) and hands the request to a fieldwork
service, which checks the object's area (404 outside it), audits and masks.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from headcount import errors
from headcount.auth.roles import Permission
from headcount.errors import HeadcountError
from headcount.fieldwork import households, pre_registration, registration, tasks, verification
from headcount.fieldwork.scope import MAX_PAGE
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    SessionDep,
    SettingsDep,
)
from headcount.web.routes.limits import SUBMIT_BURST, SUBMIT_PER_MINUTE, per_account
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api/enumerator", tags=["enumerator"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
_SUBMIT_LIMIT = [Depends(per_account("submit", per_minute=SUBMIT_PER_MINUTE, burst=SUBMIT_BURST))]


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[pre_registration.EntryIn] = Field(min_length=1, max_length=MAX_PAGE)


class ModeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["enumerator", "self_report"]


@router.post(
    "/small-areas/{small_area_code}/register",
    response_model=list[pre_registration.EntryOut],
    status_code=201,
    dependencies=_SUBMIT_LIMIT,
    openapi_extra=access(Permission.pre_register),
)
def add_register_entries(
    small_area_code: str,
    body: EntriesIn,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return pre_registration.add_entries(
        session,
        protector,
        actor,
        small_area_code,
        body.entries,
        clock=clock,
        calendar=calendar,
        audit=audit,
    )


@router.get(
    "/small-areas/{small_area_code}/register",
    response_model=pre_registration.EntryPage,
    openapi_extra=access(Permission.household_read),
)
def list_register(
    small_area_code: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    after: Annotated[str, Query(max_length=8)] = "",
    limit: Limit = 50,
) -> Any:
    return pre_registration.list_entries(
        session, protector, actor, small_area_code, after=after, limit=limit, audit=audit
    )


@router.put(
    "/households/{household_id}/mode",
    response_model=pre_registration.EntryOut,
    openapi_extra=access(Permission.pre_register),
)
def set_mode(
    household_id: str,
    body: ModeIn,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return pre_registration.set_mode(
        session,
        protector,
        actor,
        household_id,
        body.mode,
        clock=clock,
        calendar=calendar,
        audit=audit,
    )


@router.post(
    "/households/{household_id}/submissions",
    response_model=registration.SubmissionOut,
    responses={200: {"description": "an identical retry: nothing new was written"}},
    status_code=201,
    dependencies=_SUBMIT_LIMIT,
    openapi_extra=access(Permission.household_register),
)
def submit(
    household_id: str,
    body: registration.SubmissionIn,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
    settings: SettingsDep,
) -> Any:
    out = registration.submit(
        session,
        protector,
        actor,
        household_id,
        body,
        clock=clock,
        calendar=calendar,
        allow_provisional=settings.allow_provisional_forms,
        audit=audit,
    )
    # 201 for a new version, 200 for a replayed retry (same body either way).
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if out.created else 200)


@router.get(
    "/households/{household_id}",
    response_model=households.HouseholdOut,
    openapi_extra=access(Permission.household_read),
)
def read_household(
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return households.read(session, protector, actor, household_id, audit=audit)


@router.get(
    "/tasks", response_model=tasks.TaskPage, openapi_extra=access(Permission.household_read)
)
def list_tasks(
    session: SessionDep,
    actor: ActorDep,
    after: uuid.UUID | None = None,
    limit: Limit = 50,
) -> Any:
    return tasks.list_open(session, actor, after=after, limit=limit)


@router.get(
    "/tasks/{task_id}",
    response_model=tasks.TaskDetail,
    openapi_extra=access(Permission.household_read),
)
def read_task(
    task_id: uuid.UUID,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return tasks.get(session, protector, actor, task_id, audit=audit)


@router.get(
    "/tasks/{task_id}/verification",
    response_model=verification.VerificationOut,
    openapi_extra=access(Permission.household_read),
)
def read_verification(
    task_id: uuid.UUID,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    """What a verification task asks (masked), its answers and the answer given."""
    task = tasks.get(session, protector, actor, task_id, audit=audit)
    found = verification.detail(session, protector, actor, task_id, task.household_id, audit=audit)
    if found is None:
        raise HeadcountError(errors.VERIFY_NOT_VERIFICATION, task=str(task_id))
    return found


@router.post(
    "/tasks/{task_id}/answer",
    response_model=verification.VerificationOut,
    openapi_extra=access(Permission.household_register),
)
def answer_task(
    task_id: uuid.UUID,
    body: verification.AnswerIn,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
) -> Any:
    """The enumerator's answer to a verification task, once (E1912 not an answer of the
    finding, E1913 already answered)."""
    return verification.answer(session, actor, task_id, body, clock=clock, audit=audit)
