"""SQL for staff accounts (the full staff service comes later; init needs the first admin)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from headcount.store.models import Staff


def add(session: Session, staff: Staff) -> None:
    session.add(staff)
    session.flush()


def count_with_role(session: Session, role: str) -> int:
    return int(
        session.execute(select(func.count()).select_from(Staff).where(Staff.role == role)).scalar()
        or 0
    )


def by_username(session: Session, username: str) -> Staff | None:
    return session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
