"""Self-report (自主填报), the household's side: cards, household sign-in, drafts, submission.

A household signs in with the account and password on the card its enumerator left. Its session
is scoped to that one household and separate from staff sessions. Answers are kept as the shared
household JSON, encrypted under the county's data key, as a draft until the household submits
(declarant's name and the declaration required; hard findings block, soft ones need a tick). It
may correct and re-submit until the self-report window closes; afterwards everything is read-only.
The enumerator's side — confirming a submitted self-report after the standard time point, and the
hand-over of unfinished ones at the close — is ``fieldwork.confirmation``; one rejected in review
becomes a ``fix`` task through ``fieldwork.review``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth import credentials
from headcount.auth.lockout import FailureState, LockoutPolicy, record_failure
from headcount.auth.passwords import dummy_hash, hash_password, verify_password
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork import drafts
from headcount.fieldwork import staff as staff_service
from headcount.fieldwork.scope import audit_actor, require
from headcount.privacy.masking import mask
from headcount.questionnaire.engine import HouseholdResult, validate_household
from headcount.store.models_fieldwork import RegisterEntry
from headcount.store.models_selfreport import SelfReport, SelfReportAccount, SelfReportSession
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import access as access_queries
from headcount.store.queries import fieldwork as field_queries
from headcount.store.queries import self_report as queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import read_transaction, transaction

SESSION_HOURS = 2  # a household finishes in minutes; a lost phone should not stay signed in
POLICY = LockoutPolicy()
_TABLE, _COLUMN = "self_reports", "answers_enc"
_OPEN_STATES = ("draft", "submitted")


class Card(BaseModel):
    """What the printable card shows; the password appears here once and is never stored."""

    household_id: str
    household_no: str
    account: str  # grouped XXXXX-XXXXX
    password: str
    login_url: str
    qr_svg: str
    opens: datetime
    closes: datetime
    badge_no: str


@dataclass(frozen=True, slots=True)
class Opened:
    token: str
    household_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class HouseholdSession:
    """A signed-in household: which household, which card, which session row."""

    session_id: uuid.UUID
    account_id: uuid.UUID
    household_id: str
    issued_by: str


class ReportOut(BaseModel):
    household_id: str
    household_no: str
    state: str  # new, draft, submitted, confirmed, handed_over
    editable: bool
    closes: datetime
    record: dict[str, Any]  # the shared household JSON (the household's own answers, unmasked)
    declarant: str
    revision: int
    # Places of a stored draft that could not be read (written before drafts were checked) and
    # are left out of ``record``: the pages say so; empty for every draft saved since.
    unreadable: list[str] = Field(default_factory=list)


def now_of(clock: Clock | None) -> datetime:
    return (clock or SystemClock()).now().astimezone(UTC)


def _lock_key(account: str) -> str:
    return hashlib.sha256(f"self-report:{account}".encode()).hexdigest()


def _household_audit(household: HouseholdSession, ip: str = "") -> AuditActor:
    return AuditActor(
        id=f"household:{household.household_id}", role="household", request_id="", ip=ip
    )


# --- cards -----------------------------------------------------------------------------------


def require_issuable(session: Session, actor: Actor, household_id: str) -> RegisterEntry:
    """404 unless the household is on the register of one of the actor's small areas; 409-style
    problem unless its mode is self-report. Also guards the card page before anything is shown."""
    entry = field_queries.entry_by_household_id(session, household_id)
    area = entry.small_area_code if entry is not None else ""
    require(
        actor, Permission.self_report_issue, area, errors.REGISTER_NOT_FOUND, household=household_id
    )
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    if entry.mode != "self_report":
        raise HeadcountError(errors.SELF_REPORT_NOT_OFFERED, household=household_id)
    return entry


def issue(
    session: Session,
    actor: Actor,
    household_id: str,
    *,
    base_url: str,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> Card:
    """A new card for a self-report household of the actor's small areas; revokes the old one."""
    entry = require_issuable(session, actor, household_id)
    now = now_of(clock)
    if now >= calendar.self_report.closes:
        raise HeadcountError(errors.SELF_REPORT_CLOSED)
    revoked = queries.revoke_accounts(session, household_id, now)
    account, password = credentials.new_account(), credentials.new_password()
    while queries.account(session, account) is not None:  # 25^10 accounts: practically never
        account = credentials.new_account()
    queries.add_account(
        session,
        SelfReportAccount(
            id=uuid.uuid4(),
            household_id=household_id,
            account=account,
            secret_hash=hash_password(password),
            issued_by=actor.staff_id,
            issued_at=now,
            revoked_at=None,
        ),
    )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.issue", household_id, detail={"revoked": revoked}),
        clock=clock,
    )
    url = credentials.login_url(base_url, account)
    return Card(
        household_id=household_id,
        household_no=entry.household_no,
        account=credentials.grouped(account),
        password=password,
        login_url=url,
        qr_svg=credentials.qr_svg(url),
        opens=calendar.self_report.opens,
        closes=calendar.self_report.closes,
        badge_no=badge_of(session, actor.staff_id),
    )


class CardStatusOut(BaseModel):
    household_id: str
    household_no: str
    head_name: str  # masked unless the actor holds pi.view_full
    card_issued_at: datetime | None
    state: str  # new, draft, submitted, confirmed, handed_over


def cards(
    session: Session,
    protector: Protector,
    actor: Actor,
    small_area_code: str,
    *,
    audit: AuditActor | None = None,
) -> list[CardStatusOut]:
    """The self-report households of a small area: who has a card, how far each has got."""
    require(
        actor,
        Permission.self_report_issue,
        small_area_code,
        errors.SMALL_AREA_NOT_FOUND,
        code=small_area_code,
    )
    entries = queries.self_report_entries(session, [small_area_code])
    ids = [e.household_id for e in entries if e.small_area_code == small_area_code]
    issued = queries.active_accounts(session, ids)
    progress = queries.states(session, ids)
    granted = actor.permissions()
    out = []
    with protector.bound(session):
        for entry in entries:
            if entry.small_area_code != small_area_code:
                continue
            head = protector.decrypt(
                entry.head_name_enc,
                table="register_entries",
                column="head_name_enc",
                row_id=str(entry.id),
            )
            out.append(
                CardStatusOut(
                    household_id=entry.household_id,
                    household_no=entry.household_no,
                    head_name=mask(head, "name", permissions=granted),
                    card_issued_at=issued.get(entry.household_id),
                    state=progress.get(entry.household_id, "new"),
                )
            )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.cards", small_area_code, detail={"rows": len(out)}),
    )
    return out


def enumerator_masked_name(session: Session, protector: Protector, staff_id: str) -> str:
    """The card's issuer as the household may see it: masked, as on the public badge check."""
    try:
        staff = staff_queries.by_id(session, uuid.UUID(staff_id))
    except ValueError:
        return ""
    if staff is None:
        return ""
    with protector.bound(session):
        return staff_service.masked_name(protector, staff) or ""


def badge_of(session: Session, staff_id: str) -> str:
    try:
        security = access_queries.security_of(session, uuid.UUID(staff_id))
    except ValueError:
        return ""
    return (security.badge_no or "") if security is not None else ""


# --- sign-in and household sessions ----------------------------------------------------------


def sign_in(
    engine: Engine, who: AuditActor, now: datetime, *, account: str, password: str
) -> Opened:
    """The same answer for an unknown account, a wrong password and a revoked card (A3)."""
    typed = credentials.normalize_typed(account)[:32]
    key = _lock_key(typed)
    with read_transaction(engine) as session:
        state = _state(access_queries.failure_of(session, key))
        found = None if state.locked(now) else queries.account(session, typed)
    if state.locked(now):
        with transaction(engine) as session:
            append(session, who, AuditEvent("self_report.login", key[:16], outcome="locked"))
        raise HeadcountError(errors.LOGIN_LOCKED, retry_after=state.retry_after(now))
    # argon2id outside any transaction: inside SQLite's write lock, failed sign-ins stalled every
    # writer (10 → 735 ms); the same work for an unknown account (A3).
    # The card's password, as typed on a phone: any case, spaces, full-width (its alphabet has
    # upper-case letters and digits only, so nothing is lost by folding).
    typed_password = credentials.normalize_typed(password)
    good = verify_password(found.secret_hash if found else dummy_hash(), typed_password)
    usable = found is not None and good and found.revoked_at is None
    if not usable or found is None:
        with transaction(engine) as session:
            row = access_queries.failure_row_locked(session, key)
            state = record_failure(_state(row), now, POLICY)
            row.failures = state.failures
            row.first_failure_at = state.first_failure_at
            row.locked_until = state.locked_until
            append(session, who, AuditEvent("self_report.login", key[:16], outcome="failure"))
        if state.locked(now):
            raise HeadcountError(errors.LOGIN_LOCKED, retry_after=state.retry_after(now))
        raise HeadcountError(errors.SELF_REPORT_LOGIN_FAILED)
    token = new_token()
    expires = now + timedelta(hours=SESSION_HOURS)
    with transaction(engine) as session:
        access_queries.clear_failures(session, key)
        queries.add_session(
            session,
            SelfReportSession(
                id=uuid.uuid4(),
                token_hash=token_hash(token),
                account_id=found.id,
                household_id=found.household_id,
                created_at=now,
                expires_at=expires,
                ended_at=None,
            ),
        )
        append(session, who, AuditEvent("self_report.login", found.household_id))
    return Opened(token, found.household_id, expires)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """Only the SHA-256 of a session token is stored: a copy of the database opens nothing."""
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def _state(row: Any) -> FailureState:
    if row is None:
        return FailureState()
    return FailureState(row.failures, row.first_failure_at, row.locked_until)


def resolve(session: Session, token: str | None, now: datetime) -> HouseholdSession | None:
    """The household behind a session token, or None (unknown, ended, expired or revoked)."""
    if not token or len(token) > 128 or not token.isascii():
        return None
    found = queries.session_by_token(session, token_hash(token))
    if found is None:
        return None
    row, account = found
    if row.ended_at is not None or now >= row.expires_at or account.revoked_at is not None:
        return None
    return HouseholdSession(row.id, account.id, row.household_id, account.issued_by)


def sign_out(session: Session, household: HouseholdSession, now: datetime) -> None:
    queries.end_session(session, household.session_id, now)
    append(session, _household_audit(household), AuditEvent("self_report.logout", "session"))


# --- the household's answers -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A stored self-report as every reader uses it: what could be read, and where not."""

    record: dict[str, Any]
    declarant: str
    unreadable: list[str]


def read_report(protector: Protector, row: SelfReport | None, household_no: str) -> Draft:
    """The household's answers, never failing on a malformed draft (``drafts.readable``)."""
    if row is None:
        return Draft(drafts.empty_record(household_no), "", [])
    text = protector.decrypt(row.answers_enc, table=_TABLE, column=_COLUMN, row_id=row.household_id)
    try:
        blob: Any = json.loads(text)
    except (ValueError, RecursionError):
        blob = None
    if not isinstance(blob, dict):
        return Draft(drafts.empty_record(household_no), "", ["record"])
    record, unreadable = drafts.readable(blob.get("record"), household_no)
    declarant = blob.get("declarant")
    name = declarant[:50] if isinstance(declarant, str) else ""
    return Draft(record, name, unreadable)


def load(
    session: Session,
    protector: Protector,
    household: HouseholdSession,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> ReportOut:
    entry = field_queries.entry_by_household_id(session, household.household_id)
    if entry is None:
        raise HeadcountError(errors.SELF_REPORT_SIGNED_OUT)
    row = queries.report(session, household.household_id)
    draft = read_report(protector, row, entry.household_no)
    state = row.state if row is not None else "new"
    open_window = now_of(clock) < calendar.self_report.closes
    return ReportOut(
        household_id=household.household_id,
        household_no=entry.household_no,
        state=state,
        editable=open_window and state != "handed_over" and entry.mode == "self_report",
        closes=calendar.self_report.closes,
        record=draft.record,
        declarant=draft.declarant,
        revision=row.revision if row is not None else 0,
        unreadable=draft.unreadable,
    )


def _write(
    session: Session,
    protector: Protector,
    household_id: str,
    small_area_code: str,
    blob: dict[str, Any],
    state: str,
    now: datetime,
    calendar: CensusCalendar,
) -> SelfReport:
    encrypted = protector.encrypt(
        json.dumps(blob, ensure_ascii=False, sort_keys=True),
        scope=household_scope(calendar.wave, small_area_code),
        table=_TABLE,
        column=_COLUMN,
        row_id=household_id,
    )
    row = queries.report(session, household_id, lock=True)
    if row is None:
        row = SelfReport(
            household_id=household_id,
            small_area_code=small_area_code,
            state=state,
            key_id=protector.key_hex(encrypted),
            answers_enc=encrypted,
            revision=1,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                queries.add_report(session, row)
        except IntegrityError:
            # Two first saves of one household at once (two phones): nothing written, retry.
            raise HeadcountError(errors.WRITE_CONFLICT, reason="self-report saved twice") from None
        return row
    row.state = state
    row.key_id = protector.key_hex(encrypted)
    row.answers_enc = encrypted
    row.revision += 1
    row.updated_at = now
    session.flush()
    return row


def _editable_entry(
    session: Session, household: HouseholdSession, now: datetime, calendar: CensusCalendar
) -> Any:
    entry = field_queries.entry_by_household_id(session, household.household_id)
    if entry is None:
        raise HeadcountError(errors.SELF_REPORT_SIGNED_OUT)
    row = queries.report(session, household.household_id)
    handed = row is not None and row.state == "handed_over"
    # Switched back to an enumerator interview: the enumerator now owns the answers.
    if now >= calendar.self_report.closes or handed or entry.mode != "self_report":
        raise HeadcountError(errors.SELF_REPORT_CLOSED)
    return entry


def save(
    session: Session,
    protector: Protector,
    household: HouseholdSession,
    record: dict[str, Any],
    *,
    declarant: str | None = None,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> ReportOut:
    """Keep partial answers as a draft; a change after submitting needs a new submission."""
    now = now_of(clock)
    entry = _editable_entry(session, household, now, calendar)
    current = load(session, protector, household, clock=clock, calendar=calendar)
    clean = dict(record)
    clean["form"] = "short"
    clean["household_no"] = entry.household_no
    clean.pop("household_id", None)
    drafts.check(clean)  # the submission path's shape check, within bounds (E2103, E2104)
    name = current.declarant if declarant is None else declarant.strip()[:50]
    blob = {"record": clean, "declarant": name}
    _write(
        session,
        protector,
        household.household_id,
        entry.small_area_code,
        blob,
        "draft",
        now,
        calendar,
    )
    append(
        session,
        _household_audit(household),
        AuditEvent("self_report.save", household.household_id),
        clock=clock,
    )
    return load(session, protector, household, clock=clock, calendar=calendar)


def check(record: dict[str, Any]) -> HouseholdResult:
    """The questionnaire engine's findings for the household's answers as they stand."""
    return validate_household(record)


def submit(
    session: Session,
    protector: Protector,
    household: HouseholdSession,
    *,
    declarant: str,
    pledge: bool,
    confirmed: list[str] | None = None,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> ReportOut:
    now = now_of(clock)
    entry = _editable_entry(session, household, now, calendar)
    current = load(session, protector, household, clock=clock, calendar=calendar)
    record = dict(current.record)
    if confirmed is not None:
        record["confirmed"] = sorted(set(confirmed))
    name = declarant.strip()[:50]
    blob = {"record": record, "declarant": name}
    if not name or not pledge:
        _write(
            session,
            protector,
            household.household_id,
            entry.small_area_code,
            blob,
            current.state if current.state != "new" else "draft",
            now,
            calendar,
        )
        raise HeadcountError(errors.SELF_REPORT_PLEDGE_REQUIRED)
    result = check(record)
    if not result.accepted:
        raise HeadcountError(
            errors.SELF_REPORT_FINDINGS,
            hard=len(result.hard),
            soft=len(result.unconfirmed),
            findings=[f.to_json() for f in result.findings if f.blocks],
        )
    row = _write(
        session,
        protector,
        household.household_id,
        entry.small_area_code,
        blob,
        "submitted",
        now,
        calendar,
    )
    row.submitted_at = now
    append(
        session,
        _household_audit(household),
        AuditEvent("self_report.submit", household.household_id, detail={"revision": row.revision}),
        clock=clock,
    )
    return load(session, protector, household, clock=clock, calendar=calendar)
