"""SQL for progress: GROUP BY on coded columns (area code prefixes, status, channel), never PI."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from headcount.store.models import Household
from headcount.store.models_fieldwork import FieldTask, HouseholdReview, RegisterEntry
from headcount.store.queries.fieldwork import within


def register_counts(session: Session, prefix: str, width: int) -> dict[str, tuple[int, int]]:
    """child code → (households expected, persons expected) from the register."""
    child = func.substr(RegisterEntry.small_area_code, 1, width)
    rows = session.execute(
        select(child, func.count(), func.coalesce(func.sum(RegisterEntry.expected_persons), 0))
        .where(RegisterEntry.small_area_code.startswith(prefix, autoescape=True))
        .group_by(child)
    )
    return {str(code): (int(n), int(persons)) for code, n, persons in rows}


def household_counts(session: Session, prefix: str, width: int) -> dict[str, int]:
    child = func.substr(Household.small_area_code, 1, width)
    rows = session.execute(
        select(child, func.count())
        .where(Household.small_area_code.startswith(prefix, autoescape=True))
        .group_by(child)
    )
    return {str(code): int(n) for code, n in rows}


def review_counts(session: Session, prefix: str, width: int) -> dict[tuple[str, str, str], int]:
    """(child code, status, channel) → households."""
    child = func.substr(HouseholdReview.small_area_code, 1, width)
    rows = session.execute(
        select(child, HouseholdReview.status, HouseholdReview.channel, func.count())
        .where(HouseholdReview.small_area_code.startswith(prefix, autoescape=True))
        .group_by(child, HouseholdReview.status, HouseholdReview.channel)
    )
    return {(str(code), str(status), str(channel)): int(n) for code, status, channel, n in rows}


def unregistered_self_reports(
    session: Session, prefixes: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(household_id, small_area_code) of self-report lines with no household and no follow-up."""
    follow_up = (
        select(FieldTask.id)
        .where(
            FieldTask.household_id == RegisterEntry.household_id,
            FieldTask.kind == "follow_up",
        )
        .exists()
    )
    rows = session.execute(
        select(RegisterEntry.household_id, RegisterEntry.small_area_code)
        .outerjoin(Household, Household.household_id == RegisterEntry.household_id)
        .where(
            and_(
                RegisterEntry.mode == "self_report",
                Household.id.is_(None),
                ~follow_up,
                within(RegisterEntry.small_area_code, prefixes),
            )
        )
        .order_by(RegisterEntry.household_id)
    )
    return [(str(h), str(s)) for h, s in rows]
