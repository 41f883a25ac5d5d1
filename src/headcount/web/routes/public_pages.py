"""Public pages: the start page (linking /published once a bundle is there), the badge check
(page and JSON twin) and the privacy page.

The badge check answers "genuine" with the holder's masked name (surname and *), role and area
name, or "not found" — the same answer for a withdrawn badge as for one never issued, so the page
tells a resident whom not to trust without telling anyone which accounts were disabled. A number
whose check character is wrong is answered without a lookup, and so is every number of the old
sequential form (re-issued by migration 0007: "replaced, ask for the new card"). Badge numbers
are random (fieldwork.badges), so walking the check finds nothing; both forms are rate-limited
per client besides.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request

from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.fieldwork.badges import grouped, is_legacy, is_well_formed, normalize_badge
from headcount.fieldwork.staff import masked_name
from headcount.identity import divisions
from headcount.store.protector import Protector
from headcount.store.queries import areas as area_queries
from headcount.store.queries import badges as badge_queries
from headcount.web import published
from headcount.web.csrf import check as csrf_check
from headcount.web.deps import AuditActorDep, ProtectorDep, SessionDep, SettingsDep
from headcount.web.pagekit import render
from headcount.web.ratelimit import limit
from headcount.web.security import SecuredRouter, access

router = SecuredRouter()
BADGE_LIMIT = [Depends(limit("badge", per_minute=20, burst=10))]
Outcome = Literal["genuine", "not_found", "replaced", "malformed"]


class BadgeCheck(BaseModel):
    badge: str
    outcome: Outcome
    name_masked: str | None = None
    role: str | None = None
    area_code: str | None = None
    area_name: str | None = None


def area_name(session: Session, code: str | None) -> str | None:
    if not code:
        return None
    small = area_queries.small_area(session, code) if len(code) == 15 else None
    census = area_queries.census_area(session, code[:12]) if len(code) >= 12 else None
    place = divisions().region_name(code[:6]) or ""
    parts = [place, census.name if census else "", small.name if small else ""]
    return "".join(p for p in parts if p) or None


def check_badge(session: Session, protector: Protector, who: AuditActor, raw: str) -> BadgeCheck:
    badge = normalize_badge(raw)[:16]
    if is_legacy(badge):
        # Every old sequential number alike, without a lookup: nothing to walk.
        append(session, who, AuditEvent("badge.check", f"badge:{badge}", outcome="replaced"))
        return BadgeCheck(badge=badge, outcome="replaced")
    if not is_well_formed(badge):
        return BadgeCheck(badge=badge, outcome="malformed")
    badge = grouped(badge)  # as stored
    staff = badge_queries.staff_by_badge(session, badge)
    genuine = staff is not None and not staff.disabled
    append(
        session,
        who,
        AuditEvent("badge.check", f"badge:{badge}", outcome="genuine" if genuine else "not_found"),
    )
    if staff is None or not genuine:
        return BadgeCheck(badge=badge, outcome="not_found")
    with protector.bound(session):
        name = masked_name(protector, staff)
    return BadgeCheck(
        badge=badge,
        outcome="genuine",
        name_masked=name,
        role=staff.role,
        area_code=staff.area_code,
        area_name=area_name(session, staff.area_code),
    )


@router.get(
    "/", response_class=HTMLResponse, include_in_schema=False, openapi_extra=access("public")
)
def start(request: Request, settings: SettingsDep) -> Response:
    """The start page; it links the published results once a bundle is there."""
    shown = published.any_bundle(settings.publication_dir)
    return render(request, "public/start.html", {"published": shown})


@router.get(
    "/privacy", response_class=HTMLResponse, include_in_schema=False, openapi_extra=access("public")
)
def privacy(request: Request) -> Response:
    return render(request, "public/privacy.html")


@router.get(
    "/badge", response_class=HTMLResponse, include_in_schema=False, openapi_extra=access("public")
)
def badge_page(request: Request) -> Response:
    return render(request, "public/badge.html", {"result": None, "badge": ""})


@router.post(
    "/badge",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access("public"),
    dependencies=BADGE_LIMIT,
)
def badge_check_page(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    who: AuditActorDep,
    csrf: Annotated[str, Form(max_length=64)],
    badge: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    csrf_check(request, csrf)
    result = check_badge(session, protector, who, badge)
    status = 422 if result.outcome == "malformed" else 200
    return render(request, "public/badge.html", {"result": result, "badge": badge}, status=status)


@router.get(
    "/api/public/badge/{badge}",
    response_model=BadgeCheck,
    openapi_extra=access("public"),
    dependencies=BADGE_LIMIT,
)
def badge_check_api(
    badge: str, session: SessionDep, protector: ProtectorDep, who: AuditActorDep
) -> Any:
    return check_badge(session, protector, who, badge[:32])
