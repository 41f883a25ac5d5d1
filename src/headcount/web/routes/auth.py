"""Staff sign-in API: login, logout, password change, second factor, pledge, and who am I.

Browsers get the session as a cookie (HttpOnly, SameSite=Strict, Secure in production); tablets
and scripts ask for ``client="device"`` and receive the token in the body, to send back as
``Authorization: Bearer``. Tokens never appear in a URL (A7).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, Response
from pydantic import BaseModel, Field
from starlette.requests import Request

from headcount.auth.roles import Role
from headcount.fieldwork.staff import masked_name
from headcount.store.queries import access as access_queries
from headcount.store.queries import staff as staff_queries
from headcount.web import accounts
from headcount.web.accounts import PLEDGE_TEXT
from headcount.web.deps import (
    AccountDep,
    KeysDep,
    ReadSessionDep,
    SettingsDep,
)
from headcount.web.ratelimit import limit
from headcount.web.security import SecuredRouter, access
from headcount.web.sessions import TOTP_ROLES, clear_cookie, set_cookie, signed_in

router = SecuredRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, examples=["county.110101"])
    password: str = Field(min_length=1, max_length=1024)
    totp_code: str | None = Field(default=None, max_length=12, examples=["123456"])
    client: Literal["browser", "device"] = "browser"


class SessionOut(BaseModel):
    staff_id: str
    expires_at: datetime
    must_change_password: bool
    totp_enrolment_required: bool
    token: str | None = Field(default=None, description="only for client=device")


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)
    client: Literal["browser", "device"] = "browser"


class TotpConfirmIn(BaseModel):
    code: str = Field(min_length=6, max_length=12, examples=["123456"])


class PledgeIn(BaseModel):
    version: str = Field(min_length=1, max_length=32, examples=["2020-1"])
    accept: Literal[True]


class PledgeOut(BaseModel):
    version: str
    text: dict[str, str]
    accepted_at: datetime | None
    token: str | None = Field(default=None, description="the rotated token, bearer clients only")


class Me(BaseModel):
    staff_id: str
    username: str
    name_masked: str | None
    role: Role
    areas: list[str]
    permissions: list[str]
    badge_no: str | None
    pledge_version: str
    pledge_accepted: bool
    must_change_password: bool
    totp_enrolled: bool
    totp_required: bool
    session_expires_at: datetime


def _client_of(request: Request) -> str:
    """Bearer clients get a rotated token in the body; browsers only in the cookie."""
    bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    return "device" if bearer else "browser"


def _respond(
    opened: accounts.Opened, response: Response, request: Request, client: str
) -> SessionOut:
    settings = request.app.state.settings
    set_cookie(response, opened.token, settings)
    return SessionOut(
        staff_id=opened.staff_id,
        expires_at=opened.expires_at,
        must_change_password=opened.must_change_password,
        totp_enrolment_required=opened.totp_enrolment_required,
        token=opened.token if client == "device" else None,
    )


@router.post(
    "/login",
    response_model=SessionOut,
    openapi_extra=access("public"),
    dependencies=[Depends(limit("login", per_minute=60, burst=30))],
)
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    ctx: AccountDep,
    protector: KeysDep,
) -> Any:
    opened = accounts.login(
        ctx.engine,
        protector,
        ctx.settings,
        ctx.who,
        ctx.clock.now(),
        username=body.username,
        password=body.password,
        totp_code=body.totp_code,
    )
    return _respond(opened, response, request, body.client)


@router.post("/logout", status_code=204, openapi_extra=access("authenticated"))
def logout(
    request: Request,
    ctx: AccountDep,
) -> Response:
    accounts.logout(ctx.engine, ctx.who, signed_in(request), ctx.clock.now())
    response = Response(status_code=204)
    clear_cookie(response, ctx.settings)
    return response


@router.post(
    "/password",
    response_model=SessionOut,
    openapi_extra=access("authenticated"),
    dependencies=[Depends(limit("password", per_minute=10))],
)
def change_password(
    body: PasswordIn,
    request: Request,
    response: Response,
    ctx: AccountDep,
) -> Any:
    opened = accounts.change_password(
        ctx.engine,
        ctx.settings,
        ctx.who,
        signed_in(request),
        ctx.clock.now(),
        current=body.current_password,
        new=body.new_password,
    )
    return _respond(opened, response, request, body.client)


@router.post(
    "/totp/enrol", response_model=accounts.Enrolment, openapi_extra=access("authenticated")
)
def enrol_totp(
    request: Request,
    ctx: AccountDep,
    protector: KeysDep,
) -> Any:
    return accounts.enrol_totp(ctx.engine, protector, ctx.settings, ctx.who, signed_in(request))


@router.post(
    "/totp/confirm",
    response_model=SessionOut,
    openapi_extra=access("authenticated"),
    dependencies=[Depends(limit("totp", per_minute=10))],
)
def confirm_totp(
    body: TotpConfirmIn,
    request: Request,
    response: Response,
    ctx: AccountDep,
    protector: KeysDep,
) -> Any:
    opened = accounts.confirm_totp(
        ctx.engine, protector, ctx.settings, ctx.who, signed_in(request), ctx.clock.now(), body.code
    )
    return _respond(opened, response, request, _client_of(request))


@router.get("/pledge", response_model=PledgeOut, openapi_extra=access("authenticated"))
def pledge(request: Request, session: ReadSessionDep, settings: SettingsDep) -> Any:
    staff_id = uuid.UUID(signed_in(request).actor.staff_id)
    accepted = access_queries.pledge_accepted(session, staff_id, settings.pledge_version)
    return PledgeOut(version=settings.pledge_version, text=PLEDGE_TEXT, accepted_at=accepted)


@router.post("/pledge", response_model=PledgeOut, openapi_extra=access("authenticated"))
def accept_pledge(
    body: PledgeIn,
    request: Request,
    response: Response,
    ctx: AccountDep,
) -> Any:
    at, opened = accounts.accept_pledge(
        ctx.engine, ctx.settings, ctx.who, signed_in(request), ctx.clock.now(), body.version
    )
    session = _respond(opened, response, request, _client_of(request)) if opened else None
    return PledgeOut(
        version=ctx.settings.pledge_version,
        text=PLEDGE_TEXT,
        accepted_at=at,
        token=session.token if session else None,
    )


@router.get("/me", response_model=Me, openapi_extra=access("authenticated"))
def me(request: Request, session: ReadSessionDep, protector: KeysDep, settings: SettingsDep) -> Any:
    signed = signed_in(request)
    actor = signed.actor
    staff = staff_queries.by_id(session, uuid.UUID(actor.staff_id))
    security = access_queries.security_of(session, uuid.UUID(actor.staff_id))
    return Me(
        staff_id=actor.staff_id,
        username=signed.username,
        name_masked=masked_name(protector, staff) if staff else None,
        role=actor.role,
        areas=list(actor.areas),
        permissions=sorted(p.value for p in actor.permissions()),
        badge_no=security.badge_no if security else None,
        pledge_version=settings.pledge_version,
        pledge_accepted=actor.pledge_accepted,
        must_change_password=signed.must_change_password,
        totp_enrolled=signed.totp_enrolled,
        totp_required=actor.role in TOTP_ROLES,
        session_expires_at=signed.expires_at,
    )
