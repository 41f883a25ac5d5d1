"""The enumerator's interview pages: register or change a household with the questionnaire
renderer, on the short form (``/form``; a household registered on the long form is changed there
too) or on the HK/Macau/Taiwan residents' and foreigners' form (``/hmtf``), and switch a
household between an enumerator visit and self-report from the register page.

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

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

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
    long_form,
    pre_registration,
    registration,
    self_report,
)
from headcount.fieldwork.scope import require
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Form, Scope
from headcount.store import registration as store_registration
from headcount.store.protector import Protector
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
    SettingsDep,
)
from headcount.web.i18n import negotiate, translate
from headcount.web.routes.enumerator_pages import PostedDep, check_form, form_token_of
from headcount.web.routes.household import render
from headcount.web.routes.staff_pages import register_page
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["enumerator-pages"])
_REGISTER = access(Permission.household_register)
MAX_PERSONS = 60  # one tablet page; a bigger collective household is registered in parts
_HOUSEHOLD_NO = re.compile(r"^\d{3}$")


def page_path(household_id: str, form_id: str) -> str:
    """The page that registers or changes a household on a form."""
    return _path(household_id, "hmtf" if form_id == "hmtf" else "form")


def _path(household_id: str, page: str) -> str:
    """One of the interview pages of a household: ``form``, ``hmtf`` or ``long``."""
    return f"/enumerator/households/{household_id}/{page}"


def _form_id(session: Any, household_id: str, page: str) -> str:
    """The form a page works on: the hmtf page the hmtf form, the long-form page the long form;
    the interview page the form of the registered version (short or long), the short form for a
    new registration."""
    if page in ("hmtf", "long"):
        return page
    stored = household_queries.by_household_id(session, household_id)
    return stored.form if stored is not None and stored.form in ("short", "long") else "short"


def require_sampled(session: Any, household_id: str, stored: Any, calendar: CensusCalendar) -> None:
    """The long-form page is for a registered household of the current long-form sample (E2062
    otherwise; the registration service refuses such a long form too)."""
    if stored is None or not long_form.is_sampled(session, household_id, calendar.wave):
        raise HeadcountError(errors.LONG_FORM_NOT_SAMPLED, household=household_id)


def _allowed(form: Form, settings: Settings) -> None:
    if form.provisional and not settings.allow_provisional_forms:
        raise HeadcountError(errors.PROVISIONAL_FORM_OFF, form=form.form_id)


# --- reading the posted page -----------------------------------------------------------------


Unreadable = dict[str, Any]  # {"household": {key: Label}, "persons": [...], "deaths": [...]}


def record_from(
    form: Form, posted: FormData, persons: int, household_no: str
) -> tuple[dict[str, Any], Unreadable]:
    """The posted page as household JSON, and the values that could not be read (each shown
    beside its field; the rosters' lists follow the record's rows)."""
    items, bad = fr.parse(form.household_items, posted, "h", _shown(posted, "h"))
    unreadable: Unreadable = {"household": bad, "persons": [], "deaths": []}
    rows: list[dict[str, Any]] = []
    for n in range(1, persons + 1):
        values, problems = fr.parse(form.person_items, posted, f"p{n}", _shown(posted, f"p{n}"))
        rows.append(values)
        unreadable["persons"].append(problems)
    deaths: list[dict[str, Any]] = []
    for n in range(1, _death_total(items) + 1):
        values, problems = fr.parse(fr.death_items(form), posted, f"d{n}", _shown(posted, f"d{n}"))
        deaths.append(values)
        unreadable["deaths"].append(problems)
    record = {
        "form": form.form_id,
        "household_no": household_no,
        "items": items,
        "persons": rows,
        "deaths": deaths,
        "confirmed": sorted({str(v) for v in posted.getlist("confirm")}),
    }
    return record, unreadable


def any_unreadable(unreadable: Unreadable) -> bool:
    return bool(unreadable["household"] or any(unreadable["persons"]) or any(unreadable["deaths"]))


def _shown(posted: FormData, prefix: str) -> list[str] | None:
    raw = posted.get(f"shown-{prefix}")
    return [k for k in str(raw).split(",") if k] if raw is not None else []


def _death_total(items: dict[str, Any]) -> int:
    counts = items.get("deaths")
    if not isinstance(counts, dict):
        return 0
    return max(0, min(99, int(counts.get("male") or 0) + int(counts.get("female") or 0)))


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


def _blocks(
    request: Request,
    form: Form,
    record: dict[str, Any],
    findings: list[Any],
    *,
    allow_provisional: bool,
    unreadable: Unreadable | None = None,
    on_file: OnFile | None = None,
) -> list[dict[str, Any]]:
    """Every section of the page: its title, input prefix and fields (only what is asked), each
    personal value on file shown beside its empty input as ``households.shown`` shows it."""
    lang = negotiate(request)
    asked = fr.asked(record, allow_provisional=allow_provisional)
    confirmed = record.get("confirmed", [])
    bad = unreadable or {"household": {}, "persons": [], "deaths": []}
    out = []

    def add(
        title: str, scope: Scope, prefix: str, values: dict[str, Any], keys: Any, n: Any
    ) -> None:
        if scope == "household":
            problems = bad["household"]
        else:
            rows = bad["persons" if scope == "person" else "deaths"]
            problems = rows[n - 1] if n <= len(rows) else {}
        views = fr.fields(
            form,
            scope,
            values,
            keys,
            lang,
            findings=fr.scope_findings(findings, scope, n),
            problems=problems,
            confirmed=confirmed,
            prefix=prefix,
        )
        kept = (on_file or {}).get(prefix, {})
        for view in views:
            view.on_file = str(kept.get(view.item.key) or "")
        out.append({"title": title, "prefix": prefix, "fields": views, "number": n})

    keys = asked["household"] if asked else None
    add(
        translate(lang, "selfreport.household.title"), "household", "h", record["items"], keys, None
    )
    for n, person in enumerate(record["persons"], start=1):
        keys = asked["persons"][n - 1] if asked else None
        add(translate(lang, "selfreport.person.title", n=n), "person", f"p{n}", person, keys, n)
    for n, death in enumerate(record["deaths"], start=1):
        keys = asked["deaths"][n - 1] if asked else None
        add(translate(lang, "selfreport.death.title", n=n), "death", f"d{n}", death, keys, n)
    return out


def form_page(
    request: Request,
    household_id: str,
    page: str,
    form: Form,
    record: dict[str, Any],
    *,
    allow_provisional: bool,
    findings: list[Any] | None = None,
    unreadable: Unreadable | None = None,
    problem: str | None = None,
    status: int = 200,
    submission_uuid: str | None = None,
    replaces_version: int | None = None,
    origins: Origins | None = None,
    on_file: OnFile | None = None,
    draft_unreadable: int = 0,
    action: str | None = None,
    back: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    blocks = _blocks(
        request,
        form,
        record,
        findings or [],
        allow_provisional=allow_provisional,
        unreadable=unreadable,
        on_file=on_file,
    )
    for block in blocks:
        number, prefix = block["number"], block["prefix"]
        rows = (origins or {}).get(prefix[:1], []) if prefix[:1] in ("p", "d") else []
        block["origin"] = rows[number - 1] if number is not None and number <= len(rows) else ""
    lang = negotiate(request)
    return render(
        request,
        "forms/household.html",
        status=status,
        household_id=household_id,
        action=action or _path(household_id, page),
        back=back,
        notice=notice,
        title=translate(lang, "forms.interview_title")
        if form.form_id == "short"
        else fr.title(form, lang),
        provisional=form.provisional,
        long_form=page == "long",
        withheld=bool(households.withheld(form, "person")),
        blocks=blocks,
        draft_unreadable=draft_unreadable,
        replaces_version=replaces_version or "",
        persons=len(record["persons"]),
        has_problems=any(f.invalid for b in blocks for f in b["fields"]),
        problem=problem,
        submission_uuid=submission_uuid or str(uuid.uuid4()),
        form_token=form_token_of(request),
    )


# Where each roster row of the page came from: {"p": ["1", "", "2"], "d": ["1"]}, the row's
# number in the stored version (or handed-over draft) the page started from; "" for a new row.
Origins = dict[str, list[str]]
# The personal values on file, as the actor may see them, per input prefix: {"p1": {"name": "张*"}}.
OnFile = dict[str, dict[str, Any]]
_ROSTERS: tuple[tuple[str, Literal["person", "death"]], ...] = (("p", "person"), ("d", "death"))


def _key(prefix: str) -> str:
    return "persons" if prefix == "p" else "deaths"


def editable(form: Form, stored: dict[str, Any], household_no: str) -> dict[str, Any]:
    """A stored version (or a handed-over draft) as the page edits it: no personal value on file
    goes into an input (``households.withheld``), whoever asks."""
    out: dict[str, Any] = {
        "form": form.form_id,
        "household_no": household_no,
        "items": dict(stored.get("items") or {}),
        "confirmed": list(stored.get("confirmed") or []),
    }
    for prefix, scope in _ROSTERS:
        hidden = households.withheld(form, scope)
        rows = stored.get(_key(prefix)) or []
        out[_key(prefix)] = [{k: v for k, v in r.items() if k not in hidden} for r in rows]
    return out


def origins_of(record: dict[str, Any]) -> Origins:
    """Every roster row of a page opened from a stored record comes from that record's row."""
    return {p: [str(n) for n in range(1, len(record[_key(p)]) + 1)] for p, _ in _ROSTERS}


def _from_origin(rows: list[Any], origin: str) -> dict[str, Any] | None:
    index = int(origin) - 1 if origin.isdigit() else -1
    row = rows[index] if 0 <= index < len(rows) else None
    return row if isinstance(row, dict) else None


def restore(form: Form, record: dict[str, Any], source: dict[str, Any], origins: Origins) -> None:
    """A row kept from the record the page started from keeps its personal values on file
    unless new ones were typed."""
    for prefix, scope in _ROSTERS:
        before = source.get(_key(prefix)) or []
        for row, origin in zip(record[_key(prefix)], origins.get(prefix, []), strict=False):
            kept = _from_origin(before, origin)
            if kept is None:
                continue
            for key in households.withheld(form, scope):
                if not row.get(key) and kept.get(key):
                    row[key] = kept[key]


def on_file_values(
    form: Form, source: dict[str, Any] | None, origins: Origins, granted: frozenset[str]
) -> OnFile:
    """The personal values on file of each row, as ``households.shown`` shows them."""
    out: OnFile = {}
    for prefix, scope in _ROSTERS:
        before = (source or {}).get(_key(prefix)) or []
        for n, origin in enumerate(origins.get(prefix, []), start=1):
            kept = _from_origin(before, origin)
            if kept is None:
                continue
            out[f"{prefix}{n}"] = {
                key: households.shown(key, kept.get(key), granted)
                for key in households.withheld(form, scope)
                if kept.get(key)
            }
    return out


def _show(visit: Visit, page: str, household_id: str) -> Response:
    """A new interview (a handed-over self-report starts from its answers), or a change to a
    registered household, starting from its current version (ID numbers stay on the server).
    The long-form page starts from the current version too, on the long form."""
    request, session, protector, actor, audit = visit.parts()
    settings, calendar = visit.settings, visit.calendar
    entry = registered_entry(session, actor, household_id)
    form = get_form(_form_id(session, household_id, page))
    allow = settings.allow_provisional_forms
    stored_row = household_queries.by_household_id(session, household_id)
    done = request.query_params.get("version", "")
    query = f"?version={done}" if done.isdigit() else ""
    if page == "long":
        if stored_row is not None and stored_row.form == "long":
            # Already on the long form: it is changed on the interview page.
            return RedirectResponse(page_path(household_id, "long") + query, 303)
        require_sampled(session, household_id, stored_row, calendar)
    elif stored_row is not None and page_path(household_id, stored_row.form) != _path(
        household_id, page
    ):
        # Registered on the other page's form: it is changed there.
        return RedirectResponse(page_path(household_id, stored_row.form) + query, 303)
    _allowed(form, settings)
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
    form = get_form(_form_id(session, household_id, page))
    _allowed(form, settings)
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
    deaths = _death_total(record["items"])
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


def check_findings(record: dict[str, Any], allow_provisional: bool) -> list[Any]:
    try:
        return list(validate_household(record, allow_provisional=allow_provisional).findings)
    except HeadcountError:
        return []


def registered_entry(
    session: Any,
    actor: Actor,
    household_id: str,
    permission: Permission = Permission.household_register,
) -> Any:
    """The register line, inside the actor's small areas (404 outside: existence does not leak)."""
    entry = field_queries.entry_by_household_id(session, household_id)
    require(
        actor,
        permission,
        entry.small_area_code if entry is not None else "",
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    return entry


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
    after = after if _HOUSEHOLD_NO.match(after) else ""
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
