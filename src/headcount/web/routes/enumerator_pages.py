"""The enumerator's pages for self-reports: a printable self-report card and confirming submitted
self-reports (the interview forms are in ``interview_pages``).

Staff pages on the staff session (cookie); every POST carries the per-session form token. The
JSON twins sit under /api/enumerator/self-report… for the tablet app and scripts. The services
check the household's area (404 outside the enumerator's small areas) and audit.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from headcount.auth.roles import Permission
from headcount.config import Settings
from headcount.fieldwork import confirmation, registration, self_report
from headcount.questionnaire.schema import Scope
from headcount.web import forms_render as fr
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    SessionDep,
)
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import PostedDep, check_form, form_token_of
from headcount.web.pagekit import render_bare as render
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["enumerator-pages"])
_ISSUE = access(Permission.self_report_issue)
_CONFIRM = access(Permission.self_report_confirm)


def _base_url(request: Request) -> str:
    """Where a printed card sends a household: the configured public URL, never the request's
    Host (cards cannot be recalled). Only outside production, with none configured, the
    address this page was reached at (the Host check admitted it)."""
    settings: Settings = request.app.state.settings
    return settings.public_base or str(request.base_url).rstrip("/")


# --- cards -----------------------------------------------------------------------------------


@router.get(
    "/enumerator/households/{household_id}/card", openapi_extra=_ISSUE, include_in_schema=False
)
def card_page(
    household_id: str, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    self_report.require_issuable(session, actor, household_id)  # 404 outside the small areas
    return render(
        request,
        "selfreport/card.html",
        card=None,
        household_id=household_id,
        form_token=form_token_of(request),
    )


@router.post(
    "/enumerator/households/{household_id}/card", openapi_extra=_ISSUE, include_in_schema=False
)
def card_issue(
    household_id: str,
    request: Request,
    form: PostedDep,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    check_form(request, form)
    card = self_report.issue(
        session,
        actor,
        household_id,
        base_url=_base_url(request),
        clock=clock,
        calendar=calendar,
        audit=audit,
    )
    return render(
        request,
        "selfreport/card.html",
        card=card,
        household_id=household_id,
        form_token=form_token_of(request),
    )


@router.post(
    "/api/enumerator/self-report/households/{household_id}/card",
    response_model=self_report.Card,
    status_code=201,
    openapi_extra=_ISSUE,
)
def api_card_issue(
    household_id: str,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return self_report.issue(
        session,
        actor,
        household_id,
        base_url=_base_url(request),
        clock=clock,
        calendar=calendar,
        audit=audit,
    )


@router.get(
    "/enumerator/small-areas/{small_area_code}/cards", openapi_extra=_ISSUE, include_in_schema=False
)
def cards_page(
    small_area_code: str,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    rows = self_report.cards(session, protector, actor, small_area_code, audit=audit)
    return render(request, "selfreport/cards.html", rows=rows, small_area_code=small_area_code)


@router.get(
    "/api/enumerator/self-report/small-areas/{small_area_code}/cards",
    response_model=list[self_report.CardStatusOut],
    openapi_extra=_ISSUE,
)
def api_cards(
    small_area_code: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return self_report.cards(session, protector, actor, small_area_code, audit=audit)


# --- confirmation ----------------------------------------------------------------------------


@router.get("/enumerator/self-reports", openapi_extra=_CONFIRM, include_in_schema=False)
def pending_page(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    rows = confirmation.pending(
        session, protector, actor, clock=clock, calendar=calendar, audit=audit
    )
    version = request.query_params.get("confirmed", "")
    return render(
        request,
        "selfreport/confirm.html",
        rows=rows,
        confirmed=version if version.isdigit() else "",
        form_token=form_token_of(request),
    )


@router.post(
    "/enumerator/self-reports/{household_id}/confirm",
    openapi_extra=_CONFIRM,
    include_in_schema=False,
)
def confirm_page(
    household_id: str,
    request: Request,
    form: PostedDep,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    check_form(request, form)
    result = confirmation.confirm(
        session, protector, actor, household_id, clock=clock, calendar=calendar, audit=audit
    )
    return RedirectResponse(f"/enumerator/self-reports?confirmed={result.version}", 303)


@router.get(
    "/api/enumerator/self-reports",
    response_model=list[confirmation.PendingOut],
    openapi_extra=_CONFIRM,
)
def api_pending(
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return confirmation.pending(
        session, protector, actor, clock=clock, calendar=calendar, audit=audit
    )


@router.post(
    "/api/enumerator/self-reports/{household_id}/confirm",
    response_model=registration.SubmissionOut,
    openapi_extra=_CONFIRM,
)
def api_confirm(
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Any:
    return confirmation.confirm(
        session, protector, actor, household_id, clock=clock, calendar=calendar, audit=audit
    )


# --- a submitted self-report before confirming -----------------------------------------------


def _answer_sections(request: Request, record: dict[str, Any]) -> list[dict[str, Any]]:
    lang = negotiate(request)
    short = fr.short_form()
    asked = fr.asked(record)
    sections = []
    items = dict(record.get("items") or {})
    keys = asked["household"] if asked else None
    sections.append(
        {
            "title": translate(lang, "selfreport.household.title"),
            "fields": fr.fields(short, "household", items, keys, lang),
        }
    )
    rosters: tuple[tuple[Scope, str, str], ...] = (
        ("person", "persons", "selfreport.person.title"),
        ("death", "deaths", "selfreport.death.title"),
    )
    for scope, roster, title in rosters:
        for n, row in enumerate(record.get(roster) or [], start=1):
            keys = asked[roster][n - 1] if asked and n <= len(asked[roster]) else None
            sections.append(
                {
                    "title": translate(lang, title, n=n),
                    "fields": fr.fields(short, scope, dict(row), keys, lang),
                }
            )
    return sections


@router.get(
    "/enumerator/self-reports/{household_id}", openapi_extra=_CONFIRM, include_in_schema=False
)
def submitted_page(
    household_id: str,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    found = confirmation.submitted(session, protector, actor, household_id, audit=audit)
    return render(
        request,
        "selfreport/confirm_detail.html",
        report=found,
        sections=_answer_sections(request, found.record),
        form_token=form_token_of(request),
    )


@router.get(
    "/api/enumerator/self-reports/{household_id}",
    response_model=confirmation.SubmittedOut,
    openapi_extra=_CONFIRM,
)
def api_submitted(
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return confirmation.submitted(session, protector, actor, household_id, audit=audit)
