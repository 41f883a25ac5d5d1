"""Badge lookups for the public badge check: one staff member by badge number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.store.models import Staff
from headcount.store.models_access import StaffSecurity


def staff_by_badge(session: Session, badge_no: str) -> Staff | None:
    """The account holding ``badge_no``, or None (disabled accounts included: the caller says)."""
    statement = (
        select(Staff)
        .join(StaffSecurity, StaffSecurity.staff_id == Staff.id)
        .where(StaffSecurity.badge_no == badge_no)
    )
    return session.scalars(statement).first()
