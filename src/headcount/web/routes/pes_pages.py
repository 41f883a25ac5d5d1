"""The post-enumeration survey's pages: the survey enumerator's list and form; the offices'
progress.

``/pes``: the survey enumerator's sampled small areas, each with the households she has listed
(P001 …, registered or not) and a button to list the next one. ``/pes/households/{id}``: the PES
form, drawn by the same renderer as the census interview; a registered household opens from its
current version with its personal values kept on the server (shown masked beside empty inputs,
kept unless retyped), as the census interview does. ``/office/pes``: per sampled area, households
listed and registered, persons and survey enumerators (``progress.view``; after the count has
closed). Staff session pages; every POST carries the per-session form token.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from headcount import errors
from headcount.auth.roles import Permission
from headcount.errors import HeadcountError
from headcount.fieldwork import pes_fieldwork, pes_followup
from headcount.fieldwork.registration import SubmissionIn
from headcount.questionnaire.loader import get_form
from headcount.store.models_pes import FOLLOWUP_ANSWERS
from headcount.web import interview as ip
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    ReadSessionDep,
    SessionDep,
)
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import PostedDep, check_form, form_token_of, render
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["pes-pages"])
_PES = access(Permission.pes_register)


def _path(household_id: str) -> str:
    return f"/pes/households/{household_id}"


@router.get("/pes", response_class=HTMLResponse, include_in_schema=False, openapi_extra=_PES)
def home(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    rows = pes_fieldwork.households(session, actor)
    followups = pes_followup.open_for(session, protector, actor, audit=audit)
    areas = [
        {"code": code, "households": [r for r in rows if r.small_area_code == code]}
        for code in sorted(a for a in actor.areas if len(a) == 15)
    ]
    context = {
        "areas": areas,
        "open": calendar.pes.contains(clock.now()),
        "opens": calendar.pes.opens.date().isoformat(),
        "closes": calendar.pes.closes.date().isoformat(),
        "form_token": form_token_of(request),
        "followups": followups,
        "answers": FOLLOWUP_ANSWERS,
        "answered": request.query_params.get("answered") == "1",
        "missing": request.query_params.get("missing", ""),
    }
    return render(request, "staff/pes.html", context, actor=actor)


@router.post("/pes/followups/{followup_id}", include_in_schema=False, openapi_extra=_PES)
def answer_followup(
    followup_id: str,
    request: Request,
    form: PostedDep,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
) -> Response:
    check_form(request, form)
    choice = str(form.get("answer", ""))
    if not choice:  # sent without choosing: back to the case, which says what to do
        return RedirectResponse(f"/pes?missing={followup_id[:40]}#f-{followup_id[:40]}", 303)
    pes_followup.answer(session, actor, followup_id, choice, clock=clock, audit=audit)
    return RedirectResponse("/pes?answered=1#followups", 303)


@router.post(
    "/pes/small-areas/{small_area_code}/households", include_in_schema=False, openapi_extra=_PES
)
def add_household(
    small_area_code: str,
    request: Request,
    form: PostedDep,
    session: SessionDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    check_form(request, form)
    listed = pes_fieldwork.list_household(
        session, actor, small_area_code, clock=clock, calendar=calendar, audit=audit
    )
    return RedirectResponse(_path(listed.household_id), 303)


def _page(
    request: Request,
    household_id: str,
    record: dict[str, Any],
    **kwargs: Any,
) -> Response:
    return ip.form_page(
        request,
        household_id,
        "pes",
        get_form(pes_fieldwork.FORM_ID),
        record,
        allow_provisional=False,
        action=_path(household_id),
        back={"href": "/pes", "label": translate(negotiate(request), "staff.pes.back")},
        **kwargs,
    )


@router.get(
    "/pes/households/{household_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=_PES,
)
def form_page(
    household_id: str,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    stored = pes_fieldwork.read(session, protector, actor, household_id, audit=audit)
    form = get_form(pes_fieldwork.FORM_ID)
    record = ip.editable(form, stored, str(stored.get("household_no") or ""))
    origins = ip.origins_of(record)
    if not record["persons"]:
        record["persons"] = [{}]
    done = request.query_params.get("version", "")
    version = int(stored.get("version") or 0)
    return _page(
        request,
        household_id,
        record,
        notice=translate(negotiate(request), "forms.registered", version=done)
        if done.isdigit()
        else None,
        replaces_version=version or None,
        origins=origins,
        on_file=ip.on_file_values(form, stored, origins, actor.permissions()),
    )


@router.post("/pes/households/{household_id}", include_in_schema=False, openapi_extra=_PES)
def form_post(
    household_id: str,
    request: Request,
    posted: PostedDep,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    check_form(request, posted)
    stored = pes_fieldwork.read(session, protector, actor, household_id, audit=audit)
    form = get_form(pes_fieldwork.FORM_ID)
    persons = _count(posted)
    record, unreadable = ip.record_from(form, posted, persons, str(stored["household_no"]))
    origins: ip.Origins = {
        "p": [str(posted.get(f"origin-p{n}", ""))[:4] for n in range(1, persons + 1)],
        "d": [],
    }
    action = str(posted.get("action", "check"))
    if action == "add_person" and persons < ip.MAX_PERSONS:
        record["persons"].append({})
        unreadable["persons"].append({})
        origins["p"].append("")
    elif action.startswith("remove_") and action[7:].isdigit():
        index = int(action[7:]) - 1
        if 0 <= index < len(record["persons"]):
            del record["persons"][index]
            del unreadable["persons"][index]
            del origins["p"][index]
            record["confirmed"] = [c for c in record["confirmed"] if "@" not in c]
    shown = {**record, "persons": [dict(p) for p in record["persons"]]}
    version = int(stored.get("version") or 0)
    source = stored if version else {}
    ip.restore(form, record, source, origins)
    on_file = ip.on_file_values(form, source, origins, actor.permissions()) if source else {}
    findings = ip.check_findings(record, False)
    token = str(posted.get("submission_uuid", ""))

    def again(problem: str | None = None, status: int = 200) -> Response:
        return _page(
            request,
            household_id,
            shown,
            findings=findings,
            unreadable=unreadable,
            problem=problem,
            status=status,
            replaces_version=version or None,
            origins=origins,
            on_file=on_file,
            submission_uuid=token,
        )

    if action != "submit":
        return again()
    if ip.any_unreadable(unreadable):
        return again(status=422)
    try:
        result = pes_fieldwork.submit(
            session,
            protector,
            actor,
            household_id,
            SubmissionIn(
                submission_uuid=uuid.UUID(token), replaces_version=version or None, record=record
            ),
            clock=clock,
            calendar=calendar,
            audit=audit,
        )
    except (HeadcountError, ValueError) as exc:
        message = exc.message(negotiate(request)) if isinstance(exc, HeadcountError) else str(exc)
        return again(message, exc.problem.status if isinstance(exc, HeadcountError) else 422)
    return RedirectResponse(f"{_path(household_id)}?version={result.version}", 303)


def _count(posted: FormData) -> int:
    raw = str(posted.get("persons", "1"))
    return max(0, min(ip.MAX_PERSONS, int(raw) if raw.isdigit() else 1))


@router.get(
    "/office/pes",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=access(Permission.progress_view),
)
def office_progress(
    request: Request,
    session: ReadSessionDep,
    actor: ActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> Response:
    secret: str | None = None
    try:
        areas = pes_fieldwork.progress(session, actor, clock=clock, calendar=calendar)
    except HeadcountError as exc:
        if exc.problem is not errors.PES_SAMPLE_SECRET:
            raise
        areas, secret = [], exc.message(negotiate(request))
    totals = {
        key: sum(getattr(a, key) for a in areas)
        for key in ("households_listed", "households_registered", "persons", "enumerators")
    }
    return render(
        request,
        "staff/pes_progress.html",
        {"areas": areas, "totals": totals, "secret": secret},
        actor=actor,
    )
