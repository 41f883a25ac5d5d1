"""Office set-up API: areas from CSV, staff accounts, grants and assignments (all audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from starlette.requests import Request

from headcount.auth.roles import Permission
from headcount.fieldwork import areas, staff
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    KeysDep,
    ProtectorDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from headcount.web.routes.paging import Offset
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api/office", tags=["office"])

_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "census_area_code,census_area_name,small_area_no,small_area_name\n"
                "110101001001,示例社区,001,第一小区\n",
            }
        },
    }
}


class GrantsIn(BaseModel):
    areas: list[str] = Field(max_length=200, examples=[["110101001001"]])


class GrantsOut(BaseModel):
    staff_id: str
    areas: list[str]


class AssignIn(BaseModel):
    staff_id: str = Field(min_length=1, max_length=64)


async def csv_body(request: Request) -> bytes:
    """The raw CSV (the middleware has already bounded its size)."""
    return await request.body()


@router.post(
    "/areas/import",
    response_model=areas.AreaImportResult,
    openapi_extra={**access(Permission.area_manage), **_CSV_BODY},
)
def import_areas(
    data: Annotated[bytes, Depends(csv_body)],
    session: SessionDep,
    actor: ActorDep,
    protector: ProtectorDep,
    who: AuditActorDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Any:
    return areas.import_csv(session, actor, protector, who, clock.now(), settings.census_wave, data)


@router.get(
    "/census-areas",
    response_model=areas.CensusAreaPage,
    openapi_extra=access(Permission.progress_view),
)
def list_census_areas(
    session: ReadSessionDep,
    actor: ActorDep,
    limit: int = Query(50, ge=1, le=areas.MAX_PAGE),
    offset: Offset = 0,
) -> Any:
    return areas.census_areas(session, actor, limit=limit, offset=offset)


@router.get(
    "/census-areas/{census_area_code}/small-areas",
    response_model=list[areas.SmallAreaPublic],
    openapi_extra=access(Permission.progress_view),
)
def list_small_areas(census_area_code: str, session: ReadSessionDep, actor: ActorDep) -> Any:
    return areas.small_areas(session, actor, census_area_code)


@router.post(
    "/staff",
    response_model=staff.StaffCreated,
    status_code=201,
    openapi_extra=access("authenticated"),
)
def create_staff(
    body: staff.StaffCreate,
    session: SessionDep,
    actor: ActorDep,
    protector: ProtectorDep,
    who: AuditActorDep,
    clock: ClockDep,
    settings: SettingsDep,
    calendar: CalendarDep,
) -> Any:
    return staff.create(
        session,
        actor,
        protector,
        who,
        clock.now(),
        settings.census_wave,
        body,
        calendar=calendar,
    )


@router.get("/staff", response_model=staff.StaffPage, openapi_extra=access("authenticated"))
def list_staff(
    session: ReadSessionDep,
    actor: ActorDep,
    protector: KeysDep,
    limit: int = Query(50, ge=1, le=staff.MAX_PAGE),
    offset: Offset = 0,
) -> Any:
    return staff.page(session, actor, protector, limit=limit, offset=offset)


@router.get(
    "/staff/{staff_id}", response_model=staff.StaffPublic, openapi_extra=access("authenticated")
)
def get_staff(staff_id: str, session: ReadSessionDep, actor: ActorDep, protector: KeysDep) -> Any:
    return staff.public(session, protector, staff.get_reachable(session, actor, staff_id))


@router.post("/staff/{staff_id}/disable", status_code=204, openapi_extra=access("authenticated"))
def disable_staff(
    staff_id: str, session: SessionDep, actor: ActorDep, who: AuditActorDep, clock: ClockDep
) -> None:
    staff.disable(session, actor, who, clock.now(), staff_id)


@router.put(
    "/staff/{staff_id}/grants", response_model=GrantsOut, openapi_extra=access("authenticated")
)
def regrant_staff(
    staff_id: str,
    body: GrantsIn,
    session: SessionDep,
    actor: ActorDep,
    who: AuditActorDep,
    clock: ClockDep,
    protector: ProtectorDep,
    calendar: CalendarDep,
) -> Any:
    codes = staff.regrant(
        session,
        actor,
        who,
        clock.now(),
        staff_id,
        body.areas,
        protector=protector,
        calendar=calendar,
    )
    return GrantsOut(staff_id=staff_id, areas=codes)


@router.post(
    "/small-areas/{small_area_code}/enumerators",
    response_model=GrantsOut,
    openapi_extra=access(Permission.assignment_manage),
)
def assign_enumerator(
    small_area_code: str,
    body: AssignIn,
    session: SessionDep,
    actor: ActorDep,
    who: AuditActorDep,
    clock: ClockDep,
    protector: ProtectorDep,
    calendar: CalendarDep,
) -> Any:
    codes = staff.assign(
        session,
        actor,
        who,
        clock.now(),
        area_code=small_area_code,
        width=15,
        staff_id=body.staff_id,
        protector=protector,
        calendar=calendar,
    )
    return GrantsOut(staff_id=body.staff_id, areas=codes)


@router.post(
    "/census-areas/{census_area_code}/supervisors",
    response_model=GrantsOut,
    openapi_extra=access(Permission.assignment_manage),
)
def assign_supervisor(
    census_area_code: str,
    body: AssignIn,
    session: SessionDep,
    actor: ActorDep,
    who: AuditActorDep,
    clock: ClockDep,
    protector: ProtectorDep,
    calendar: CalendarDep,
) -> Any:
    codes = staff.assign(
        session,
        actor,
        who,
        clock.now(),
        area_code=census_area_code,
        width=12,
        staff_id=body.staff_id,
        protector=protector,
        calendar=calendar,
    )
    return GrantsOut(staff_id=body.staff_id, areas=codes)


@router.post(
    "/staff/{staff_id}/password-reset",
    response_model=staff.PasswordReset,
    openapi_extra=access("authenticated"),
)
def reset_password(
    staff_id: str, session: SessionDep, actor: ActorDep, who: AuditActorDep, clock: ClockDep
) -> Any:
    return staff.reset_password(session, actor, who, clock.now(), staff_id)


@router.post("/staff/{staff_id}/totp-reset", status_code=204, openapi_extra=access("authenticated"))
def reset_second_factor(
    staff_id: str, session: SessionDep, actor: ActorDep, who: AuditActorDep, clock: ClockDep
) -> None:
    staff.reset_second_factor(session, actor, who, clock.now(), staff_id)


@router.get(
    "/small-areas/{small_area_code}/buildings",
    response_model=list[areas.BuildingPublic],
    openapi_extra=access(Permission.household_read),
)
def list_buildings(
    small_area_code: str,
    session: SessionDep,
    actor: ActorDep,
    protector: ProtectorDep,
    who: AuditActorDep,
) -> Any:
    return areas.buildings(session, actor, protector, who, small_area_code)


class PermissionsIn(BaseModel):
    permissions: list[Permission] = Field(max_length=10, examples=[["pi.view_full"]])


class PermissionsOut(BaseModel):
    staff_id: str
    permissions: list[str]


@router.put(
    "/staff/{staff_id}/permissions",
    response_model=PermissionsOut,
    openapi_extra=access(Permission.staff_manage),
)
def set_permissions(
    staff_id: str,
    body: PermissionsIn,
    session: SessionDep,
    actor: ActorDep,
    who: AuditActorDep,
    clock: ClockDep,
) -> Any:
    granted = staff.set_extra_permissions(
        session, actor, who, clock.now(), staff_id, body.permissions
    )
    return PermissionsOut(staff_id=staff_id, permissions=granted)
