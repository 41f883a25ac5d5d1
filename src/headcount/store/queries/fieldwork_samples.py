"""SQL for the long-form sample: its frame, the stored lists and the tasks they create."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.models import Household, Person
from headcount.store.models_fieldwork import LongFormSample, SampledHousehold


def current(session: Session, wave: str) -> LongFormSample | None:
    return session.execute(
        select(LongFormSample).where(LongFormSample.wave == wave, LongFormSample.state == "current")
    ).scalar_one_or_none()


def by_id(session: Session, sample_id: uuid.UUID) -> LongFormSample | None:
    return session.get(LongFormSample, sample_id)


def is_sampled(session: Session, sample_id: uuid.UUID, household_id: str) -> bool:
    return (
        session.execute(
            select(SampledHousehold.household_id).where(
                SampledHousehold.sample_id == sample_id,
                SampledHousehold.household_id == household_id,
            )
        ).first()
        is not None
    )


def long_forms_entered(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Household).where(Household.form == "long")
        ).scalar()
        or 0
    )


def frame(session: Session) -> Iterator[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(household_id, small_area_code, household_no, form, person answers or None), by household."""
    rows = session.execute(
        select(
            Household.household_id,
            Household.small_area_code,
            Household.household_no,
            Household.form,
            Person.answers,
        )
        .outerjoin(Person, Person.household_ref == Household.id)
        .order_by(Household.household_id, Person.person_no)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        yield row[0], row[1], row[2], row[3], row[4]


def add(session: Session, row: dict[str, Any], households: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(LongFormSample), [row])
    for start in range(0, len(households), 5000):
        session.execute(insert(SampledHousehold), list(households[start : start + 5000]))


def supersede(session: Session, sample_id: uuid.UUID) -> None:
    session.execute(
        update(LongFormSample).where(LongFormSample.id == sample_id).values(state="superseded")
    )


def page(
    session: Session, sample_id: uuid.UUID, census_area_code: str, after: int, limit: int
) -> list[SampledHousehold]:
    return list(
        session.execute(
            select(SampledHousehold)
            .where(
                SampledHousehold.sample_id == sample_id,
                SampledHousehold.census_area_code == census_area_code,
                SampledHousehold.position > after,
            )
            .order_by(SampledHousehold.position)
            .limit(limit)
        ).scalars()
    )
