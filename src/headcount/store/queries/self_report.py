"""SQL for self-report: household accounts, household sessions, the household's answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from headcount.store.models_fieldwork import FieldTask, RegisterEntry
from headcount.store.models_selfreport import SelfReport, SelfReportAccount, SelfReportSession
from headcount.store.queries.fieldwork import within

# --- accounts --------------------------------------------------------------------------------


def account(session: Session, account: str) -> SelfReportAccount | None:
    return session.execute(
        select(SelfReportAccount).where(SelfReportAccount.account == account)
    ).scalar_one_or_none()


def revoke_accounts(session: Session, household_id: str, at: datetime) -> int:
    """Revoke the household's cards in force and end their sessions (a re-issue)."""
    result = session.execute(
        update(SelfReportAccount)
        .where(
            SelfReportAccount.household_id == household_id, SelfReportAccount.revoked_at.is_(None)
        )
        .values(revoked_at=at)
    )
    session.execute(
        update(SelfReportSession)
        .where(SelfReportSession.household_id == household_id, SelfReportSession.ended_at.is_(None))
        .values(ended_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def add_account(session: Session, row: SelfReportAccount) -> None:
    session.add(row)
    session.flush()


# --- sessions --------------------------------------------------------------------------------


def add_session(session: Session, row: SelfReportSession) -> None:
    session.add(row)
    session.flush()


def session_by_token(
    session: Session, token_hash: bytes
) -> tuple[SelfReportSession, SelfReportAccount] | None:
    found = session.execute(
        select(SelfReportSession, SelfReportAccount)
        .join(SelfReportAccount, SelfReportAccount.id == SelfReportSession.account_id)
        .where(SelfReportSession.token_hash == token_hash)
    ).first()
    return (found[0], found[1]) if found is not None else None


def end_session(session: Session, session_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(SelfReportSession)
        .where(SelfReportSession.id == session_id, SelfReportSession.ended_at.is_(None))
        .values(ended_at=at)
    )


# --- answers ---------------------------------------------------------------------------------


def report(session: Session, household_id: str, *, lock: bool = False) -> SelfReport | None:
    query = select(SelfReport).where(SelfReport.household_id == household_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def add_report(session: Session, row: SelfReport) -> None:
    session.add(row)
    session.flush()


def reports_in(
    session: Session, prefixes: Sequence[str] | None, states: Sequence[str], limit: int
) -> list[SelfReport]:
    return list(
        session.execute(
            select(SelfReport)
            .where(within(SelfReport.small_area_code, prefixes), SelfReport.state.in_(states))
            .order_by(SelfReport.household_id)
            .limit(limit)
        ).scalars()
    )


# --- hand-over at the close ------------------------------------------------------------------


def self_report_entries(session: Session, prefixes: Sequence[str] | None) -> list[RegisterEntry]:
    """Register lines of self-report households in the given areas."""
    return list(
        session.execute(
            select(RegisterEntry)
            .where(
                within(RegisterEntry.small_area_code, prefixes), RegisterEntry.mode == "self_report"
            )
            .order_by(RegisterEntry.household_id)
        ).scalars()
    )


def unfinished(
    session: Session, prefixes: Sequence[str] | None, limit: int
) -> list[tuple[str, str, str | None]]:
    """Self-report households in the areas that never submitted (no report, or a draft) and have
    no register task yet: (household id, small area, report state or None), ordered, one page."""
    has_register_task = (
        select(FieldTask.id)
        .where(FieldTask.household_id == RegisterEntry.household_id, FieldTask.kind == "register")
        .exists()
    )
    rows = session.execute(
        select(RegisterEntry.household_id, RegisterEntry.small_area_code, SelfReport.state)
        .outerjoin(SelfReport, SelfReport.household_id == RegisterEntry.household_id)
        .where(
            within(RegisterEntry.small_area_code, prefixes),
            RegisterEntry.mode == "self_report",
            or_(SelfReport.household_id.is_(None), SelfReport.state == "draft"),
            ~has_register_task,
        )
        .order_by(RegisterEntry.household_id)
        .limit(limit)
    ).all()
    return [(str(h), str(a), s) for h, a, s in rows]


def lock_drafts(session: Session, household_ids: Sequence[str]) -> list[str]:
    """Of these households, those whose report is still a draft, locked until commit (a
    submission racing the close either committed first, and is not a draft, or waits)."""
    if not household_ids:
        return []
    return list(
        session.execute(
            select(SelfReport.household_id)
            .where(SelfReport.household_id.in_(list(household_ids)), SelfReport.state == "draft")
            .with_for_update()
        ).scalars()
    )


def mark_handed_over(session: Session, household_ids: Sequence[str]) -> None:
    if household_ids:
        session.execute(
            update(SelfReport)
            .where(SelfReport.household_id.in_(list(household_ids)))
            .values(state="handed_over")
            .execution_options(synchronize_session=False)
        )


def has_task(session: Session, household_id: str, kind: str) -> bool:
    found = session.execute(
        select(FieldTask.id)
        .where(FieldTask.household_id == household_id, FieldTask.kind == kind)
        .limit(1)
    ).first()
    return found is not None


def active_accounts(session: Session, household_ids: Sequence[str]) -> dict[str, datetime]:
    """When each household's card in force was issued (households without one are absent)."""
    if not household_ids:
        return {}
    rows = session.execute(
        select(SelfReportAccount.household_id, SelfReportAccount.issued_at).where(
            SelfReportAccount.household_id.in_(list(household_ids)),
            SelfReportAccount.revoked_at.is_(None),
        )
    ).all()
    return {household_id: issued_at for household_id, issued_at in rows}


def states(session: Session, household_ids: Sequence[str]) -> dict[str, str]:
    if not household_ids:
        return {}
    rows = session.execute(
        select(SelfReport.household_id, SelfReport.state).where(
            SelfReport.household_id.in_(list(household_ids))
        )
    ).all()
    return {household_id: state for household_id, state in rows}
