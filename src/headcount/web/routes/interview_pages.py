"""The enumerator's interview pages: register or change a household with the questionnaire
renderer, on the short form (``/form``; a household registered on the long form is changed there
too) or on the HK/Macau/Taiwan residents' and foreigners' form (``/hmtf``). What the pages are
built from (reading a posted page, the sections, values on file) is ``web.interview``.

The long-form page (``/long``) registers a household of the current long-form sample on the long
form: it opens prefilled from the household's current version (the short form's answers carry
over, the long-only items start empty) and submits a new version that replaces it, which closes
the household's long-form task. A household that is not registered or not in the current sample
is refused with E2062 (409); once on the long form, the household is changed on ``/form``.

The hmtf form is provisional (its text is not verified against the official form): its page and
its submissions answer E2100 unless the server allows provisional forms
(``HEADCOUNT_ALLOW_PROVISIONAL_FORMS``; the demo does), and the page says it is provisional.

Staff pages on the staff session (cookie); every POST carries the per-session form token. The
services check the household's area (404 outside the enumerator's small areas), audit and decide;
the personal values on file (names, ID numbers: ``households.withheld``) stay on the server,
shown beside their empty inputs as the enumerator API shows them (``households.shown``), and
a kept person or death form keeps them unless new ones are typed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CensusCalendar, Clock
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.fieldwork import (
    confirmation,
    households,
    registration,
    self_report,
)
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Form
from headcount.store import registration as store_registration
from headcount.store.protector import Protector
from headcount.store.queries import households as household_queries
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    SessionDep,
    SettingsDep,
)
from headcount.web.i18n import negotiate, translate
from headcount.web.interview import (
    MAX_PERSONS,
    OnFile,
    Origins,
    any_unreadable,
    check_findings,
    death_total,
    editable,
    form_id_of,
    form_page,
    form_path,
    on_file_values,
    origins_of,
    page_path,
    record_from,
    registered_entry,
    require_allowed,
    require_sampled,
    restore,
)
from headcount.web.pagekit import PostedDep, check_form
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["enumerator-pages"])
_REGISTER = access(Permission.household_register)


@dataclass(frozen=True, slots=True)
class Visit:
    """One request to an interview page and what its handlers work with."""

    request: Request
    session: Session
    protector: Protector
    actor: Actor
    audit: AuditActor
    clock: Clock
    calendar: CensusCalendar
    settings: Settings

    def parts(self) -> tuple[Request, Session, Protector, Actor, AuditActor]:
        return self.request, self.session, self.protector, self.actor, self.audit


async def _visit(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    actor: ActorDep,
    audit: AuditActorDep,
    clock: ClockDep,
    calendar: CalendarDep,
    settings: SettingsDep,
) -> Visit:
    return Visit(request, session, protector, actor, audit, clock, calendar, settings)


VisitDep = Annotated[Visit, Depends(_visit)]


# --- the page --------------------------------------------------------------------------------


def _show(visit: Visit, page: str, household_id: str) -> Response:
    """A new interview (a handed-over self-report starts from its answers), or a change to a
    registered household, starting from its current version (ID numbers stay on the server).
    The long-form page starts from the current version too, on the long form."""
    request, session, protector, actor, audit = visit.parts()
    settings, calendar = visit.settings, visit.calendar
    entry = registered_entry(session, actor, household_id)
    form = get_form(form_id_of(session, household_id, page))
    allow = settings.allow_provisional_forms
    stored_row = household_queries.by_household_id(session, household_id)
    done = request.query_params.get("version", "")
    query = f"?version={done}" if done.isdigit() else ""
    if page == "long":
        if stored_row is not None and stored_row.form == "long":
            # Already on the long form: it is changed on the interview page.
            return RedirectResponse(page_path(household_id, "long") + query, 303)
        require_sampled(session, household_id, stored_row, calendar)
    elif stored_row is not None and page_path(household_id, stored_row.form) != form_path(
        household_id, page
    ):
        # Registered on the other page's form: it is changed there.
        return RedirectResponse(page_path(household_id, stored_row.form) + query, 303)
    require_allowed(form, settings)
    note = (
        translate(negotiate(request), "forms.registered", version=done) if done.isdigit() else None
    )
    if stored_row is not None:
        stored = store_registration.read(session, protector, audit, household_id)
        record = editable(form, stored, entry.household_no)
        origins = origins_of(record)
        return form_page(
            request,
            household_id,
            page,
            form,
            record,
            allow_provisional=allow,
            notice=note,
            replaces_version=int(stored["version"]),
            origins=origins,
            on_file=_shown_on_file(visit, household_id, form, stored, origins),
        )
    draft = _draft_of(visit, household_id, form)
    source = draft.record if draft is not None else {}
    record = editable(form, source, entry.household_no)
    origins = origins_of(record)
    if not record["persons"]:
        record["persons"] = [{}]
    return form_page(
        request,
        household_id,
        page,
        form,
        record,
        allow_provisional=allow,
        notice=note,
        origins=origins,
        on_file=_shown_on_file(visit, household_id, form, source, origins),
        draft_unreadable=len(draft.unreadable) if draft is not None else 0,
    )


def _draft_of(visit: Visit, household_id: str, form: Form) -> self_report.Draft | None:
    """The household's own answers a new short-form interview starts from (a handed-over or
    unconfirmed self-report), as far as they can be read; audited as a read."""
    if form.form_id != "short":
        return None
    _, session, protector, actor, audit = visit.parts()
    return confirmation.answers_for_interview(session, protector, actor, household_id, audit=audit)


def _shown_on_file(
    visit: Visit, household_id: str, form: Form, source: dict[str, Any], origins: Origins
) -> OnFile:
    """The personal values on file as this actor may see them; a look in clear is audited as
    such (as the API's read is)."""
    found = on_file_values(form, source, origins, visit.actor.permissions())
    if households.in_clear(visit.actor) and any(found.values()):
        append(visit.session, visit.audit, AuditEvent("household.read_full", household_id))
    return found


def _post(visit: Visit, page: str, household_id: str, posted: FormData) -> Response:
    request, session, protector, actor, audit = visit.parts()
    clock, calendar, settings = visit.clock, visit.calendar, visit.settings
    check_form(request, posted)
    entry = registered_entry(session, actor, household_id)
    if page == "long":
        stored_row = household_queries.by_household_id(session, household_id)
        require_sampled(session, household_id, stored_row, calendar)
    form = get_form(form_id_of(session, household_id, page))
    require_allowed(form, settings)
    allow = settings.allow_provisional_forms
    raw_persons = str(posted.get("persons", "1"))
    persons = max(0, min(MAX_PERSONS, int(raw_persons) if raw_persons.isdigit() else 1))
    record, unreadable = record_from(form, posted, persons, entry.household_no)
    action = str(posted.get("action", "check"))
    token = str(posted.get("submission_uuid", ""))
    raw_version = str(posted.get("replaces_version", ""))
    replaces = None
    if raw_version:  # the page posts the version it showed: anything else is not this page's
        if not (raw_version.isascii() and raw_version.isdigit() and len(raw_version) <= 9):
            raise HeadcountError(errors.REQUEST_INVALID, fields="replaces_version")
        replaces = int(raw_version)
    origins: Origins = {
        "p": [str(posted.get(f"origin-p{n}", ""))[:4] for n in range(1, persons + 1)],
        "d": [str(posted.get(f"origin-d{n}", ""))[:4] for n in range(1, len(record["deaths"]) + 1)],
    }
    if action == "add_person" and persons < MAX_PERSONS:
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
    shown_record = {
        **record,
        "persons": [dict(p) for p in record["persons"]],
        "deaths": [dict(d) for d in record["deaths"]],
    }
    # The record the page started from: the stored version it changes, or the household's own
    # answers a new interview took over. Its personal values stay on the server.
    source: dict[str, Any] = {}
    if replaces is not None:
        source = store_registration.read(session, protector, audit, household_id)
    elif any(origins["p"]) or any(origins["d"]):
        draft = _draft_of(visit, household_id, form)
        source = draft.record if draft is not None else {}
    restore(form, record, source, origins)
    on_file = _shown_on_file(visit, household_id, form, source, origins) if source else {}
    deaths = death_total(record["items"])
    record["deaths"] = (record["deaths"] + [{}] * deaths)[:deaths]
    findings = check_findings(record, allow)

    def again(problem: str | None = None, status: int = 200) -> Response:
        return form_page(
            request,
            household_id,
            page,
            form,
            shown_record,
            allow_provisional=allow,
            findings=findings,
            unreadable=unreadable,
            problem=problem,
            status=status,
            replaces_version=replaces,
            origins=origins,
            on_file=on_file,
            submission_uuid=token,
        )

    if action != "submit":
        return again()
    if any_unreadable(unreadable):
        return again(status=422)
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
            allow_provisional=allow,
            audit=audit,
        )
    except (HeadcountError, ValueError) as exc:
        lang = negotiate(request)
        message = exc.message(lang) if isinstance(exc, HeadcountError) else str(exc)
        return again(message, exc.problem.status if isinstance(exc, HeadcountError) else 422)
    return RedirectResponse(
        f"{page_path(household_id, form.form_id)}?version={result.version}", 303
    )


# --- routes: the short (and long) form, the hmtf form and the long-form page -------------------


def _route(page: str) -> str:
    return f"/enumerator/households/{{household_id}}/{page}"


@router.get(_route("form"), openapi_extra=_REGISTER, include_in_schema=False)
def interview_page(household_id: str, visit: VisitDep) -> Response:
    return _show(visit, "form", household_id)


@router.post(_route("form"), openapi_extra=_REGISTER, include_in_schema=False)
def interview_post(household_id: str, form: PostedDep, visit: VisitDep) -> Response:
    return _post(visit, "form", household_id, form)


@router.get(_route("hmtf"), openapi_extra=_REGISTER, include_in_schema=False)
def hmtf_page(household_id: str, visit: VisitDep) -> Response:
    """The HK/Macau/Taiwan residents' and foreigners' form (E2100 unless the server allows it)."""
    return _show(visit, "hmtf", household_id)


@router.post(_route("hmtf"), openapi_extra=_REGISTER, include_in_schema=False)
def hmtf_post(household_id: str, form: PostedDep, visit: VisitDep) -> Response:
    return _post(visit, "hmtf", household_id, form)


@router.get(_route("long"), openapi_extra=_REGISTER, include_in_schema=False)
def long_form_page(household_id: str, visit: VisitDep) -> Response:
    """The long form of a sampled household, prefilled from its current version (E2062 unless
    registered and in the current sample)."""
    return _show(visit, "long", household_id)


@router.post(_route("long"), openapi_extra=_REGISTER, include_in_schema=False)
def long_form_post(household_id: str, form: PostedDep, visit: VisitDep) -> Response:
    return _post(visit, "long", household_id, form)
