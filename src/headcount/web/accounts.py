"""Sign-in, sign-out, password change, second factor and pledge: the staff account services.

These services own their transactions (they take the engine, not a request session) because a
refusal must still be recorded: a failed sign-in counts towards the lockout and is audited even
though the client receives an error, so the failure commits first and the error is raised after.
Nothing here logs or audits a password, a token or a code; an account that was only tried is named
in the audit log by a truncated digest of the name, never by the name typed.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth import totp
from headcount.auth.lockout import FailureState, LockoutPolicy, record_failure
from headcount.auth.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy.scopes import scope_of
from headcount.store.models_access import LoginFailure, PledgeAcceptance
from headcount.store.protector import Protector
from headcount.store.queries import access as access_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import read_transaction, transaction
from headcount.web.sessions import TOTP_ROLES, SignedIn, open_session, rotate

POLICY = LockoutPolicy()
ISSUER = "Headcount"

# The confidentiality pledge (保密承诺书) staff sign before any personal data; its version is a
# setting (``pledge_version``).
PLEDGE_TEXT = {
    "zh": "本人承诺：对在人口普查工作中知悉的个人信息严格保密，不向任何单位和个人提供，"
    "不用于普查以外的目的；离岗后继续履行保密义务。",
    "en": "I undertake to keep confidential all personal information I learn in census work, "
    "to give it to no organisation or person, to use it for no purpose other than the census, "
    "and to remain bound by this after leaving the post.",
}


def account_key(username: str) -> str:
    """The lockout key of a typed account name (existing or not): SHA-256 of its normal form."""
    normal = unicodedata.normalize("NFKC", username).strip().lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def staff_scope(settings: Settings) -> str:
    """Key scope of staff secrets (second-factor seeds), apart from every county's data."""
    return scope_of(settings.census_wave, "staff")


@dataclass(frozen=True, slots=True)
class Opened:
    token: str
    expires_at: datetime
    staff_id: str
    must_change_password: bool
    totp_enrolment_required: bool


class Enrolment(BaseModel):
    """Shown once, to the account holder only: the seed as text, URI and QR code."""

    secret: str
    provisioning_uri: str
    qr_svg: str


def _state(row: LoginFailure | None) -> FailureState:
    if row is None:
        return FailureState()
    return FailureState(row.failures, row.first_failure_at, row.locked_until)


def _fail(
    engine: Engine,
    who: AuditActor,
    key: str,
    now: datetime,
    problem: errors.Problem,
    reason: str,
) -> HeadcountError:
    """Count one failure, audit it (and a lockout it causes); the error to raise afterwards."""
    with transaction(engine) as session:
        row = access_queries.failure_row_locked(session, key)
        state = record_failure(_state(row), now, POLICY)
        row.failures = state.failures
        row.first_failure_at = state.first_failure_at
        row.locked_until = state.locked_until
        target = f"account:{key[:16]}"
        append(
            session,
            who,
            AuditEvent("auth.login", target, outcome="failure", detail={"reason": reason}),
        )
        if state.locked(now):
            append(session, who, AuditEvent("auth.lockout", target, outcome="locked"))
    if state.locked(now):
        return HeadcountError(errors.LOGIN_LOCKED, retry_after=state.retry_after(now))
    return HeadcountError(problem)


def login(
    engine: Engine,
    protector: Protector,
    settings: Settings,
    who: AuditActor,
    now: datetime,
    *,
    username: str,
    password: str,
    totp_code: str | None,
) -> Opened:
    key = account_key(username)
    with read_transaction(engine) as session:
        state = _state(access_queries.failure_of(session, key))
        staff = None
        if not state.locked(now):
            staff = staff_queries.by_username(session, username.strip().lower()[:64])
    if state.locked(now):
        with transaction(engine) as session:
            append(
                session,
                who,
                AuditEvent("auth.login", f"account:{key[:16]}", outcome="locked"),
            )
        raise HeadcountError(errors.LOGIN_LOCKED, retry_after=state.retry_after(now))
    # argon2id outside any transaction: inside SQLite's write lock, failed sign-ins stalled every
    # writer. The same work whether or not the account exists (A3).
    verified = verify_password(staff.password_hash if staff else dummy_hash(), password)
    usable = staff is not None and verified and not staff.disabled
    if not usable or staff is None:
        raise _fail(engine, who, key, now, errors.LOGIN_FAILED, "password")
    rehashed = hash_password(password) if needs_rehash(staff.password_hash) else None
    with transaction(engine) as session, protector.bound(session):
        security = access_queries.security_of(session, staff.id, for_update=True)
        enrolled = security is not None and security.totp_confirmed_at is not None
        problem: HeadcountError | None = None
        if enrolled and security is not None:
            if not totp_code:
                problem = HeadcountError(errors.TOTP_REQUIRED)
            else:
                seed = protector.decrypt(
                    security.totp_secret_enc or b"",
                    table="staff_security",
                    column="totp_secret_enc",
                    row_id=str(staff.id),
                )
                step = totp.verify(seed, totp_code, now, last_step=security.totp_last_step)
                if step is None:
                    problem = _TOTP_FAILED
                else:
                    security.totp_last_step = step
        if problem is None:
            access_queries.clear_failures(session, key)
            row = staff_queries.by_id(session, staff.id)
            if row is not None and rehashed is not None:
                row.password_hash = rehashed
            token, opened = open_session(session, staff.id, settings=settings, now=now, ip=who.ip)
            append(
                session,
                AuditActor(str(staff.id), staff.role, request_id=who.request_id, ip=who.ip),
                AuditEvent("auth.login", str(staff.id), detail={"session": str(opened.id)}),
            )
    if problem is _TOTP_FAILED:
        raise _fail(engine, who, key, now, errors.TOTP_INVALID, "totp")
    if problem is not None:
        raise problem
    return Opened(
        token=token,
        expires_at=opened.expires_at,
        staff_id=str(staff.id),
        must_change_password=staff.must_change_password,
        totp_enrolment_required=staff.role in {r.value for r in TOTP_ROLES} and not enrolled,
    )


_TOTP_FAILED = HeadcountError(errors.TOTP_INVALID)


def logout(engine: Engine, who: AuditActor, signed: SignedIn, now: datetime) -> None:
    with transaction(engine) as session:
        access_queries.end_session(session, signed.session_id, now, "logout")
        append(session, who, AuditEvent("auth.logout", signed.actor.staff_id))


def change_password(
    engine: Engine,
    settings: Settings,
    who: AuditActor,
    signed: SignedIn,
    now: datetime,
    *,
    current: str,
    new: str,
) -> Opened:
    """Check the current password, apply the profile, rotate the session, end all others."""
    staff_id = uuid.UUID(signed.actor.staff_id)
    with read_transaction(engine) as session:
        staff = staff_queries.by_id(session, staff_id)
    # Password hashing and checks run outside transactions (no write lock held for argon2id).
    ok = staff is not None and verify_password(staff.password_hash, current)
    if not ok or staff is None:
        with transaction(engine) as session:
            append(
                session,
                who,
                AuditEvent("auth.password_change", str(staff_id), outcome="failure"),
            )
        raise HeadcountError(errors.CURRENT_PASSWORD_WRONG)
    violations: list[str] = list(
        check_password(new, settings.password_profile, account=staff.username)
    )
    if verify_password(staff.password_hash, new):
        violations.append("unchanged")
    if violations:
        raise HeadcountError(errors.PASSWORD_REJECTED, violations=", ".join(violations))
    new_hash = hash_password(new)
    with transaction(engine) as session:
        staff = staff_queries.by_id(session, staff_id)
        assert staff is not None
        staff.password_hash = new_hash
        staff.must_change_password = False
        staff.password_changed_at = now
        ended = access_queries.end_sessions_of(session, staff_id, now, "password_change")
        token, opened = open_session(session, staff.id, settings=settings, now=now, ip=who.ip)
        append(
            session,
            who,
            AuditEvent(
                "auth.password_change",
                str(staff_id),
                detail={"profile": settings.password_profile, "sessions_ended": ended},
            ),
        )
        role = staff.role
        enrolled = (
            sec := access_queries.security_of(session, staff_id)
        ) is not None and sec.totp_confirmed_at is not None
    return Opened(
        token=token,
        expires_at=opened.expires_at,
        staff_id=str(staff_id),
        must_change_password=False,
        totp_enrolment_required=role in {r.value for r in TOTP_ROLES} and not enrolled,
    )


def enrol_totp(
    engine: Engine, protector: Protector, settings: Settings, who: AuditActor, signed: SignedIn
) -> Enrolment:
    """A fresh seed, stored encrypted and pending until a first code confirms it."""
    from headcount.auth.credentials import qr_svg

    staff_id = uuid.UUID(signed.actor.staff_id)
    with transaction(engine) as session, protector.bound(session):
        security = access_queries.ensure_security(session, staff_id, created_by="self")
        if security.totp_confirmed_at is not None:
            raise HeadcountError(errors.TOTP_STATE, state="already enrolled")
        seed = totp.new_secret()
        blob = protector.encrypt(
            seed,
            scope=staff_scope(settings),
            table="staff_security",
            column="totp_secret_enc",
            row_id=str(staff_id),
        )
        security.totp_secret_enc = blob
        security.key_id = protector.key_hex(blob)
        security.totp_last_step = None
        append(session, who, AuditEvent("auth.totp_enrol", str(staff_id), outcome="pending"))
    uri = totp.provisioning_uri(seed, signed.username, ISSUER)
    return Enrolment(secret=seed, provisioning_uri=uri, qr_svg=qr_svg(uri))


def confirm_totp(
    engine: Engine,
    protector: Protector,
    settings: Settings,
    who: AuditActor,
    signed: SignedIn,
    now: datetime,
    code: str,
) -> Opened:
    """Confirm the pending seed with a first code; the session is rotated (privilege change)."""
    staff_id = uuid.UUID(signed.actor.staff_id)
    with transaction(engine) as session, protector.bound(session):
        security = access_queries.security_of(session, staff_id, for_update=True)
        if security is None or security.totp_secret_enc is None:
            state = "not started"
        elif security.totp_confirmed_at is not None:
            state = "already enrolled"
        else:
            state = ""
            seed = protector.decrypt(
                security.totp_secret_enc,
                table="staff_security",
                column="totp_secret_enc",
                row_id=str(staff_id),
            )
            step = totp.verify(seed, code, now, last_step=security.totp_last_step)
            if step is not None:
                security.totp_last_step = step
                security.totp_confirmed_at = now
                token, opened = rotate(session, signed, settings=settings, now=now, ip=who.ip)
            outcome = "success" if step is not None else "failure"
            append(session, who, AuditEvent("auth.totp_confirm", str(staff_id), outcome=outcome))
    if state:
        raise HeadcountError(errors.TOTP_STATE, state=state)
    if step is None:
        raise HeadcountError(errors.TOTP_INVALID)
    return Opened(
        token=token,
        expires_at=opened.expires_at,
        staff_id=str(staff_id),
        must_change_password=signed.must_change_password,
        totp_enrolment_required=False,
    )


def accept_pledge(
    engine: Engine,
    settings: Settings,
    who: AuditActor,
    signed: SignedIn,
    now: datetime,
    version: str,
) -> tuple[datetime, Opened | None]:
    """Record acceptance of the current pledge (idempotent: the first acceptance is kept).

    A first acceptance opens personal data to the account, so the session is rotated."""
    if version != settings.pledge_version:
        raise HeadcountError(
            errors.PLEDGE_VERSION, version=version[:32], current=settings.pledge_version
        )
    staff_id = uuid.UUID(signed.actor.staff_id)
    with transaction(engine) as session:
        earlier = access_queries.pledge_accepted(session, staff_id, version)
        if earlier is not None:
            return earlier, None
        access_queries.add_pledge(
            session,
            PledgeAcceptance(
                id=uuid.uuid4(), staff_id=staff_id, version=version, accepted_at=now, ip=who.ip
            ),
        )
        append(session, who, AuditEvent("auth.pledge", str(staff_id), detail={"version": version}))
        token, opened = rotate(session, signed, settings=settings, now=now, ip=who.ip)
    return now, Opened(
        token=token,
        expires_at=opened.expires_at,
        staff_id=str(staff_id),
        must_change_password=signed.must_change_password,
        totp_enrolment_required=False,
    )
