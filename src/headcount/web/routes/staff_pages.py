"""Staff pages: the enumerator's dashboard (small areas, household register with statuses, tasks,
a household's switch between an enumerator visit and self-report),
the supervisor's review (list, masked household detail, approve or reject with a reason) and the
office's progress with a server-rendered bar chart per area.

Thin over the fieldwork services, which check object scope (404 outside it), audit reads of
personal data and mask it for roles without pi.view_full; each page's data is also in the JSON API
(/api/enumerator/small-areas/…/households, /api/enumerator/tasks, /api/supervisor/reviews,
/api/progress).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Permission
from headcount.errors import HeadcountError, Lang
from headcount.fieldwork import (
    households,
    pre_registration,
    progress,
    review,
    tasks,
    verification,
)
from headcount.fieldwork.review import REASONS
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Item
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as fieldwork_queries
from headcount.web.csrf import check as csrf_check
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    SessionDep,
)
from headcount.web.i18n import negotiate
from headcount.web.interview import HOUSEHOLD_NO, registered_entry
from headcount.web.pagekit import PostedDep, check_form, form_token_of, render, see_other
from headcount.web.security import SecuredRouter, access

router = SecuredRouter()
SERIES = ("expected_households", "registered", "self_reported", "approved", "rejected")
COLOURS = {
    "expected_households": "#5f6b7a",
    "registered": "#0b5394",
    "self_reported": "#6a3d9a",
    "approved": "#1b7a3a",
    "rejected": "#b00020",
}


@dataclass(frozen=True, slots=True)
class Bar:
    series: str
    value: int
    y: int
    width: float
    colour: str


def chart(area: progress.AreaProgress, *, width: float = 200.0) -> list[Bar]:
    """Horizontal bars (expected, registered, self-reported, approved, rejected) of one area."""
    values = {
        "expected_households": area.expected_households,
        "registered": area.registered,
        "self_reported": area.self_reported,
        "approved": area.approved + area.approved_first,
        "rejected": area.rejected,
    }
    top = max(values.values()) or 1
    return [
        Bar(name, values[name], 22 * i, round(width * values[name] / top, 1), COLOURS[name])
        for i, name in enumerate(SERIES)
    ]


def _pledge_first(actor: Actor) -> Response | None:
    return None if actor.pledge_accepted else see_other("/pledge")


@router.get(
    "/staff",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access("authenticated"),
)
def dashboard(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    """My small areas and open tasks (enumerator); links to review and progress for the rest."""
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    if actor.has(Permission.pes_register):  # the survey's enumerator works on her own page
        return see_other("/pes")
    small_areas: list[str] = []
    open_tasks: list[tasks.TaskOut] = []
    if actor.has(Permission.household_register):
        small_areas = [a for a in actor.areas if len(a) == 15]
        open_tasks = tasks.list_open(session, actor, limit=20).items
    summaries = {}
    if actor.has(Permission.progress_view):
        summaries = {
            code: progress.area_progress(session, actor, code).area for code in small_areas
        }
    context = {
        "small_areas": small_areas,
        "summaries": summaries,
        "tasks": open_tasks,
        "can_confirm": actor.has(Permission.self_report_confirm),
    }
    return render(request, "staff/dashboard.html", context, actor=actor)


class RegisterRow(BaseModel):
    entry: pre_registration.EntryOut  # the head's name masked unless pi.view_full
    status: str  # to_visit, awaiting_self_report, or the review status once registered


class RegisterStatusPage(BaseModel):
    small_area_code: str
    items: list[RegisterRow]
    next_after: str | None


def register_with_status(
    session: Session,
    protector: Protector,
    actor: Actor,
    small_area_code: str,
    *,
    after: str,
    audit: AuditActor,
) -> RegisterStatusPage:
    """The register of one small area (scope-checked and audited by the service) with statuses."""
    page = pre_registration.list_entries(
        session, protector, actor, small_area_code, after=after, limit=50, audit=audit
    )
    rows = []
    for entry in page.items:
        found = fieldwork_queries.review(session, entry.household_id)
        waiting = "awaiting_self_report" if entry.mode == "self_report" else "to_visit"
        rows.append(RegisterRow(entry=entry, status=found.status if found else waiting))
    return RegisterStatusPage(
        small_area_code=small_area_code, items=rows, next_after=page.next_after
    )


@router.get(
    "/api/enumerator/small-areas/{small_area_code}/households",
    response_model=RegisterStatusPage,
    tags=["enumerator"],
    openapi_extra=access(Permission.household_read),
)
def register_statuses(
    small_area_code: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    after: Annotated[str, Query(max_length=8)] = "",
) -> Any:
    """JSON twin of the register page: each household with its status."""
    return register_with_status(
        session, protector, actor, small_area_code, after=after, audit=audit
    )


@router.get(
    "/staff/small-areas/{small_area_code}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.household_read),
)
def register_page(
    request: Request,
    small_area_code: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    after: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    """The household register of one small area with each household's status; a mode switch
    (interview_pages.mode_post) comes back here with ``switched`` or renders its refusal here."""
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    page = register_with_status(
        session, protector, actor, small_area_code, after=after, audit=audit
    )
    switched = request.query_params.get("switched", "")
    can_register = actor.can(Permission.household_register, small_area_code)
    context = {
        "small_area_code": small_area_code,
        "rows": page.items,
        "next_after": page.next_after,
        "after": after,
        "can_register": can_register,
        "can_issue": actor.can(Permission.self_report_issue, small_area_code),
        "can_switch": actor.can(Permission.pre_register, small_area_code),
        "can_foreign": can_register and request.app.state.settings.allow_provisional_forms,
        "switched": switched if len(switched) == 3 and switched.isdigit() else "",
        "problem": getattr(request.state, "register_problem", None),
        "form_token": form_token_of(request),
    }
    return render(request, "staff/register.html", context, actor=actor)


# --- the household's mode, from the register page --------------------------------------------


@router.post(
    "/enumerator/households/{household_id}/mode",
    openapi_extra=access(Permission.pre_register),
    include_in_schema=False,
)
def mode_post(
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
    """Switch a household between an enumerator visit and self-report (``set_mode`` decides, and
    refuses a registered household). Back to the register with a confirmation, or the
    register with the refusal in words (404 outside the actor's small areas)."""
    check_form(request, form)
    entry = registered_entry(session, actor, household_id, Permission.pre_register)
    mode = str(form.get("mode", ""))
    after = str(form.get("after", ""))
    after = after if HOUSEHOLD_NO.match(after) else ""
    try:
        if mode not in ("enumerator", "self_report"):
            raise HeadcountError(errors.MODE_UNKNOWN)
        with session.begin_nested():  # a refusal leaves nothing behind
            pre_registration.set_mode(
                session,
                protector,
                actor,
                household_id,
                "enumerator" if mode == "enumerator" else "self_report",
                clock=clock,
                calendar=calendar,
                audit=audit,
            )
    except HeadcountError as exc:
        if exc.problem.status == 404:
            raise
        request.state.register_problem = exc.message(negotiate(request))
        page = register_page(
            request, entry.small_area_code, session, protector, actor, audit, after=after
        )
        if page.status_code == 200:  # not the pledge's redirect
            page.status_code = exc.problem.status
        return page
    query = f"switched={entry.household_no}" + (f"&after={after}" if after else "")
    return RedirectResponse(f"/staff/small-areas/{entry.small_area_code}?{query}", 303)


@router.get(
    "/staff/tasks",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.household_read),
)
def task_list(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    page = tasks.list_open(session, actor, limit=100)
    return render(request, "staff/tasks.html", {"tasks": page.items}, actor=actor)


@router.get(
    "/staff/tasks/{task_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.household_read),
)
def task_page(
    request: Request,
    task_id: uuid.UUID,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    return _task(request, session, protector, actor, audit, task_id)


def _task(
    request: Request,
    session: Session,
    protector: Protector,
    actor: Actor,
    audit: AuditActor,
    task_id: uuid.UUID,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    task = tasks.get(session, protector, actor, task_id, audit=audit)
    checking = verification.detail(
        session, protector, actor, task_id, task.household_id, audit=audit
    )
    context = {
        "task": task,
        "verification": checking,
        "can_register": actor.can(Permission.household_register, task.small_area_code),
        "error": error,
    }
    return render(request, "staff/task.html", context, status=status, actor=actor)


@router.post(
    "/staff/tasks/{task_id}/answer",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.household_register),
)
def task_answer(
    request: Request,
    task_id: uuid.UUID,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    csrf: Annotated[str, Form(max_length=64)],
    answer: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    """The enumerator's answer to a verification task; an unticked form comes back with the
    question and a plain error, never a lost page."""
    csrf_check(request, csrf)
    if not answer:
        text = HeadcountError(errors.VERIFY_ANSWER_MISSING).message(_lang(request))
        return _task(request, session, protector, actor, audit, task_id, error=text, status=422)
    verification.answer(
        session, actor, task_id, verification.AnswerIn(answer=answer), clock=clock, audit=audit
    )
    return see_other(f"/staff/tasks/{task_id}?answered=1")


@router.get(
    "/staff/review",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access("authenticated"),
)
def review_list(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    after: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Households awaiting this actor's level of review (the service refuses other roles)."""
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    page = review.pending(session, actor, after=after, limit=50)
    context = {"page": page}
    return render(request, "staff/review_list.html", context, actor=actor)


def _detail(
    request: Request,
    session: Any,
    protector: Any,
    actor: Actor,
    household_id: str,
    audit: Any,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    level = review.level_of(actor)
    permission = Permission.review_second if level == "second" else Permission.review_first
    found = fieldwork_queries.review(session, household_id)
    if found is None or not actor.can(permission, found.small_area_code):
        raise HeadcountError(errors.HOUSEHOLD_NOT_FOUND, household=household_id[:40])
    household = households.read(session, protector, actor, household_id, audit=audit)
    lang = _lang(request)
    form = get_form(household.form)
    labels = {
        key: [
            _label(form.item("person", key), person.answers.get(key), lang)
            for person in household.persons
        ]
        for key in ("sex", "relationship")
    }
    context = {
        "household": household,
        "labels": labels,
        "level": level,
        "reasons": REASONS,
        "can_decide": found.status == ("submitted" if level == "first" else "approved_first"),
        "error": error,
    }
    return render(request, "staff/review_detail.html", context, status=status, actor=actor)


@router.get(
    "/staff/review/{household_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access("authenticated"),
)
def review_detail(
    request: Request,
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    if (redirect := _pledge_first(actor)) is not None:
        return redirect
    return _detail(request, session, protector, actor, household_id, audit)


@router.post(
    "/staff/review/{household_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access("authenticated"),
)
def review_decide(
    request: Request,
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
    csrf: Annotated[str, Form(max_length=64)],
    action: Annotated[str, Form(max_length=8)],
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason_code: Annotated[str, Form(max_length=32)] = "",
    comment: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    csrf_check(request, csrf)
    if action not in ("approve", "reject"):
        raise HeadcountError(errors.REQUEST_INVALID, fields="action")
    if action == "reject" and reason_code not in REASONS:
        error = HeadcountError(errors.REJECTION_REASON_REQUIRED, codes=", ".join(REASONS))
        text = error.message(_lang(request))
        return _detail(
            request, session, protector, actor, household_id, audit, error=text, status=422
        )
    decision = review.DecisionIn(
        action="approve" if action == "approve" else "reject",
        version=version,
        reason_code=reason_code or None,
        comment=comment.strip() or None,
    )
    review.decide(
        session,
        protector,
        actor,
        household_id,
        decision,
        clock=clock,
        calendar=calendar,
        audit=audit,
    )
    return see_other(f"/staff/review?done={household_id}")


def _label(item: Item | None, code: object, lang: Lang) -> str:
    """A coded answer in words (the code itself when the form has no label for it)."""
    if code is None or code == "":
        return "—"
    if item is None:
        return str(code)
    found = item.code_label(code, lang)
    if found is None and isinstance(code, str) and code.isdigit():
        found = item.code_label(int(code), lang)  # a code that travelled as text
    return found or str(code)


def _lang(request: Request) -> Lang:
    from headcount.web.i18n import negotiate

    return negotiate(request)


@router.get(
    "/staff/progress",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.progress_view),
)
def progress_page(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    area: Annotated[str | None, Query(max_length=15)] = None,
) -> Response:
    """My areas (or one area, with its children), each with a bar chart; drill down by link."""
    if area is None:
        views = progress.my_progress(session, actor)
    else:
        views = [progress.area_progress(session, actor, area)]
    blocks = [
        {
            "view": view,
            "charts": [(child, chart(child)) for child in view.children]
            or [(view.area, chart(view.area))],
        }
        for view in views
    ]
    checks = [
        row
        for row in verification.progress(session, actor)
        if area is None or row.small_area_code.startswith(area)
    ]
    context = {"blocks": blocks, "series": SERIES, "colours": COLOURS, "checks": checks}
    return render(request, "staff/progress.html", context, actor=actor)
