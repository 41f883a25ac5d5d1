"""Public endpoints: health and the census calendar (no personal data, no sign-in)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from headcount.web.security import SecuredRouter, access

router = SecuredRouter()


class Health(BaseModel):
    status: str
    version: str


class CalendarPublic(BaseModel):
    wave: str
    reference_time: str
    self_report_opens: str
    self_report_closes: str
    now: str


@router.get("/healthz", response_model=Health, openapi_extra=access("public"))
def health() -> Any:
    from headcount import __version__

    return Health(status="ok", version=__version__)


@router.get("/api/calendar", response_model=CalendarPublic, openapi_extra=access("public"))
def calendar(request: Request) -> Any:
    cal = request.app.state.calendar
    return CalendarPublic(
        wave=cal.wave,
        reference_time=cal.reference_time.isoformat(),
        self_report_opens=cal.self_report.opens.isoformat(),
        self_report_closes=cal.self_report.closes.isoformat(),
        now=request.app.state.clock.now().isoformat(),
    )
