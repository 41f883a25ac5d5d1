"""SQL for fieldwork: the household-head register, review status and field tasks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, false, func, insert, or_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from headcount.store.models import table_of
from headcount.store.models_fieldwork import FieldTask, HouseholdReview, RegisterEntry


def within(
    column: InstrumentedAttribute[str], prefixes: Sequence[str] | None
) -> ColumnElement[bool]:
    """``column`` lies under one of the area prefixes (None: everywhere, empty: nowhere)."""
    if prefixes is None:
        return true()
    if not prefixes:
        return false()
    return or_(*(column.startswith(p, autoescape=True) for p in prefixes))


# --- register ------------------------------------------------------------------------------


def entry_by_household_id(session: Session, household_id: str) -> RegisterEntry | None:
    return session.execute(
        select(RegisterEntry).where(RegisterEntry.household_id == household_id)
    ).scalar_one_or_none()


def entry_and_review(session: Session, household_id: str) -> Row[Any] | None:
    """What registering a household checks first, in one round trip and as a plain row: its
    register line (small area, 户编号) and its review status (None before the first version)."""
    entries, reviews = table_of(RegisterEntry), table_of(HouseholdReview)
    query = (
        select(entries.c.small_area_code, entries.c.household_no, reviews.c.status)
        .select_from(entries)
        .outerjoin(reviews, reviews.c.household_id == entries.c.household_id)
        .where(entries.c.household_id == household_id)
    )
    return cast("Row[Any] | None", session.execute(query).first())


def numbers_in(session: Session, small_area_code: str) -> list[str]:
    return list(
        session.execute(
            select(RegisterEntry.household_no).where(
                RegisterEntry.small_area_code == small_area_code
            )
        ).scalars()
    )


def expected_persons(session: Session, small_area_code: str) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(RegisterEntry.expected_persons), 0)).where(
                RegisterEntry.small_area_code == small_area_code
            )
        ).scalar()
        or 0
    )


def insert_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(RegisterEntry), list(rows))


def set_mode(session: Session, household_id: str, mode: str) -> None:
    session.execute(
        update(RegisterEntry).where(RegisterEntry.household_id == household_id).values(mode=mode)
    )


def entries_page(
    session: Session, small_area_code: str, after: str, limit: int
) -> list[RegisterEntry]:
    """Keyset pagination on household_no (unique within the small area)."""
    return list(
        session.execute(
            select(RegisterEntry)
            .where(
                RegisterEntry.small_area_code == small_area_code,
                RegisterEntry.household_no > after,
            )
            .order_by(RegisterEntry.household_no)
            .limit(limit)
        ).scalars()
    )


# --- review --------------------------------------------------------------------------------


def review(session: Session, household_id: str, *, lock: bool = False) -> HouseholdReview | None:
    query = select(HouseholdReview).where(HouseholdReview.household_id == household_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def add_review(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(table_of(HouseholdReview)), [row])


def set_review(session: Session, household_id: str, values: dict[str, Any]) -> None:
    session.execute(
        update(HouseholdReview).where(HouseholdReview.household_id == household_id).values(**values)
    )


def reviews_page(
    session: Session,
    prefixes: Sequence[str] | None,
    status: str,
    after: str,
    limit: int,
) -> list[HouseholdReview]:
    return list(
        session.execute(
            select(HouseholdReview)
            .where(
                within(HouseholdReview.small_area_code, prefixes),
                HouseholdReview.status == status,
                HouseholdReview.household_id > after,
            )
            .order_by(HouseholdReview.household_id)
            .limit(limit)
        ).scalars()
    )


# --- tasks ---------------------------------------------------------------------------------


def has_open_task(session: Session, household_id: str, kind: str) -> bool:
    found = session.execute(
        select(FieldTask.id)
        .where(
            FieldTask.household_id == household_id,
            FieldTask.kind == kind,
            FieldTask.state == "open",
        )
        .limit(1)
    ).first()
    return found is not None


def add_task(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(FieldTask), [row])


def add_tasks(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(FieldTask), list(rows))


def task(session: Session, task_id: uuid.UUID) -> FieldTask | None:
    return session.get(FieldTask, task_id)


def close_tasks(
    session: Session, household_id: str, kinds: Sequence[str], state: str, at: datetime
) -> int:
    table = table_of(FieldTask)
    result = session.execute(
        update(table)
        .where(
            table.c.household_id == household_id,
            table.c.kind.in_(list(kinds)),
            table.c.state == "open",
        )
        .values(state=state, closed_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_open_of_kind(session: Session, kind: str, at: datetime) -> None:
    session.execute(
        update(FieldTask)
        .where(FieldTask.kind == kind, FieldTask.state == "open")
        .values(state="cancelled", closed_at=at)
    )


def open_tasks_page(
    session: Session, prefixes: Sequence[str] | None, after: uuid.UUID | None, limit: int
) -> list[FieldTask]:
    query = select(FieldTask).where(
        within(FieldTask.small_area_code, prefixes), FieldTask.state == "open"
    )
    if after is not None:
        query = query.where(FieldTask.id > after)
    return list(session.execute(query.order_by(FieldTask.id).limit(limit)).scalars())
