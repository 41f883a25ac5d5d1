"""The enumerator's pages for forms: a printable self-report card, confirming submitted
self-reports, and the interview form that registers a household with the questionnaire renderer.

Staff pages on the staff session (cookie); every POST carries the per-session form token. The
JSON twins sit under /api/enumerator/self-report… for the tablet app and scripts. The services
check the household's area (404 outside the enumerator's small areas) and audit.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from headcount import errors
from headcount.auth.roles import Permission
from headcount.errors import HeadcountError
from headcount.fieldwork import registration, self_report
from headcount.fieldwork.scope import require
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.schema import Scope
from headcount.store import registration as store_registration
from headcount.store.queries import fieldwork as field_queries
from headcount.store.queries import households as household_queries
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
from headcount.web.routes.household import render
from headcount.web.security import SecuredRouter, access
from headcount.web.sessions import token_from

router = SecuredRouter(tags=["enumerator-pages"])
_ISSUE = access(Permission.self_report_issue)
_CONFIRM = access(Permission.self_report_confirm)


async def _posted(request: Request) -> FormData:
    return await request.form()


PostedDep = Annotated[FormData, Depends(_posted)]


def _form_token(request: Request) -> str:
    return fr.form_token(token_from(request) or "")


def _check(request: Request, form: FormData) -> None:
    fr.check_form_token(token_from(request) or "", str(form.get("form_token", "")))


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


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
        form_token=_form_token(request),
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
    _check(request, form)
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
        form_token=_form_token(request),
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
    rows = self_report.pending(
        session, protector, actor, clock=clock, calendar=calendar, audit=audit
    )
    version = request.query_params.get("confirmed", "")
    return render(
        request,
        "selfreport/confirm.html",
        rows=rows,
        confirmed=version if version.isdigit() else "",
        form_token=_form_token(request),
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
    _check(request, form)
    result = self_report.confirm(
        session, protector, actor, household_id, clock=clock, calendar=calendar, audit=audit
    )
    return RedirectResponse(f"/enumerator/self-reports?confirmed={result.version}", 303)


@router.get(
    "/api/enumerator/self-reports",
    response_model=list[self_report.PendingOut],
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
    return self_report.pending(
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
    return self_report.confirm(
        session, protector, actor, household_id, clock=clock, calendar=calendar, audit=audit
    )


# --- the enumerator's interview form (register a household) ----------------------------------

_MAX_PERSONS = 60  # one tablet page; a bigger collective household is registered in parts


def _record_from(form: FormData, persons: int, household_no: str) -> tuple[dict[str, Any], bool]:
    """The posted page as household JSON; True when a value could not be read."""
    short = fr.short_form()
    items, bad = fr.parse(short.household_items, form, "h", _shown(form, "h"))
    rows: list[dict[str, Any]] = []
    for n in range(1, persons + 1):
        values, problems = fr.parse(short.person_items, form, f"p{n}", _shown(form, f"p{n}"))
        rows.append(values)
        bad = bad or problems
    deaths: list[dict[str, Any]] = []
    for n in range(1, _death_total(items) + 1):
        values, problems = fr.parse(fr.death_items(short), form, f"d{n}", _shown(form, f"d{n}"))
        deaths.append(values)
        bad = bad or problems
    record = {
        "form": "short",
        "household_no": household_no,
        "items": items,
        "persons": rows,
        "deaths": deaths,
        "confirmed": sorted({str(v) for v in form.getlist("confirm")}),
    }
    return record, bool(bad)


def _shown(form: FormData, prefix: str) -> list[str] | None:
    raw = form.get(f"shown-{prefix}")
    return [k for k in str(raw).split(",") if k] if raw is not None else []


def _death_total(items: dict[str, Any]) -> int:
    counts = items.get("deaths")
    if not isinstance(counts, dict):
        return 0
    return max(0, min(99, int(counts.get("male") or 0) + int(counts.get("female") or 0)))


def _blocks(
    request: Request,
    record: dict[str, Any],
    findings: list[Any],
) -> list[dict[str, Any]]:
    """Every section of the page: its title, input prefix and fields (only what is asked)."""
    lang = negotiate(request)
    short = fr.short_form()
    asked = fr.asked(record)
    confirmed = record.get("confirmed", [])
    out = []

    def add(title: str, scope: Any, prefix: str, values: dict[str, Any], keys: Any, n: Any) -> None:
        views = fr.fields(
            short,
            scope,
            values,
            keys,
            lang,
            findings=fr.scope_findings(findings, scope, n),
            confirmed=confirmed,
            prefix=prefix,
        )
        out.append({"title": title, "prefix": prefix, "fields": views, "number": n})

    add(
        translate(lang, "selfreport.household.title"),
        "household",
        "h",
        record["items"],
        asked["household"] if asked else None,
        None,
    )
    for n, person in enumerate(record["persons"], start=1):
        keys = asked["persons"][n - 1] if asked else None
        add(translate(lang, "selfreport.person.title", n=n), "person", f"p{n}", person, keys, n)
    for n, death in enumerate(record["deaths"], start=1):
        keys = asked["deaths"][n - 1] if asked else None
        add(translate(lang, "selfreport.death.title", n=n), "death", f"d{n}", death, keys, n)
    return out


def _form_page(
    request: Request,
    household_id: str,
    record: dict[str, Any],
    *,
    findings: list[Any] | None = None,
    problem: str | None = None,
    status: int = 200,
    submission_uuid: str | None = None,
    replaces_version: int | None = None,
    origins: list[str] | None = None,
) -> Response:
    blocks = _blocks(request, record, findings or [])
    for block in blocks:
        number = block["number"]
        on_file = block["prefix"].startswith("p") and origins and number <= len(origins)
        block["origin"] = origins[number - 1] if on_file and origins else ""
    return render(
        request,
        "forms/household.html",
        status=status,
        household_id=household_id,
        blocks=blocks,
        replaces_version=replaces_version or "",
        persons=len(record["persons"]),
        has_problems=any(f.invalid for b in blocks for f in b["fields"]),
        problem=problem,
        submission_uuid=submission_uuid or str(uuid.uuid4()),
        form_token=_form_token(request),
    )


@router.get(
    "/enumerator/households/{household_id}/form",
    openapi_extra=access(Permission.household_register),
    include_in_schema=False,
)
def interview_page(
    household_id: str,
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Response:
    """A new interview (a handed-over self-report starts from its answers), or a change to a
    registered household, starting from its current version (ID numbers stay on the server)."""
    entry = registered_entry(session, actor, household_id)
    done = request.query_params.get("version", "")
    note = (
        translate(negotiate(request), "forms.registered", version=done) if done.isdigit() else None
    )
    if household_queries.by_household_id(session, household_id) is not None:
        stored = store_registration.read(session, protector, audit, household_id)
        record = _editable(stored, entry.household_no, actor)
        origins = [str(n) for n in range(1, len(record["persons"]) + 1)]
        return _form_page(
            request,
            household_id,
            record,
            problem=note,
            replaces_version=int(stored["version"]),
            origins=origins,
        )
    saved = self_report.answers_for_interview(session, protector, actor, household_id, audit=audit)
    record = {
        "form": "short",
        "household_no": entry.household_no,
        "items": dict((saved or {}).get("items") or {}),
        "persons": list((saved or {}).get("persons") or [{}]),
        "deaths": list((saved or {}).get("deaths") or []),
        "confirmed": list((saved or {}).get("confirmed") or []),
    }
    return _form_page(request, household_id, record, problem=note)


def _editable(stored: dict[str, Any], household_no: str, actor: Any) -> dict[str, Any]:
    """A stored version as the page edits it: ID numbers left out without pi.view_full."""
    persons = [dict(p) for p in stored.get("persons") or []]
    if not actor.has(Permission.pi_view_full):
        for person in persons:
            person.pop("citizen_id", None)
    return {
        "form": "short",
        "household_no": household_no,
        "items": dict(stored.get("items") or {}),
        "persons": persons,
        "deaths": [dict(d) for d in stored.get("deaths") or []],
        "confirmed": list(stored.get("confirmed") or []),
    }


def _restore_ids(record: dict[str, Any], stored: dict[str, Any], origins: list[str]) -> None:
    """A person kept from the stored version keeps its ID number unless a new one was typed."""
    before = stored.get("persons") or []
    for person, origin in zip(record["persons"], origins, strict=False):
        if person.get("citizen_id") or not origin.isdigit():
            continue
        index = int(origin) - 1
        if 0 <= index < len(before) and before[index].get("citizen_id"):
            person["citizen_id"] = before[index]["citizen_id"]


@router.post(
    "/enumerator/households/{household_id}/form",
    openapi_extra=access(Permission.household_register),
    include_in_schema=False,
)
def interview_post(
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
    _check(request, form)
    entry = registered_entry(session, actor, household_id)
    persons = max(0, min(_MAX_PERSONS, int(str(form.get("persons", "1")) or 1)))
    record, unreadable = _record_from(form, persons, entry.household_no)
    action = str(form.get("action", "check"))
    token = str(form.get("submission_uuid", ""))
    raw_version = str(form.get("replaces_version", ""))
    replaces = int(raw_version) if raw_version.isdigit() else None
    origins = [str(form.get(f"origin-p{n}", "")) for n in range(1, persons + 1)]
    if action == "add_person" and persons < _MAX_PERSONS:
        record["persons"].append({})
        origins.append("")
    elif action.startswith("remove_") and action[7:].isdigit():
        index = int(action[7:]) - 1
        if 0 <= index < len(record["persons"]):
            del record["persons"][index]
            del origins[index]
            record["confirmed"] = [c for c in record["confirmed"] if "@" not in c]
    shown_record = {**record, "persons": [dict(p) for p in record["persons"]]}
    if replaces is not None:
        stored = store_registration.read(session, protector, audit, household_id)
        _restore_ids(record, stored, origins)
    record["deaths"] = (record["deaths"] + [{}] * _death_total(record["items"]))[
        : _death_total(record["items"])
    ]
    findings = _check_findings(record)
    if action != "submit" or unreadable:
        return _form_page(
            request,
            household_id,
            shown_record,
            findings=findings,
            replaces_version=replaces,
            origins=origins,
            submission_uuid=token,
        )
    try:
        result = registration.submit(
            session,
            protector,
            actor,
            household_id,
            registration.SubmissionIn(
                submission_uuid=uuid.UUID(token), replaces_version=replaces, record=record
            ),
            clock=clock,
            calendar=calendar,
            audit=audit,
        )
    except (HeadcountError, ValueError) as exc:
        lang = negotiate(request)
        message = exc.message(lang) if isinstance(exc, HeadcountError) else str(exc)
        status = exc.problem.status if isinstance(exc, HeadcountError) else 422
        return _form_page(
            request,
            household_id,
            shown_record,
            findings=findings,
            problem=message,
            status=status,
            replaces_version=replaces,
            origins=origins,
            submission_uuid=token,
        )
    return RedirectResponse(
        f"/enumerator/households/{household_id}/form?version={result.version}", 303
    )


def _check_findings(record: dict[str, Any]) -> list[Any]:
    try:
        return list(validate_household(record).findings)
    except HeadcountError:
        return []


def registered_entry(session: Any, actor: Any, household_id: str) -> Any:
    """The register line, inside the actor's small areas (404 outside: existence does not leak)."""
    entry = field_queries.entry_by_household_id(session, household_id)
    require(
        actor,
        Permission.household_register,
        entry.small_area_code if entry is not None else "",
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    return entry


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
    found = self_report.submitted(session, protector, actor, household_id, audit=audit)
    return render(
        request,
        "selfreport/confirm_detail.html",
        report=found,
        sections=_answer_sections(request, found.record),
        form_token=_form_token(request),
    )


@router.get(
    "/api/enumerator/self-reports/{household_id}",
    response_model=self_report.SubmittedOut,
    openapi_extra=_CONFIRM,
)
def api_submitted(
    household_id: str,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
) -> Any:
    return self_report.submitted(session, protector, actor, household_id, audit=audit)
