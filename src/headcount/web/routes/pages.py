"""Staff sign-in pages over the account services (what every page shares is in ``web.pagekit``).

Forms post back to the page that showed them. Each carries a CSRF token derived from a secret the
browser holds only as an HttpOnly cookie (the session token once signed in, a random pre-session
value before), so another site can neither read nor forge it; SameSite=Strict cookies are the
first line, the token the second. Sign-in, password and pledge pages are declared public because
they must answer while a password change is owed (the session gate would refuse them); each checks
the session itself.

A page asked for without a session is sent here with ``next=`` (web/problems.py); the sign-in,
the one-time-password change, the second-factor set-up and the pledge carry it along as a hidden
field and end there instead of at /staff. Only a local path is followed (``local_path``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from headcount import errors
from headcount.errors import HeadcountError
from headcount.web import accounts
from headcount.web.accounts import PLEDGE_TEXT
from headcount.web.csrf import check as csrf_check
from headcount.web.deps import AccountDep, KeysDep, SettingsDep
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import problem_text, render, see_other
from headcount.web.ratelimit import limit
from headcount.web.security import SecuredRouter, access, local_path
from headcount.web.sessions import SessionResolver, SignedIn, clear_cookie, set_cookie

router = SecuredRouter(include_in_schema=False)


def signed_in_or_none(request: Request) -> SignedIn | None:
    """The session without the password/second-factor gate (for the sign-in flow pages)."""
    resolver = getattr(request.app.state, "actor_resolver", None)
    if not isinstance(resolver, SessionResolver):
        return None
    try:
        return resolver.signed_in(request)
    except HeadcountError:
        return None


def _with_next(path: str, target: str | None) -> str:
    return f"{path}?{urlencode({'next': target})}" if target else path


def _next_step(settings_optional: bool, opened: accounts.Opened, target: str | None = None) -> str:
    """The next step of signing in: the password change, the second factor, then the page asked
    for (through the pledge page, which goes straight on once the pledge is signed), or /staff."""
    if opened.must_change_password:
        return _with_next("/password", target)
    if opened.totp_enrolment_required and not settings_optional:
        return _with_next("/totp", target)
    return _with_next("/pledge", target) if target else "/staff"


def _target(value: str | None) -> str | None:
    """A ``next`` worth following: a local path that is not one of the sign-in steps."""
    found = local_path(value)
    steps = ("/sign-in", "/sign-out", "/password", "/totp", "/pledge")
    return None if found is None or found.split("?")[0] in steps else found


Csrf = Annotated[str, Form(max_length=64)]
Next = Annotated[str, Form(max_length=1024)]


@router.get("/sign-in", response_class=HTMLResponse, openapi_extra=access("public"))
def sign_in_page(request: Request) -> Response:
    target = _target(request.query_params.get("next"))
    context = {"username": "", "error": None, "field": None, "next": target}
    return render(request, "staff/sign_in.html", context)


@router.post(
    "/sign-in",
    response_class=HTMLResponse,
    openapi_extra=access("public"),
    dependencies=[Depends(limit("login", per_minute=60, burst=30))],
)
def sign_in(
    request: Request,
    ctx: AccountDep,
    protector: KeysDep,
    csrf: Csrf,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    totp_code: Annotated[str, Form(max_length=12)] = "",
    next: Next = "",
) -> Response:
    csrf_check(request, csrf)
    target = _target(next)
    if not username.strip() or not password:
        field = "username" if not username.strip() else "password"
        text = translate(negotiate(request), f"site.sign_in.missing_{field}")
        missing = {"username": username, "error": text, "field": field, "next": target}
        return render(request, "staff/sign_in.html", missing, status=422)
    try:
        opened = accounts.login(
            ctx.engine,
            protector,
            ctx.settings,
            ctx.who,
            ctx.clock.now(),
            username=username,
            password=password,
            totp_code=totp_code or None,
        )
    except HeadcountError as error:
        wants_code = error.problem in (errors.TOTP_REQUIRED, errors.TOTP_INVALID)
        context: dict[str, Any] = {
            "username": username,
            "error": problem_text(request, error),
            "field": "totp_code" if wants_code else "password",
            "next": target,
        }
        failed = render(request, "staff/sign_in.html", context, status=error.problem.status)
        if "retry_after" in error.details:
            failed.headers["Retry-After"] = str(error.details["retry_after"])
        return failed
    response = see_other(_next_step(ctx.settings.demo_second_factor_optional, opened, target))
    set_cookie(response, opened.token, ctx.settings)
    return response


@router.post("/sign-out", openapi_extra=access("public"))
def sign_out(
    request: Request,
    ctx: AccountDep,
    csrf: Csrf,
) -> Response:
    csrf_check(request, csrf)
    signed = signed_in_or_none(request)
    if signed is not None:
        accounts.logout(ctx.engine, ctx.who, signed, ctx.clock.now())
    response = see_other("/sign-in?signed_out=1")
    clear_cookie(response, ctx.settings)
    return response


@router.get("/password", response_class=HTMLResponse, openapi_extra=access("public"))
def password_page(request: Request) -> Response:
    target = _target(request.query_params.get("next"))
    if signed_in_or_none(request) is None:
        return see_other(_with_next("/sign-in", target))
    context = {"error": None, "field": None, "next": target}
    return render(request, "staff/password.html", context)


@router.post(
    "/password",
    response_class=HTMLResponse,
    openapi_extra=access("public"),
    dependencies=[Depends(limit("password", per_minute=10))],
)
def change_password(
    request: Request,
    ctx: AccountDep,
    csrf: Csrf,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
    next: Next = "",
) -> Response:
    csrf_check(request, csrf)
    target = _target(next)
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    lang = negotiate(request)
    if new_password != repeat_password:
        context = {
            "error": translate(lang, "site.password.mismatch"),
            "field": "repeat_password",
            "next": target,
        }
        return render(request, "staff/password.html", context, status=422)
    try:
        opened = accounts.change_password(
            ctx.engine,
            ctx.settings,
            ctx.who,
            signed,
            ctx.clock.now(),
            current=current_password,
            new=new_password,
        )
    except HeadcountError as error:
        field = "current_password" if error.problem is errors.CURRENT_PASSWORD_WRONG else None
        context = {
            "error": problem_text(request, error),
            "field": field or "new_password",
            "next": target,
        }
        return render(request, "staff/password.html", context, status=error.problem.status)
    response = see_other(_next_step(ctx.settings.demo_second_factor_optional, opened, target))
    set_cookie(response, opened.token, ctx.settings)
    return response


@router.get("/pledge", response_class=HTMLResponse, openapi_extra=access("public"))
def pledge_page(request: Request, settings: SettingsDep) -> Response:
    target = _target(request.query_params.get("next"))
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    if target and signed.actor.pledge_accepted:
        return see_other(target)  # the last step of a sign-in that was sent on with next=
    context = {
        "text": PLEDGE_TEXT[negotiate(request)],
        "version": settings.pledge_version,
        "accepted": signed.actor.pledge_accepted,
        "next": target,
    }
    return render(request, "staff/pledge.html", context)


@router.post("/pledge", openapi_extra=access("public"))
def accept_pledge(
    request: Request,
    ctx: AccountDep,
    csrf: Csrf,
    version: Annotated[str, Form(max_length=32)] = "",
    accept: Annotated[str, Form(max_length=8)] = "",
    next: Next = "",
) -> Response:
    csrf_check(request, csrf)
    target = _target(next)
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    if accept != "yes":
        return see_other(_with_next("/pledge", target))
    _, opened = accounts.accept_pledge(
        ctx.engine, ctx.settings, ctx.who, signed, ctx.clock.now(), version
    )
    response = see_other(target or "/staff")
    if opened is not None:  # the session was rotated: personal data opened to this account
        set_cookie(response, opened.token, ctx.settings)
    return response


@router.get("/totp", response_class=HTMLResponse, openapi_extra=access("public"))
def totp_page(request: Request) -> Response:
    """Second-factor set-up: start (a fresh seed is made only on POST), then confirm a code."""
    target = _target(request.query_params.get("next"))
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    context = {"enrolment": None, "enrolled": signed.totp_enrolled, "error": None, "next": target}
    return render(request, "staff/totp.html", context)


@router.post("/totp/start", response_class=HTMLResponse, openapi_extra=access("public"))
def totp_start(
    request: Request,
    ctx: AccountDep,
    protector: KeysDep,
    csrf: Csrf,
    next: Next = "",
) -> Response:
    csrf_check(request, csrf)
    target = _target(next)
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    enrolment = accounts.enrol_totp(ctx.engine, protector, ctx.settings, ctx.who, signed)
    context = {"enrolment": enrolment, "enrolled": False, "error": None, "next": target}
    return render(request, "staff/totp.html", context)


@router.post(
    "/totp",
    response_class=HTMLResponse,
    openapi_extra=access("public"),
    dependencies=[Depends(limit("totp", per_minute=10))],
)
def totp_confirm(
    request: Request,
    ctx: AccountDep,
    protector: KeysDep,
    csrf: Csrf,
    code: Annotated[str, Form(max_length=12)] = "",
    next: Next = "",
) -> Response:
    csrf_check(request, csrf)
    target = _target(next)
    signed = signed_in_or_none(request)
    if signed is None:
        return see_other(_with_next("/sign-in", target))
    try:
        opened = accounts.confirm_totp(
            ctx.engine, protector, ctx.settings, ctx.who, signed, ctx.clock.now(), code.strip()
        )
    except HeadcountError as error:
        context = {
            "enrolment": None,
            "enrolled": False,
            "error": problem_text(request, error),
            "next": target,
        }
        return render(request, "staff/totp.html", context, status=error.problem.status)
    response = see_other(_with_next("/pledge", target) if target else "/staff")
    set_cookie(response, opened.token, ctx.settings)
    return response
