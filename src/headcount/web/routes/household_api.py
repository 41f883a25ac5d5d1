"""The household's self-report as JSON (the pages' twins, for apps and tests): sign-in with the
card's account and password (a bearer token), the draft, submission, sign-out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from starlette.requests import Request
from starlette.responses import Response

from headcount.fieldwork import self_report
from headcount.web.deps import (
    AuditActorDep,
    CalendarDep,
    ClockDep,
    EngineDep,
    ProtectorDep,
    SessionDep,
)
from headcount.web.household_session import LOGIN_LIMIT, findings_of, household_of
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["self-report"])
_PUBLIC = access("public")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(max_length=40)
    password: str = Field(max_length=64)


class LoginOut(BaseModel):
    token: str
    household_id: str
    expires_at: Any


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any]
    declarant: str | None = Field(default=None, max_length=50)


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    declarant: str = Field(max_length=50)
    pledge: StrictBool
    confirmed: list[str] | None = None


class ReportWithFindings(self_report.ReportOut):
    findings: list[dict[str, Any]]


def _with_findings(report: self_report.ReportOut) -> ReportWithFindings:
    found = [f.to_json() for f in findings_of(report.record)]
    return ReportWithFindings(**report.model_dump(), findings=found)


@router.post(
    "/api/self-report/login",
    response_model=LoginOut,
    openapi_extra=_PUBLIC,
    dependencies=LOGIN_LIMIT,
)
def api_login(body: LoginIn, engine: EngineDep, clock: ClockDep, who: AuditActorDep) -> Any:
    opened = self_report.sign_in(
        engine, who, clock.now(), account=body.account, password=body.password
    )
    return LoginOut(
        token=opened.token, household_id=opened.household_id, expires_at=opened.expires_at
    )


@router.get("/api/self-report/household", response_model=ReportWithFindings, openapi_extra=_PUBLIC)
def api_household(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    household = household_of(request, session, clock, api=True)
    return _with_findings(
        self_report.load(session, protector, household, clock=clock, calendar=calendar)
    )


@router.put("/api/self-report/household", response_model=ReportWithFindings, openapi_extra=_PUBLIC)
def api_save(
    body: DraftIn,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    household = household_of(request, session, clock, api=True)
    report = self_report.save(
        session,
        protector,
        household,
        body.record,
        declarant=body.declarant,
        clock=clock,
        calendar=calendar,
    )
    return _with_findings(report)


@router.post("/api/self-report/submit", response_model=ReportWithFindings, openapi_extra=_PUBLIC)
def api_submit(
    body: SubmitIn,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    household = household_of(request, session, clock, api=True)
    report = self_report.submit(
        session,
        protector,
        household,
        declarant=body.declarant,
        pledge=body.pledge,
        confirmed=body.confirmed,
        clock=clock,
        calendar=calendar,
    )
    return _with_findings(report)


@router.post("/api/self-report/logout", status_code=204, openapi_extra=_PUBLIC)
def api_logout(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    household = household_of(request, session, clock, api=True)
    self_report.sign_out(session, household, clock.now())
    return Response(status_code=204)
