"""Self-report (自主填报): cards, household sign-in, drafts, submission, confirmation, hand-over.

A household signs in with the account and password on the card its enumerator left. Its session
is scoped to that one household and separate from staff sessions. Answers are kept as the shared
household JSON, encrypted under the county's data key, as a draft until the household submits
(declarant's name and the declaration required; hard findings block, soft ones need a tick). It
may correct and re-submit until the self-report window closes; afterwards everything is read-only.
After the standard time point the household's enumerator confirms a submitted self-report, which
turns it into a registered household version through ``fieldwork.registration``. At the close a
self-report household that never submitted becomes a register task with its answers (never lost);
one rejected in review becomes a ``fix`` task through ``fieldwork.review``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth import credentials
from headcount.auth.lockout import FailureState, LockoutPolicy, record_failure
from headcount.auth.passwords import dummy_hash, hash_password, verify_password
from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork import registration
from headcount.fieldwork import staff as staff_service
from headcount.fieldwork.scope import audit_actor, prefixes, require
from headcount.privacy.masking import DataClass, mask
from headcount.questionnaire.engine import HouseholdResult, validate_household
from headcount.store.models_fieldwork import RegisterEntry
from headcount.store.models_selfreport import SelfReport, SelfReportAccount, SelfReportSession
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import access as access_queries
from headcount.store.queries import fieldwork as field_queries
from headcount.store.queries import self_report as queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import transaction

SESSION_HOURS = 2  # a household finishes in minutes; a lost phone should not stay signed in
POLICY = LockoutPolicy()
_NAMESPACE = uuid.UUID("0d1f6a52-54b4-4f4e-9d55-8c1f3c2b7a10")  # submission UUIDs of confirmations
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


class PendingOut(BaseModel):
    household_id: str
    household_no: str
    head_name: str  # masked unless the actor holds pi.view_full
    state: str
    persons: int
    submitted_at: datetime | None


def _now(clock: Clock | None) -> datetime:
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
    now = _now(clock)
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
    with transaction(engine) as session:
        failure = access_queries.failure_of(session, key)
        state = _state(failure)
        if state.locked(now):
            append(session, who, AuditEvent("self_report.login", key[:16], outcome="locked"))
            locked: HeadcountError | None = HeadcountError(
                errors.LOGIN_LOCKED, retry_after=state.retry_after(now)
            )
        else:
            locked = None
            found = queries.account(session, typed)
            good = verify_password(found.secret_hash if found else dummy_hash(), password.strip())
            usable = found is not None and good and found.revoked_at is None
    if locked is not None:
        raise locked
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


def _empty_record(household_no: str) -> dict[str, Any]:
    return {"form": "short", "household_no": household_no, "items": {}, "persons": []}


def _decrypt(protector: Protector, row: SelfReport) -> dict[str, Any]:
    text = protector.decrypt(row.answers_enc, table=_TABLE, column=_COLUMN, row_id=row.household_id)
    value: dict[str, Any] = json.loads(text)
    return value


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
    blob = _decrypt(protector, row) if row is not None else {}
    record = blob.get("record") or _empty_record(entry.household_no)
    state = row.state if row is not None else "new"
    open_window = _now(clock) < calendar.self_report.closes
    return ReportOut(
        household_id=household.household_id,
        household_no=entry.household_no,
        state=state,
        editable=open_window and state != "handed_over" and entry.mode == "self_report",
        closes=calendar.self_report.closes,
        record=record,
        declarant=str(blob.get("declarant") or ""),
        revision=row.revision if row is not None else 0,
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
    now = _now(clock)
    entry = _editable_entry(session, household, now, calendar)
    current = load(session, protector, household, clock=clock, calendar=calendar)
    clean = dict(record)
    clean["form"] = "short"
    clean["household_no"] = entry.household_no
    clean.pop("household_id", None)
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
    now = _now(clock)
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


HAND_OVER_BATCH = 1000  # households per statement batch at the close
# The census as a whole, acting at the close (no staff member: the server's own job).
_CLOSE = Actor(staff_id="system", role=Role.national_office)
_CLOSE_AUDIT = AuditActor(id="system", role="system")


def hand_over_all(
    session: Session,
    protector: Protector,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    limit: int = HAND_OVER_BATCH,
) -> int:
    """One batch of ``hand_over`` for the whole census, run by the server once the window has
    closed (each enumerator's list of self-reports to confirm does it for their own areas)."""
    return hand_over(
        session, protector, _CLOSE, clock=clock, calendar=calendar, audit=_CLOSE_AUDIT, limit=limit
    )


# --- the enumerator's side -------------------------------------------------------------------


def pending(
    session: Session,
    protector: Protector,
    actor: Actor,
    *,
    limit: int = 200,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> list[PendingOut]:
    """Submitted self-reports in the actor's areas, waiting for confirmation (after the close,
    unfinished ones are handed over first, so none is forgotten)."""
    if not actor.has(Permission.self_report_confirm):
        raise HeadcountError(errors.FORBIDDEN)
    if _now(clock) >= calendar.self_report.closes:
        hand_over(session, protector, actor, clock=clock, calendar=calendar, audit=audit)
    rows = queries.reports_in(session, prefixes(actor), ("submitted",), limit)
    granted = actor.permissions()
    out = []
    with protector.bound(session):
        for row in rows:
            entry = field_queries.entry_by_household_id(session, row.household_id)
            if entry is None:
                continue
            head = protector.decrypt(
                entry.head_name_enc,
                table="register_entries",
                column="head_name_enc",
                row_id=str(entry.id),
            )
            record = _decrypt(protector, row).get("record", {})
            out.append(
                PendingOut(
                    household_id=row.household_id,
                    household_no=entry.household_no,
                    head_name=mask(head, "name", permissions=granted),
                    state=row.state,
                    persons=len(record.get("persons", [])),
                    submitted_at=row.submitted_at,
                )
            )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.pending", ",".join(actor.areas)[:64], detail={"rows": len(out)}),
        clock=clock,
    )
    return out


def confirm(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> registration.SubmissionOut:
    """Turn a submitted self-report into a registered household version (after 11-01 00:00)."""
    row = queries.report(session, household_id, lock=True)
    area = row.small_area_code if row is not None else ""
    require(
        actor,
        Permission.self_report_confirm,
        area,
        errors.SELF_REPORT_NOT_FOUND,
        household=household_id,
    )
    if row is None:
        raise HeadcountError(errors.SELF_REPORT_NOT_FOUND, household=household_id)
    now = _now(clock)
    if now < calendar.reference_time:
        raise HeadcountError(errors.SELF_REPORT_CONFIRM_EARLY)
    if row.state != "submitted":
        raise HeadcountError(errors.SELF_REPORT_NOT_SUBMITTED, household=household_id)
    with protector.bound(session):
        record = _decrypt(protector, row)["record"]
    submission = registration.SubmissionIn(
        submission_uuid=uuid.uuid5(_NAMESPACE, f"{household_id}:{row.revision}"),
        replaces_version=row.confirmed_version,
        record=record,
    )
    who = audit or audit_actor(actor)
    result = registration.submit(
        session,
        protector,
        actor,
        household_id,
        submission,
        channel="self_report",
        clock=clock,
        calendar=calendar,
        audit=who,
    )
    row.state = "confirmed"
    row.confirmed_at = now
    row.confirmed_by = actor.staff_id
    row.confirmed_version = result.version
    append(
        session,
        who,
        AuditEvent("self_report.confirm", household_id, detail={"version": result.version}),
        clock=clock,
    )
    return result


class SubmittedOut(BaseModel):
    household_id: str
    household_no: str
    state: str
    masked: bool
    submitted_at: datetime | None
    record: dict[str, Any]  # names and ID numbers masked unless the actor holds pi.view_full


_MASKED: dict[str, DataClass] = {"name": "name", "citizen_id": "citizen_id"}


def submitted(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> SubmittedOut:
    """A self-report as the confirming enumerator sees it before confirming (masked, audited)."""
    row = queries.report(session, household_id)
    entry = field_queries.entry_by_household_id(session, household_id)
    area = row.small_area_code if row is not None else ""
    require(
        actor,
        Permission.self_report_confirm,
        area,
        errors.SELF_REPORT_NOT_FOUND,
        household=household_id,
    )
    if row is None or entry is None:
        raise HeadcountError(errors.SELF_REPORT_NOT_FOUND, household=household_id)
    with protector.bound(session):
        record: dict[str, Any] = _decrypt(protector, row).get("record") or {}
    granted = actor.permissions()
    full = Permission.pi_view_full in granted
    for roster in ("persons", "deaths"):
        for person in record.get(roster) or []:
            for key, data_class in _MASKED.items():
                if person.get(key):
                    person[key] = mask(str(person[key]), data_class, permissions=granted)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.read_full" if full else "self_report.read", household_id),
    )
    return SubmittedOut(
        household_id=household_id,
        household_no=entry.household_no,
        state=row.state,
        masked=not full,
        submitted_at=row.submitted_at,
        record=record,
    )


def answers_for_interview(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> dict[str, Any] | None:
    """The household's own answers, for the enumerator who registers it after a hand-over (or
    an unconfirmed self-report); ID numbers are left out unless the actor holds pi.view_full,
    so the interview page never shows one in clear. Audited as a read of personal data."""
    entry = field_queries.entry_by_household_id(session, household_id)
    area = entry.small_area_code if entry is not None else ""
    require(
        actor,
        Permission.household_register,
        area,
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    row = queries.report(session, household_id)
    if row is None or row.state == "confirmed":
        return None
    with protector.bound(session):
        record: dict[str, Any] = _decrypt(protector, row).get("record") or {}
    if not actor.has(Permission.pi_view_full):
        for person in record.get("persons") or []:
            person.pop("citizen_id", None)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("self_report.read_for_interview", household_id, detail={"state": row.state}),
    )
    return record


def _register_task(household_id: str, small_area_code: str, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "small_area_code": small_area_code,
        "household_id": household_id,
        "kind": "register",
        "state": "open",
        "reason_code": "self_report_unfinished",
        "key_id": None,
        "comment_enc": None,
        "created_by": "self_report.close",
        "created_at": now,
        "closed_at": None,
    }


def hand_over(
    session: Session,
    protector: Protector,
    actor: Actor,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
    limit: int | None = None,
) -> int:
    """After the close: every self-report household of the actor's areas that never submitted
    gets an open register task; its draft answers stay for the enumerator. Idempotent.

    Set-based, a batch of households per three statements; with ``limit`` at most that many
    this call (the server's close job commits batch by batch), otherwise all of them. Returns
    how many were handed over: fewer than ``limit`` means none is left."""
    now = _now(clock)
    if now < calendar.self_report.closes:
        return 0
    handed = 0
    while limit is None or handed < limit:
        page = HAND_OVER_BATCH if limit is None else min(HAND_OVER_BATCH, limit - handed)
        rows = queries.unfinished(session, prefixes(actor), page)
        drafts = set(queries.lock_drafts(session, [h for h, _, state in rows if state == "draft"]))
        chosen = [(h, area) for h, area, state in rows if state is None or h in drafts]
        field_queries.add_tasks(session, [_register_task(h, area, now) for h, area in chosen])
        queries.mark_handed_over(session, sorted(drafts))
        handed += len(chosen)
        if len(rows) < page:
            break
    if handed:
        append(
            session,
            audit or audit_actor(actor),
            AuditEvent("self_report.hand_over", ",".join(actor.areas)[:64], detail={"n": handed}),
            clock=clock,
        )
    return handed
