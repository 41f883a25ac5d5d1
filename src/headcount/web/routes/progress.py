"""Office monitoring API: progress with drill-down, the long-form sample, follow-up tasks."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from headcount.auth.roles import Permission
from headcount.fieldwork import long_form, progress, tasks
from headcount.fieldwork.scope import MAX_PAGE
from headcount.web.deps import ActorDep, AuditActorDep, CalendarDep, ClockDep, SessionDep
from headcount.web.routes.paging import PositionCursor
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api", tags=["progress"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class FollowUpsOut(BaseModel):
    opened: int


@router.get(
    "/progress",
    response_model=list[progress.ProgressOut],
    openapi_extra=access(Permission.progress_view),
)
def my_progress(session: SessionDep, actor: ActorDep) -> Any:
    return progress.my_progress(session, actor)


@router.get(
    "/progress/{area_code}",
    response_model=progress.ProgressOut,
    openapi_extra=access(Permission.progress_view),
)
def area_progress(area_code: str, session: SessionDep, actor: ActorDep) -> Any:
    return progress.area_progress(session, actor, area_code)


@router.post(
    "/office/samples",
    response_model=long_form.SampleOut,
    status_code=201,
    openapi_extra=access(Permission.sample_draw),
)
def draw_sample(
    body: long_form.DrawIn,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return long_form.draw(session, actor, body, clock=clock, calendar=calendar, audit=audit)


@router.get(
    "/office/samples/{sample_id}",
    response_model=long_form.SampleOut,
    openapi_extra=access(Permission.sample_draw),
)
def read_sample(sample_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Any:
    return long_form.get(session, actor, sample_id)


@router.get(
    "/office/samples/{sample_id}/census-areas/{census_area_code}",
    response_model=long_form.SampledPage,
    openapi_extra=access(Permission.progress_view),
)
def sampled_households(
    sample_id: uuid.UUID,
    census_area_code: str,
    session: SessionDep,
    actor: ActorDep,
    after: PositionCursor = 0,
    limit: Limit = 50,
) -> Any:
    return long_form.households(
        session, actor, sample_id, census_area_code, after=after, limit=limit
    )


@router.post(
    "/office/samples/{sample_id}/substitutions",
    status_code=409,
    openapi_extra=access(Permission.sample_draw),
)
def substitute(sample_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Any:
    long_form.substitute(session, actor, sample_id)  # always refuses (no substitution)


@router.post(
    "/office/follow-ups",
    response_model=FollowUpsOut,
    openapi_extra=access(Permission.assignment_manage),
)
def open_follow_ups(
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return FollowUpsOut(
        opened=tasks.open_follow_ups(session, actor, clock=clock, calendar=calendar, audit=audit)
    )
