"""SQL for the post-enumeration survey: its sample (frame, draw, areas), its own households and
their versioned responses, and the staff its independence rule compares."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.models import CensusArea, Household, Person, SmallArea, Staff
from headcount.store.models_access import StaffGrant
from headcount.store.models_fieldwork import RegisterEntry
from headcount.store.models_pes import (
    PesFollowup,
    PesHousehold,
    PesResponse,
    PesSample,
    PesSampleArea,
)
from headcount.store.queries.fieldwork import within


def frame(session: Session) -> list[Row[Any]]:
    """Every small area with its urban–rural class and measures of size: its own expected
    persons, and the persons and households its pre-registration register expects."""
    register = (
        select(
            RegisterEntry.small_area_code,
            func.sum(RegisterEntry.expected_persons).label("register_persons"),
            func.count().label("register_households"),
        )
        .group_by(RegisterEntry.small_area_code)
        .subquery()
    )
    return list(
        session.execute(
            select(
                SmallArea.code,
                CensusArea.urban_rural_class,
                SmallArea.expected_persons,
                register.c.register_persons,
                register.c.register_households,
            )
            .join(CensusArea, CensusArea.code == SmallArea.census_area_code)
            .outerjoin(register, register.c.small_area_code == SmallArea.code)
            .order_by(SmallArea.code)
        )
    )


def current(session: Session, wave: str) -> PesSample | None:
    return session.execute(select(PesSample).where(PesSample.wave == wave)).scalar_one_or_none()


def add(session: Session, sample: dict[str, Any], areas: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(PesSample), [sample])
    if areas:
        session.execute(insert(PesSampleArea), list(areas))


def areas(session: Session, sample_id: Any, prefixes: Sequence[str] | None) -> list[PesSampleArea]:
    return list(
        session.execute(
            select(PesSampleArea)
            .where(
                PesSampleArea.sample_id == sample_id,
                within(PesSampleArea.small_area_code, prefixes),
            )
            .order_by(PesSampleArea.small_area_code)
        ).scalars()
    )


def is_sampled(session: Session, wave: str, small_area_code: str) -> bool:
    return (
        session.execute(
            select(PesSampleArea.id)
            .join(PesSample, PesSample.id == PesSampleArea.sample_id)
            .where(PesSample.wave == wave, PesSampleArea.small_area_code == small_area_code)
        ).first()
        is not None
    )


# --- the survey's households ------------------------------------------------------------------


def household(session: Session, household_id: str, *, lock: bool = False) -> PesHousehold | None:
    query = select(PesHousehold).where(PesHousehold.household_id == household_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def last_number(session: Session, small_area_code: str) -> int:
    """The highest PES household number of the area (P001 → 1), 0 for none."""
    numbers = session.execute(
        select(PesHousehold.household_no).where(PesHousehold.small_area_code == small_area_code)
    ).scalars()
    return max((int(n[1:]) for n in numbers if n[1:].isdigit()), default=0)


def add_household(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(PesHousehold), [row])


def households_in(session: Session, prefixes: Sequence[str] | None) -> list[PesHousehold]:
    return list(
        session.execute(
            select(PesHousehold)
            .where(within(PesHousehold.small_area_code, prefixes))
            .order_by(PesHousehold.small_area_code, PesHousehold.household_no)
        ).scalars()
    )


def response_by_submission(session: Session, submission_uuid: uuid.UUID) -> PesResponse | None:
    return session.execute(
        select(PesResponse).where(PesResponse.submission_uuid == submission_uuid)
    ).scalar_one_or_none()


def response(session: Session, household_ref: uuid.UUID, version: int) -> PesResponse | None:
    return session.execute(
        select(PesResponse).where(
            PesResponse.household_ref == household_ref, PesResponse.version == version
        )
    ).scalar_one_or_none()


def add_response(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(PesResponse), [row])


def move_pointer(session: Session, household_ref: uuid.UUID, values: dict[str, Any]) -> None:
    session.execute(update(PesHousehold).where(PesHousehold.id == household_ref).values(**values))


def current_responses(session: Session, *, after: str, limit: int) -> list[Row[Any]]:
    """A page of registered PES households with their current version (the extract's path)."""
    return list(
        session.execute(
            select(
                PesHousehold.household_id,
                PesHousehold.small_area_code,
                PesResponse.id,
                PesResponse.answers,
                PesResponse.pi_enc,
            )
            .join(
                PesResponse,
                (PesResponse.household_ref == PesHousehold.id)
                & (PesResponse.version == PesHousehold.current_version),
            )
            .where(PesHousehold.household_id > after)
            .order_by(PesHousehold.household_id)
            .limit(limit)
        )
    )


def sample_rows(session: Session, wave: str) -> list[PesSampleArea]:
    sample = current(session, wave)
    return [] if sample is None else areas(session, sample.id, None)


# --- follow-up of the matching's unresolved cases ---------------------------------------------


def followup_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(
            session.execute(
                select(PesFollowup.case_key).where(
                    PesFollowup.case_key.in_(list(keys[start : start + 500]))
                )
            ).scalars()
        )
    return found


def add_followups(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(PesFollowup), list(rows))


def followups_open(session: Session, prefixes: Sequence[str] | None) -> list[PesFollowup]:
    return list(
        session.execute(
            select(PesFollowup)
            .where(PesFollowup.answer.is_(None), within(PesFollowup.small_area_code, prefixes))
            .order_by(PesFollowup.small_area_code, PesFollowup.kind, PesFollowup.case_key)
        ).scalars()
    )


def followup(session: Session, followup_id: uuid.UUID, *, lock: bool = False) -> PesFollowup | None:
    query = select(PesFollowup).where(PesFollowup.id == followup_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def followup_answers(session: Session) -> list[tuple[str, str, int, str | None]]:
    """Every case sent, with its answer (None while open): the extract's ``pes_followups``."""
    return [
        (row[0], row[1], row[2], row[3])
        for row in session.execute(
            select(
                PesFollowup.kind,
                PesFollowup.household_id,
                PesFollowup.person_no,
                PesFollowup.answer,
            ).order_by(PesFollowup.case_key)
        )
    ]


def census_person(session: Session, household_id: str, person_no: int) -> tuple[Any, Any] | None:
    """A census person (and its household) a follow-up case names."""
    row = session.execute(
        select(Household, Person)
        .join(Person, Person.household_ref == Household.id)
        .where(Household.household_id == household_id, Person.person_no == person_no)
    ).first()
    return (row[0], row[1]) if row is not None else None


# --- independence: who else works the area ---------------------------------------------------


def staff_granted(
    session: Session, codes: Sequence[str], roles: Sequence[str]
) -> list[tuple[Staff, str]]:
    """Active accounts of ``roles`` holding one of the area ``codes`` (each with the code)."""
    if not codes:
        return []
    return [
        (row[0], row[1])
        for row in session.execute(
            select(Staff, StaffGrant.value)
            .join(StaffGrant, StaffGrant.staff_id == Staff.id)
            .where(
                StaffGrant.kind == "area",
                StaffGrant.value.in_(list(codes)),
                Staff.role.in_(list(roles)),
                Staff.disabled.is_(False),
            )
        )
    ]


__all__ = [
    "add",
    "add_followups",
    "add_household",
    "add_response",
    "areas",
    "census_person",
    "current",
    "current_responses",
    "followup",
    "followup_answers",
    "followup_keys",
    "followups_open",
    "frame",
    "household",
    "households_in",
    "is_sampled",
    "last_number",
    "move_pointer",
    "response",
    "response_by_submission",
    "sample_rows",
    "staff_granted",
]
