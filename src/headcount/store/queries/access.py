"""SQL for sessions, grants, second factor, sign-in failures, pledges, badges and buildings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import Staff, table_of
from headcount.store.models_access import (
    Building,
    LoginFailure,
    PledgeAcceptance,
    StaffGrant,
    StaffSecurity,
    StaffSession,
)

AREA = "area"
PERMISSION = "permission"


# --- sessions ------------------------------------------------------------------------------
def add_session(session: Session, row: StaffSession) -> None:
    session.add(row)
    session.flush()


def session_state(session: Session, token_hash: bytes, pledge_version: str) -> Row[Any] | None:
    """The check every request makes, in one round trip and as a plain row (building ORM
    objects for it was a measurable share of a request): the session's id and times, the
    account's id, user name, role, state and password dates, whether a second factor is
    confirmed and whether the current pledge is signed."""
    sessions, staff = table_of(StaffSession), table_of(Staff)
    security = table_of(StaffSecurity)
    pledges = table_of(PledgeAcceptance)
    pledged = (
        select(pledges.c.id)
        .where(pledges.c.staff_id == sessions.c.staff_id, pledges.c.version == pledge_version)
        .exists()
    )
    query = (
        select(
            sessions.c.id,
            sessions.c.ended_at,
            sessions.c.expires_at,
            sessions.c.last_seen_at,
            staff.c.id.label("staff_id"),
            staff.c.username,
            staff.c.role,
            staff.c.disabled,
            staff.c.must_change_password,
            staff.c.password_changed_at,
            staff.c.created_at,
            security.c.totp_confirmed_at.is_not(None).label("totp_enrolled"),
            pledged.label("pledged"),
        )
        .select_from(sessions)
        .join(staff, staff.c.id == sessions.c.staff_id)
        .outerjoin(security, security.c.staff_id == sessions.c.staff_id)
        .where(sessions.c.token_hash == token_hash)
    )
    return cast("Row[Any] | None", session.execute(query).first())


def touch_session(session: Session, session_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=at)
    )


def end_session(session: Session, session_id: uuid.UUID, at: datetime, reason: str) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason)
    )


def end_sessions_of(
    session: Session,
    staff_id: uuid.UUID,
    at: datetime,
    reason: str,
    *,
    keep: uuid.UUID | None = None,
) -> int:
    """End every open session of one account (except ``keep``); returns how many ended."""
    query = update(StaffSession).where(
        StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.id != keep)
    result = session.execute(query.values(ended_at=at, end_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


# --- grants --------------------------------------------------------------------------------
def grants_of(session: Session, staff_id: uuid.UUID) -> list[StaffGrant]:
    return list(
        session.execute(
            select(StaffGrant).where(StaffGrant.staff_id == staff_id).order_by(StaffGrant.value)
        ).scalars()
    )


def grant_pairs(session: Session, staff_id: uuid.UUID) -> list[tuple[str, str]]:
    """(kind, value) of every grant: what resolving a session on each request needs, as rows
    (building ORM objects for them was a tenth of a request's CPU)."""
    return [
        (kind, value)
        for kind, value in session.execute(
            select(StaffGrant.kind, StaffGrant.value)
            .where(StaffGrant.staff_id == staff_id)
            .order_by(StaffGrant.value)
        )
    ]


def replace_grants(
    session: Session,
    staff_id: uuid.UUID,
    kind: str,
    values: Iterable[str],
    *,
    by: str,
    at: datetime,
) -> None:
    wanted = sorted(set(values))
    for grant in grants_of(session, staff_id):
        if grant.kind == kind and grant.value not in wanted:
            session.delete(grant)
    session.flush()
    present = {g.value for g in grants_of(session, staff_id) if g.kind == kind}
    for value in wanted:
        if value not in present:
            session.add(
                StaffGrant(
                    id=uuid.uuid4(),
                    staff_id=staff_id,
                    kind=kind,
                    value=value,
                    granted_by=by,
                    granted_at=at,
                )
            )
    session.flush()


def add_grant(
    session: Session, staff_id: uuid.UUID, kind: str, value: str, *, by: str, at: datetime
) -> bool:
    """Add one grant unless present; True when added."""
    present = session.execute(
        select(StaffGrant.id).where(
            StaffGrant.staff_id == staff_id, StaffGrant.kind == kind, StaffGrant.value == value
        )
    ).first()
    if present is not None:
        return False
    session.add(
        StaffGrant(
            id=uuid.uuid4(), staff_id=staff_id, kind=kind, value=value, granted_by=by, granted_at=at
        )
    )
    session.flush()
    return True


# --- second factor, badge, creator ---------------------------------------------------------
def security_of(
    session: Session, staff_id: uuid.UUID, *, for_update: bool = False
) -> StaffSecurity | None:
    query = select(StaffSecurity).where(StaffSecurity.staff_id == staff_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def ensure_security(session: Session, staff_id: uuid.UUID, created_by: str) -> StaffSecurity:
    row = security_of(session, staff_id, for_update=True)
    if row is None:
        row = StaffSecurity(staff_id=staff_id, created_by=created_by)
        session.add(row)
        session.flush()
    return row


# --- sign-in failures ----------------------------------------------------------------------
def failure_of(session: Session, account_key: str) -> LoginFailure | None:
    return session.execute(
        select(LoginFailure).where(LoginFailure.account_key == account_key).with_for_update()
    ).scalar_one_or_none()


def failure_row_locked(session: Session, account_key: str) -> LoginFailure:
    """The account key's row, created if absent and locked until commit: concurrent failed
    sign-ins of one name queue here instead of racing on the insert."""
    session.execute(
        Dialect.of(session).insert_ignore(LoginFailure, "account_key"),
        [{"account_key": account_key, "failures": 0}],
    )
    row = failure_of(session, account_key)
    assert row is not None
    return row


def clear_failures(session: Session, account_key: str) -> None:
    row = failure_of(session, account_key)
    if row is not None:
        session.delete(row)
        session.flush()


# --- pledges -------------------------------------------------------------------------------
def pledge_accepted(session: Session, staff_id: uuid.UUID, version: str) -> datetime | None:
    return session.execute(
        select(PledgeAcceptance.accepted_at).where(
            PledgeAcceptance.staff_id == staff_id, PledgeAcceptance.version == version
        )
    ).scalar_one_or_none()


def add_pledge(session: Session, row: PledgeAcceptance) -> None:
    session.add(row)
    session.flush()


# --- buildings -----------------------------------------------------------------------------
def add_buildings(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Building), list(rows))


def existing_buildings(session: Session, pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    wanted = sorted(set(pairs))
    areas = sorted({area for area, _ in wanted})
    found: set[tuple[str, str]] = set()
    for start in range(0, len(areas), 900):
        chunk = areas[start : start + 900]
        for area, number in session.execute(
            select(Building.small_area_code, Building.building_no).where(
                Building.small_area_code.in_(chunk)
            )
        ):
            found.add((area, number))
    return found & set(wanted)


def building_count(session: Session, small_area_code: str) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Building)
            .where(Building.small_area_code == small_area_code)
        ).scalar()
        or 0
    )


def buildings_of(session: Session, small_area_code: str) -> list[Building]:
    return list(
        session.execute(
            select(Building)
            .where(Building.small_area_code == small_area_code)
            .order_by(Building.building_no)
        ).scalars()
    )
