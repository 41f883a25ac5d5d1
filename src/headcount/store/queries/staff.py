"""SQL for staff accounts: look-ups by name and id, and the pages an office may list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from headcount.store.models import Staff
from headcount.store.models_access import StaffGrant


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


def by_id(session: Session, staff_id: uuid.UUID) -> Staff | None:
    return session.get(Staff, staff_id)


def page_in_scope(
    session: Session,
    *,
    prefixes: Sequence[str] | None,
    roles: Sequence[str],
    limit: int,
    offset: int,
) -> tuple[list[Staff], int]:
    """Staff of ``roles`` with an area grant under one of ``prefixes`` (None: any), by name."""
    query = select(Staff).where(Staff.role.in_(list(roles)))
    if prefixes is not None:
        if not prefixes:
            return [], 0
        covered = or_(*(StaffGrant.value.startswith(p, autoescape=True) for p in prefixes))
        query = query.where(
            exists().where(StaffGrant.staff_id == Staff.id, StaffGrant.kind == "area", covered)
        )
    total = int(session.execute(select(func.count()).select_from(query.subquery())).scalar() or 0)
    rows = session.execute(query.order_by(Staff.username).limit(limit).offset(offset)).scalars()
    return list(rows), total
