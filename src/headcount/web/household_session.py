"""The household's self-report session as the pages and the API see it: its cookie, its token
(the cookie for the pages, the bearer header for the API), the signed-in household, the sign-in
throttle and the findings of a draft. Shared by the household's page and API route modules.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from starlette.requests import Request

from headcount import errors
from headcount.errors import HeadcountError
from headcount.fieldwork import self_report
from headcount.questionnaire.findings import Finding
from headcount.web.ratelimit import limit

COOKIE = "headcount_household"
COOKIE_PATH = "/self-report"
LOGIN_LIMIT = [Depends(limit("self_report_login", per_minute=10, burst=10))]


def household_token(request: Request, *, api: bool) -> str | None:
    if api:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return request.cookies.get(COOKIE)


def household_of(
    request: Request, session: Any, clock: Any, *, api: bool
) -> self_report.HouseholdSession:
    found = self_report.resolve(session, household_token(request, api=api), clock.now())
    if found is None:
        raise HeadcountError(errors.SELF_REPORT_SIGNED_OUT)
    return found


def findings_of(record: dict[str, Any]) -> list[Finding]:
    try:
        return self_report.check(record).findings
    except HeadcountError:
        return []
