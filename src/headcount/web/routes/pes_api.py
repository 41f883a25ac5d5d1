"""The post-enumeration survey's API: list, register and read the survey's households; progress.

Thin routes over ``fieldwork.pes_fieldwork``: the survey enumerator's (``pes.register``) in her
sampled small areas (404 outside them), the offices' progress (``progress.view``). Nothing here
reads or writes a census record.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Depends
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

from headcount.auth.roles import Permission
from headcount.fieldwork import pes_fieldwork, pes_followup
from headcount.fieldwork.registration import SubmissionIn
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    ReadSessionDep,
    SessionDep,
)
from headcount.web.routes.limits import SUBMIT_BURST, SUBMIT_PER_MINUTE, per_account
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api/pes", tags=["post-enumeration survey"])
_SUBMIT_LIMIT = [Depends(per_account("submit", per_minute=SUBMIT_PER_MINUTE, burst=SUBMIT_BURST))]
_PES = access(Permission.pes_register)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Literal["resident", "not_resident", "not_exist", "not_found"]


@router.get("/households", response_model=list[pes_fieldwork.PesHouseholdOut], openapi_extra=_PES)
def list_households(session: ReadSessionDep, actor: ActorDep) -> Any:
    return pes_fieldwork.households(session, actor)


@router.post(
    "/small-areas/{small_area_code}/households",
    response_model=pes_fieldwork.PesHouseholdOut,
    status_code=201,
    dependencies=_SUBMIT_LIMIT,
    openapi_extra=_PES,
)
def list_household(
    small_area_code: str,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return pes_fieldwork.list_household(
        session, actor, small_area_code, clock=clock, calendar=calendar, audit=audit
    )


@router.get(
    "/households/{household_id}", response_model=pes_fieldwork.PesRecordOut, openapi_extra=_PES
)
def read_household(
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return pes_fieldwork.shown(session, protector, actor, household_id, audit=audit)


@router.post(
    "/households/{household_id}/submissions",
    response_model=pes_fieldwork.PesSubmissionOut,
    responses={200: {"description": "an identical retry: nothing new was written"}},
    status_code=201,
    dependencies=_SUBMIT_LIMIT,
    openapi_extra=_PES,
)
def submit(
    household_id: str,
    body: SubmissionIn,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    out = pes_fieldwork.submit(
        session, protector, actor, household_id, body, clock=clock, calendar=calendar, audit=audit
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if out.created else 200)


@router.get(
    "/progress",
    response_model=list[pes_fieldwork.PesAreaProgress],
    openapi_extra=access("authenticated"),
)
def progress(
    session: ReadSessionDep, actor: ActorDep, clock: ClockDep, calendar: CalendarDep
) -> Any:
    return pes_fieldwork.progress(session, actor, clock=clock, calendar=calendar)


@router.get("/followups", response_model=list[pes_followup.FollowupOut], openapi_extra=_PES)
def followups(
    session: SessionDep, protector: ProtectorDep, actor: ActorDep, audit: AuditActorDep
) -> Any:
    return pes_followup.open_for(session, protector, actor, audit=audit)


@router.post("/followups/{followup_id}/answer", status_code=204, openapi_extra=_PES)
def answer_followup(
    followup_id: str,
    body: AnswerIn,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
) -> None:
    pes_followup.answer(session, actor, followup_id, body.answer, clock=clock, audit=audit)
