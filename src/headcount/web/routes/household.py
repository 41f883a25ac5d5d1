"""The household's self-report pages (/self-report/…) and their JSON twins (/api/self-report/…).

Households are not staff: these routes are declared "public" for the staff check and each one
requires the household session itself (cookie ``headcount_household``, path /self-report, for the
pages; ``Authorization: Bearer`` for the API). Pages work without JavaScript: every step is a
POST that saves the draft and redirects (303) or shows the page again with messages beside fields.

A page asked for without the household session answers E2081, which the error handler turns into
a redirect to the login page with ``next=`` (web/problems.py); the login goes there afterwards.
Each questionnaire page has a live twin (``…/live``, web/live.py): the page's form posted as a
save would post it, answered with the items that apply now; it saves nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from headcount import errors
from headcount.errors import HeadcountError
from headcount.fieldwork import self_report
from headcount.privacy.masking import mask
from headcount.questionnaire.findings import Finding
from headcount.questionnaire.schema import Scope
from headcount.web import csrf, live
from headcount.web import forms_render as fr
from headcount.web.deps import (
    AuditActorDep,
    CalendarDep,
    ClockDep,
    EngineDep,
    ProtectorDep,
    SessionDep,
    SettingsDep,
)
from headcount.web.household_session import (
    COOKIE,
    COOKIE_PATH,
    LOGIN_LIMIT,
    findings_of,
    household_token,
)
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import PostedDep
from headcount.web.pagekit import render_bare as render
from headcount.web.ratelimit import limit
from headcount.web.security import SecuredRouter, access, local_path

router = SecuredRouter(tags=["self-report"])
_PUBLIC = access("public")
_LIVE_LIMIT = [Depends(limit("live_form", per_minute=240, burst=60))]


LiveDep = Annotated[FormData, Depends(live.bounded_form)]


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _next(value: str | None) -> str | None:
    """A ``next`` the login may follow: a household page (never the login itself)."""
    found = local_path(value, under="/self-report/")
    steps = ("/self-report/login", "/self-report/logout")
    return None if found is None or found.split("?")[0] in steps else found


# --- sign-in ---------------------------------------------------------------------------------


@router.get("/self-report/login", openapi_extra=_PUBLIC, include_in_schema=False)
def login_page(request: Request) -> Response:
    account = request.query_params.get("account", "")[:16]
    target = _next(request.query_params.get("next"))
    return _login_form(request, account=account, problem=None, next=target)


def _login_form(request: Request, status: int = 200, **context: Any) -> Response:
    """The sign-in form with its CSRF token (a keyed token bound to a pre-session cookie: another
    site can neither read nor forge it, so it cannot sign a browser in to its own card)."""
    token, fresh = csrf.issue(request)
    page = render(request, "selfreport/login.html", status, csrf=token, **context)
    csrf.set_seed_cookie(request, page, fresh)
    return page


@router.post(
    "/self-report/login", openapi_extra=_PUBLIC, dependencies=LOGIN_LIMIT, include_in_schema=False
)
def login_submit(
    request: Request,
    form: PostedDep,
    engine: EngineDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: AuditActorDep,
) -> Response:
    account = str(form.get("account", ""))[:40]
    target = _next(str(form.get("next", ""))[:1024])
    try:
        csrf.check(request, str(form.get("csrf", "")))
        opened = self_report.sign_in(
            engine, who, clock.now(), account=account, password=str(form.get("password", ""))
        )
    except HeadcountError as exc:
        lang = negotiate(request)
        page = _login_form(
            request,
            status=exc.problem.status,
            account=account,
            problem=exc.message(lang),
            next=target,
        )
        if "retry_after" in exc.details:
            page.headers["Retry-After"] = str(exc.details["retry_after"])
        return page
    response = _see(target or "/self-report/household")
    response.set_cookie(
        COOKIE,
        opened.token,
        httponly=True,
        secure=settings.mode == "production",
        samesite="strict",
        path=COOKIE_PATH,
        max_age=self_report.SESSION_HOURS * 3600,
    )
    return response


@router.post("/self-report/logout", openapi_extra=_PUBLIC, include_in_schema=False)
def logout(
    request: Request, form: PostedDep, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    token = household_token(request, api=False)
    found = self_report.resolve(session, token, clock.now())
    if found is not None and token is not None:
        fr.check_form_token(token, str(form.get("form_token", "")))
        self_report.sign_out(session, found, clock.now())
    response = _see("/self-report/login")
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, secure=settings.mode == "production"
    )
    return response


# --- pages -----------------------------------------------------------------------------------


class _Page:
    """What every signed-in page needs: the household, its answers, the form, the token."""

    def __init__(
        self, request: Request, session: Any, protector: Any, clock: Any, calendar: Any
    ) -> None:
        self.request = request
        self.session = session
        self.protector = protector
        self.clock = clock
        self.calendar = calendar
        self.lang = negotiate(request)
        self.token = household_token(request, api=False) or ""
        self.household = self_report.resolve(session, self.token, clock.now())
        self.form = fr.short_form()

    def require(self) -> None:
        """Signed out: E2081, which a page turns into the login page with ``next=`` (problems)."""
        if self.household is None:
            raise HeadcountError(errors.SELF_REPORT_SIGNED_OUT)

    def load(self) -> self_report.ReportOut:
        assert self.household is not None
        return self_report.load(
            self.session, self.protector, self.household, clock=self.clock, calendar=self.calendar
        )

    def save(self, record: dict[str, Any]) -> self_report.ReportOut:
        assert self.household is not None
        return self_report.save(
            self.session,
            self.protector,
            self.household,
            record,
            clock=self.clock,
            calendar=self.calendar,
        )

    def check(self, form: FormData) -> None:
        fr.check_form_token(self.token, str(form.get("form_token", "")))

    def show(self, name: str, report: self_report.ReportOut, **context: Any) -> Response:
        return render(
            self.request,
            name,
            report=report,
            form_token=fr.form_token(self.token),
            badge=self._badge(),
            enumerator=self._enumerator(),
            **context,
        )

    def _badge(self) -> str:
        assert self.household is not None
        return self_report.badge_of(self.session, self.household.issued_by)

    def _enumerator(self) -> str:
        assert self.household is not None
        return self_report.enumerator_masked_name(
            self.session, self.protector, self.household.issued_by
        )

    def readonly(self, report: self_report.ReportOut) -> Response:
        return self.show("selfreport/readonly.html", report, sections=_sections(self, report))


def _page(
    request: Request,
    session: SessionDep,
    protector: ProtectorDep,
    clock: ClockDep,
    calendar: CalendarDep,
) -> _Page:
    return _Page(request, session, protector, clock, calendar)


PageDep = Annotated[_Page, Depends(_page)]


def _confirmed_after(record: dict[str, Any], form: FormData, targets: list[str]) -> list[str]:
    """The record's confirmations with this page's soft findings ticked or unticked."""
    kept = [c for c in record.get("confirmed", []) if c not in targets]
    ticked = [str(v) for v in form.getlist("confirm") if str(v) in targets]
    return sorted(set(kept + ticked))


@router.get("/self-report", openapi_extra=_PUBLIC, include_in_schema=False)
def start(page: PageDep) -> Response:
    return _see("/self-report/household" if page.household else "/self-report/login")


@router.get("/self-report/household", openapi_extra=_PUBLIC, include_in_schema=False)
def household_page(page: PageDep) -> Response:
    page.require()
    report = page.load()
    if not report.editable:
        return page.readonly(report)
    return _scope_page(page, report, "household", None, show_findings=False)


@router.post("/self-report/household", openapi_extra=_PUBLIC, include_in_schema=False)
def household_save(page: PageDep, form: PostedDep) -> Response:
    page.require()
    page.check(form)
    page.request.state.shown_keys = live.posted_shown(form, "shown")
    page.request.state.seen_targets = form.getlist("seen")
    record, problems = _with_posted(page, page.load().record, form, "household", None)
    targets = [str(t) for t in form.getlist("soft_target")]
    record["confirmed"] = _confirmed_after(record, form, targets)
    report = page.save(record)
    return _after_save(page, report, "household", None, problems, "/self-report/persons")


def _with_posted(
    page: _Page, saved: dict[str, Any], form: FormData, scope: Scope, number: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft with this page's posted answers, as a save keeps it (and as the live twin
    answers from): the answers of the items the page showed (``shown``), then the answers the
    rules now say are not asked dropped; the death forms follow H4. Also the problems of values
    that could not be read."""
    record = dict(saved)
    shown = live.posted_shown(form, "shown")
    items = live.scope_items(page.form, scope)
    values, problems = fr.parse(items, form, fr.PREFIX[scope], shown)
    if scope == "household":
        record["items"] = {**(record.get("items") or {}), **values}
    else:
        key = "persons" if scope == "person" else "deaths"
        rows = list(record.get(key) or [])
        if number is None or not 1 <= number <= len(rows):
            raise HeadcountError(errors.PERSON_NOT_FOUND, person=str(number))
        rows[number - 1] = {**rows[number - 1], **values}
        record[key] = rows
    record = _without_unasked(record, scope, number)
    if scope == "household":
        deaths = _death_total(record["items"])
        record["deaths"] = (list(record.get("deaths") or []) + [{}] * deaths)[:deaths]
    return record, problems


def _without_unasked(record: dict[str, Any], scope: Scope, number: int | None) -> dict[str, Any]:
    """Drop this page's answers that the rules say are not asked now (an answer made moot by
    another, e.g. D7a after D7 changed): kept, they would be a hard finding the page no longer
    shows a field for. Only answers definitely not asked go (``<item>.not_asked``), repeated
    while a dropped answer routes another one away."""
    for _ in range(4):
        moot = {
            f.item
            for f in fr.scope_findings(findings_of(record), scope, number)
            if f.rule == f"{f.item}.not_asked"
        }
        if not moot:
            break
        if scope == "household":
            kept = {k: v for k, v in (record.get("items") or {}).items() if k not in moot}
            record = {**record, "items": kept}
        elif number is not None:
            key = "persons" if scope == "person" else "deaths"
            rows = list(record.get(key) or [])
            rows[number - 1] = {k: v for k, v in rows[number - 1].items() if k not in moot}
            record = {**record, key: rows}
    return record


def _death_total(items: dict[str, Any]) -> int:
    counts = items.get("deaths")
    if not isinstance(counts, dict):
        return 0
    return max(0, min(99, int(counts.get("male") or 0) + int(counts.get("female") or 0)))


def _after_save(
    page: _Page,
    report: self_report.ReportOut,
    scope: Scope,
    number: int | None,
    problems: dict[str, Any],
    next_url: str,
) -> Response:
    """Next page when this one is clean; else show it again with the messages beside fields.

    A message about one answer (a rule named ``<item>.<check>``) holds the page until it is
    fixed or, if soft, ticked. A consistency message across items is shown once: saving the page
    again unchanged moves on (the review page holds the submission until it is settled).
    """
    seen = {str(v) for v in getattr(page.request.state, "seen_targets", ())}
    findings = [f for f in _page_findings(report.record, scope, number) if f.blocks]
    holding = [f for f in findings if "." in f.rule or f.target not in seen]
    new_items = _unanswered_new(page, report, scope, number)
    if problems or holding or new_items:
        return _scope_page(page, report, scope, number, problems=problems, show_findings=True)
    return _see(next_url)


def _page_findings(record: dict[str, Any], scope: Scope, number: int | None) -> list[Finding]:
    """This page's findings: checks of single answers always; consistency checks across items
    only once everyone on the roster has been answered (before that they would only say
    "not entered yet" in other words)."""
    everything = findings_of(record)
    mine = fr.scope_findings(everything, scope, number)
    roster = record.get("persons") or []
    complete = bool(roster) and not any(f.rule.endswith(".required") for f in everything)
    return [f for f in mine if "." in f.rule or complete]


def _unanswered_new(
    page: _Page, report: self_report.ReportOut, scope: Scope, number: int | None
) -> bool:
    """An answer opened an item (universe or skip) that has no answer yet: ask it now."""
    posted: list[str] | None = getattr(page.request.state, "shown_keys", None)
    keys = _asked_keys(report.record, scope, number) or []
    values = _values(report.record, scope, number)
    return posted is not None and any(k not in posted and values.get(k) is None for k in keys)


def _asked_keys(record: dict[str, Any], scope: Scope, number: int | None) -> list[str] | None:
    asked = fr.asked(record)
    if asked is None:
        return None
    if scope == "household":
        return list(asked["household"])
    rows = asked["persons"] if scope == "person" else asked["deaths"]
    return list(rows[number - 1]) if number is not None and number <= len(rows) else None


def _values(record: dict[str, Any], scope: Scope, number: int | None) -> dict[str, Any]:
    if scope == "household":
        return dict(record.get("items") or {})
    rows = record.get("persons" if scope == "person" else "deaths") or []
    return dict(rows[number - 1]) if number is not None and number <= len(rows) else {}


def _scope_page(
    page: _Page,
    report: self_report.ReportOut,
    scope: Scope,
    number: int | None,
    *,
    problems: dict[str, Any] | None = None,
    show_findings: bool,
) -> Response:
    record = report.record
    findings = _page_findings(record, scope, number) if show_findings else []
    views = live.page_fields(
        page.form,
        scope,
        _values(record, scope, number),
        _asked_keys(record, scope, number),
        page.lang,
        findings=findings,
        problems=problems,
        confirmed=record.get("confirmed", []),
    )
    action = {
        "household": "/self-report/household",
        "person": f"/self-report/persons/{number}",
        "death": f"/self-report/deaths/{number}",
    }[scope]
    return page.show(
        "selfreport/section.html",
        report,
        scope=scope,
        number=number,
        fields=views,
        action=action,
        shown=",".join(live.shown_keys(views)),
        has_problems=any(v.invalid for v in views),
    )


# --- roster ----------------------------------------------------------------------------------


@router.get("/self-report/persons", openapi_extra=_PUBLIC, include_in_schema=False)
def roster_page(page: PageDep) -> Response:
    page.require()
    report = page.load()
    if not report.editable:
        return page.readonly(report)
    return _roster(page, report, problem=None)


def _roster(page: _Page, report: self_report.ReportOut, problem: str | None) -> Response:
    relationship = page.form.item("person", "relationship")
    members = [
        {
            "no": n,
            "name": str(p.get("name") or ""),
            "relationship": (relationship.code_label(p.get("relationship"), page.lang) or "")
            if relationship
            else "",
        }
        for n, p in enumerate(report.record.get("persons") or [], start=1)
    ]
    options = fr.FieldView(relationship, "p", page.lang, None).options if relationship else []
    return page.show(
        "selfreport/roster.html",
        report,
        members=members,
        deaths=len(report.record.get("deaths") or []),
        relationships=options,
        problem=problem,
    )


@router.post("/self-report/persons", openapi_extra=_PUBLIC, include_in_schema=False)
def roster_add(page: PageDep, form: PostedDep) -> Response:
    page.require()
    page.check(form)
    report = page.load()
    values, problems = fr.parse(page.form.person_items, form, "p", ["name", "relationship"])
    if problems or not values.get("name") or values.get("relationship") is None:
        text = translate(page.lang, "selfreport.roster.add_missing")
        return _roster(page, report, problem=text)
    record = dict(report.record)
    record["persons"] = [*(record.get("persons") or []), values]
    page.save(record)
    return _see(f"/self-report/persons/{len(record['persons'])}")


@router.post(
    "/self-report/persons/{person_no}/remove", openapi_extra=_PUBLIC, include_in_schema=False
)
def roster_remove(person_no: int, page: PageDep, form: PostedDep) -> Response:
    page.require()
    page.check(form)
    record = dict(page.load().record)
    persons = list(record.get("persons") or [])
    if not 1 <= person_no <= len(persons):
        raise HeadcountError(errors.PERSON_NOT_FOUND, person=str(person_no))
    del persons[person_no - 1]
    record["persons"] = persons
    # Confirmations name persons by number: after a removal they no longer point at the same one.
    record["confirmed"] = [c for c in record.get("confirmed", []) if "@" not in c]
    page.save(record)
    return _see("/self-report/persons")


def _member_get(page: _Page, scope: Scope, number: int) -> Response:
    page.require()
    report = page.load()
    if not report.editable:
        return page.readonly(report)
    rows = report.record.get("persons" if scope == "person" else "deaths") or []
    if not 1 <= number <= len(rows):
        raise HeadcountError(errors.PERSON_NOT_FOUND, person=str(number))
    return _scope_page(page, report, scope, number, show_findings=False)


def _member_post(page: _Page, form: FormData, scope: Scope, number: int) -> Response:
    page.require()
    page.check(form)
    page.request.state.shown_keys = live.posted_shown(form, "shown")
    page.request.state.seen_targets = form.getlist("seen")
    record, problems = _with_posted(page, page.load().record, form, scope, number)
    targets = [str(t) for t in form.getlist("soft_target")]
    record["confirmed"] = _confirmed_after(record, form, targets)
    report = page.save(record)
    return _after_save(page, report, scope, number, problems, _next_after(record, scope, number))


def _next_after(record: dict[str, Any], scope: Scope, number: int) -> str:
    persons = len(record.get("persons") or [])
    deaths = len(record.get("deaths") or [])
    if scope == "person" and number < persons:
        return f"/self-report/persons/{number + 1}"
    if scope == "person" and deaths:
        return "/self-report/deaths/1"
    if scope == "death" and number < deaths:
        return f"/self-report/deaths/{number + 1}"
    return "/self-report/review"


@router.get("/self-report/persons/{person_no}", openapi_extra=_PUBLIC, include_in_schema=False)
def person_page(person_no: int, page: PageDep) -> Response:
    return _member_get(page, "person", person_no)


@router.post("/self-report/persons/{person_no}", openapi_extra=_PUBLIC, include_in_schema=False)
def person_save(person_no: int, page: PageDep, form: PostedDep) -> Response:
    return _member_post(page, form, "person", person_no)


@router.get("/self-report/deaths/{death_no}", openapi_extra=_PUBLIC, include_in_schema=False)
def death_page(death_no: int, page: PageDep) -> Response:
    return _member_get(page, "death", death_no)


@router.post("/self-report/deaths/{death_no}", openapi_extra=_PUBLIC, include_in_schema=False)
def death_save(death_no: int, page: PageDep, form: PostedDep) -> Response:
    return _member_post(page, form, "death", death_no)


# --- live show/hide (static/forms.js) ---------------------------------------------------------


def _live(page: _Page, form: FormData, scope: Scope, number: int | None) -> Response:
    """The items this page asks once its posted answers are taken (nothing saved): the same
    record a save would keep, the same helper the page draws with. No audit event: the household
    reads its own draft in its own session, as every page does."""
    page.require()
    page.check(form)
    report = page.load()
    if not report.editable:
        raise HeadcountError(errors.SELF_REPORT_CLOSED)
    record, _ = _with_posted(page, report.record, form, scope, number)
    found = live.section(
        page.form,
        scope,
        fr.PREFIX[scope],
        _values(record, scope, number),
        _asked_keys(record, scope, number),
        live.posted_shown(form, "shown"),
        page.lang,
    )
    return JSONResponse(live.answer([found], page.lang))


@router.post(
    "/self-report/household/live",
    openapi_extra=_PUBLIC,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def household_live(page: PageDep, form: LiveDep) -> Response:
    return _live(page, form, "household", None)


@router.post(
    "/self-report/persons/{person_no}/live",
    openapi_extra=_PUBLIC,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def person_live(person_no: int, page: PageDep, form: LiveDep) -> Response:
    return _live(page, form, "person", person_no)


@router.post(
    "/self-report/deaths/{death_no}/live",
    openapi_extra=_PUBLIC,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def death_live(death_no: int, page: PageDep, form: LiveDep) -> Response:
    return _live(page, form, "death", death_no)


# --- review and submit -----------------------------------------------------------------------


def _sections(page: _Page, report: self_report.ReportOut) -> list[dict[str, Any]]:
    """Every section's answers in words, ID numbers masked (review and read-only pages)."""
    record = report.record
    asked = fr.asked(record)
    out: list[dict[str, Any]] = []

    def section(title: str, url: str, scope: Scope, n: int | None) -> None:
        keys = _asked_keys(record, scope, n) if asked is not None else None
        views = fr.fields(page.form, scope, _values(record, scope, n), keys, page.lang)
        for view in views:
            if view.item.type == "id18" and view.value:
                view.value = mask(str(view.value), "citizen_id")
        out.append({"title": title, "url": url, "fields": views})

    section(
        translate(page.lang, "selfreport.household.title"),
        "/self-report/household",
        "household",
        None,
    )
    for n, _ in enumerate(record.get("persons") or [], start=1):
        section(
            translate(page.lang, "selfreport.person.title", n=n),
            f"/self-report/persons/{n}",
            "person",
            n,
        )
    for n, _ in enumerate(record.get("deaths") or [], start=1):
        section(
            translate(page.lang, "selfreport.death.title", n=n),
            f"/self-report/deaths/{n}",
            "death",
            n,
        )
    return out


def _finding_links(findings: list[Finding], lang: str) -> list[dict[str, Any]]:
    links = []
    for f in findings:
        if f.death_no is not None:
            url = f"/self-report/deaths/{f.death_no}"
        elif f.person_no is not None:
            url = f"/self-report/persons/{f.person_no}"
        else:
            url = "/self-report/household"
        links.append(
            {
                "url": url,
                "target": f.target,
                "soft": f.severity == "soft",
                "confirmed": f.confirmed,
                "message": f.message.zh if lang == "zh" else f.message.en,
            }
        )
    return links


@router.get("/self-report/review", openapi_extra=_PUBLIC, include_in_schema=False)
def review_page(page: PageDep) -> Response:
    page.require()
    report = page.load()
    if not report.editable:
        return page.readonly(report)
    return _review(page, report, problem=None)


def _review(page: _Page, report: self_report.ReportOut, problem: str | None) -> Response:
    findings = [
        f for f in findings_of(report.record) if f.severity == "hard" or f.blocks or f.confirmed
    ]
    return page.show(
        "selfreport/review.html",
        report,
        sections=_sections(page, report),
        findings=_finding_links(findings, page.lang),
        blocking=any(f.blocks for f in findings),
        problem=problem,
    )


@router.post("/self-report/review", openapi_extra=_PUBLIC, include_in_schema=False)
def review_submit(page: PageDep, form: PostedDep) -> Response:
    page.require()
    page.check(form)
    assert page.household is not None
    report = page.load()
    targets = [str(t) for t in form.getlist("soft_target")]
    confirmed = _confirmed_after(report.record, form, targets)
    try:
        self_report.submit(
            page.session,
            page.protector,
            page.household,
            declarant=str(form.get("declarant", "")),
            pledge=form.get("pledge") == "yes",
            confirmed=confirmed,
            clock=page.clock,
            calendar=page.calendar,
        )
    except HeadcountError as exc:
        if exc.problem not in (errors.SELF_REPORT_FINDINGS, errors.SELF_REPORT_PLEDGE_REQUIRED):
            raise
        record = dict(report.record, confirmed=confirmed)
        report = page.save(record)
        report.declarant = str(form.get("declarant", ""))[:50]
        response = _review(page, report, problem=exc.message(page.lang))
        response.status_code = exc.problem.status
        return response
    return _see("/self-report/submitted")


@router.get("/self-report/submitted", openapi_extra=_PUBLIC, include_in_schema=False)
def submitted_page(page: PageDep) -> Response:
    page.require()
    report = page.load()
    return page.show("selfreport/submitted.html", report)
