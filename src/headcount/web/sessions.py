"""Server-side staff sessions and the actor resolver the app installs (checklist A4, A6, Z6).

A token is 256 random bits from ``secrets``; the database keeps only its SHA-256, so a copy of the
database opens no session. Every request looks the session up again, with the account's current
role, grants and pledge: disabling an account or changing its areas takes effect on the next
request, and nothing about authorisation is cached in the token or the process.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from headcount import errors
from headcount.auth.passwords import PROFILES
from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import Clock
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store.models_access import StaffSession
from headcount.store.queries import access as access_queries
from headcount.store.session import read_transaction, transaction

COOKIE = "headcount_session"
TOUCH_AFTER = timedelta(seconds=60)  # last-seen is written at most once a minute per session
# Roles that must enrol a second factor before anything else (the task's office/audit/admin set).
TOTP_ROLES = frozenset(
    {
        Role.national_office,
        Role.provincial_office,
        Role.prefecture_office,
        Role.county_office,
        Role.auditor,
        Role.system_admin,
    }
)
# What a signed-in account may still call while it owes a password change or a second factor.
_ALWAYS = frozenset({"/api/auth/me", "/api/auth/logout"})
_PASSWORD_PATHS = _ALWAYS | {"/api/auth/password"}
_ENROL_PATHS = _PASSWORD_PATHS | {"/api/auth/totp/enrol", "/api/auth/totp/confirm"}
_PERMISSIONS = frozenset(p.value for p in Permission)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def token_from(request: Request) -> str | None:
    """``Authorization: Bearer`` (tablets, scripts) first, then the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else request.cookies.get(COOKIE, "")
    if not token or len(token) > 128 or not token.isascii():
        return None
    return token


@dataclass(frozen=True, slots=True)
class SignedIn:
    """What the resolver learnt about this request's session (kept on request.state)."""

    actor: Actor
    session_id: uuid.UUID
    username: str
    must_change_password: bool
    totp_enrolled: bool
    expires_at: datetime


class PasswordDates(Protocol):
    password_changed_at: datetime | None
    created_at: datetime


def password_expired(staff: PasswordDates, settings: Settings, now: datetime) -> bool:
    max_age = PROFILES[settings.password_profile].max_age_days
    changed = staff.password_changed_at or staff.created_at
    return max_age is not None and now - changed > timedelta(days=max_age)


def actor_for(
    session: Session,
    staff_id: uuid.UUID,
    role: str,
    settings: Settings,
    *,
    pledged: bool | None = None,
) -> Actor:
    """The account's current role, areas, extra permissions and pledge, read fresh."""
    areas: list[str] = []
    extra: set[Permission] = set()
    for kind, value in access_queries.grant_pairs(session, staff_id):
        if kind == access_queries.AREA:
            areas.append(value)
        elif kind == access_queries.PERMISSION and value in _PERMISSIONS:
            extra.add(Permission(value))
    if pledged is None:
        pledged = (
            access_queries.pledge_accepted(session, staff_id, settings.pledge_version) is not None
        )
    return Actor(
        staff_id=str(staff_id),
        role=Role(role),
        areas=tuple(sorted(areas)),
        extra=frozenset(extra),
        pledge_accepted=pledged,
    )


def open_session(
    session: Session,
    staff_id: uuid.UUID,
    *,
    settings: Settings,
    now: datetime,
    ip: str,
    expires_at: datetime | None = None,
) -> tuple[str, StaffSession]:
    token = new_token()
    row = StaffSession(
        id=uuid.uuid4(),
        token_hash=token_hash(token),
        staff_id=staff_id,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at or now + timedelta(hours=settings.session_absolute_hours),
        ip=ip[:64],
    )
    access_queries.add_session(session, row)
    return token, row


def rotate(
    session: Session, signed: SignedIn, *, settings: Settings, now: datetime, ip: str
) -> tuple[str, StaffSession]:
    """A new token for the same sign-in after a privilege change (no fixation, A6); the
    absolute deadline stays that of the original sign-in."""
    access_queries.end_session(session, signed.session_id, now, "rotated")
    return open_session(
        session,
        uuid.UUID(signed.actor.staff_id),
        settings=settings,
        now=now,
        ip=ip,
        expires_at=signed.expires_at,
    )


def set_cookie(response: Response, token: str, settings: Settings) -> None:
    """The browser may keep the cookie as long as a session can live; the server decides when
    the session actually ends (idle, absolute, logout, revocation)."""
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=settings.mode == "production",
        samesite="strict",
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, secure=settings.mode == "production", samesite="strict"
    )


class SessionResolver:
    """``app.state.actor_resolver``: Request → Actor | None, backed by ``staff_sessions``."""

    def __init__(self, engine: Callable[[], Engine | None], settings: Settings, clock: Clock):
        self._engine = engine
        self._settings = settings
        self._clock = clock

    def signed_in(self, request: Request) -> SignedIn | None:
        cached: SignedIn | None = getattr(request.state, "signed_in", None)
        if cached is not None:
            return cached
        token = token_from(request)
        engine = self._engine()
        if token is None or engine is None:
            return None
        now = self._clock.now()
        idle = timedelta(minutes=self._settings.session_idle_minutes)
        with read_transaction(engine) as session:
            found = access_queries.session_state(
                session, token_hash(token), self._settings.pledge_version
            )
            if found is None:
                return None
            row = found
            ended = row.ended_at is not None
            reason = (
                "disabled"
                if row.disabled
                else "absolute"
                if now >= row.expires_at
                else "idle"
                if now - row.last_seen_at >= idle
                else None
            )
            result = None
            if not ended and reason is None:
                result = SignedIn(
                    actor=actor_for(
                        session, row.staff_id, row.role, self._settings, pledged=bool(row.pledged)
                    ),
                    session_id=row.id,
                    username=row.username,
                    must_change_password=bool(row.must_change_password)
                    or password_expired(row, self._settings, now),
                    totp_enrolled=bool(row.totp_enrolled),
                    expires_at=row.expires_at,
                )
            stale = now - row.last_seen_at >= TOUCH_AFTER
        if ended:
            raise HeadcountError(errors.SESSION_EXPIRED)
        if reason is not None:
            with transaction(engine) as session:
                access_queries.end_session(session, row.id, now, reason)
            raise HeadcountError(errors.SESSION_EXPIRED)
        if stale:
            with transaction(engine) as session:
                access_queries.touch_session(session, row.id, now)
        request.state.signed_in = result
        return result

    def __call__(self, request: Request) -> Actor | None:
        signed = self.signed_in(request)
        if signed is None:
            return None
        path = request.url.path
        if signed.must_change_password and path not in _PASSWORD_PATHS:
            raise HeadcountError(errors.PASSWORD_CHANGE_REQUIRED)
        owes_totp = signed.actor.role in TOTP_ROLES and not signed.totp_enrolled
        owes_totp = owes_totp and not self._settings.demo_second_factor_optional  # demo only
        if owes_totp and path not in _ENROL_PATHS:
            raise HeadcountError(errors.TOTP_ENROLMENT_REQUIRED)
        return signed.actor


def signed_in(request: Request) -> SignedIn:
    """The current session (routes declared "authenticated" or stricter only)."""
    resolver = getattr(request.app.state, "actor_resolver", None)
    found = resolver.signed_in(request) if isinstance(resolver, SessionResolver) else None
    if found is None:
        raise HeadcountError(errors.UNAUTHENTICATED)
    return found
