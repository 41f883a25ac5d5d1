"""SQL for households, their versioned form responses, persons and person identities."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import FormResponse, Household, Person, PersonIdentity, table_of
from headcount.store.queries import chunks


def by_household_id(session: Session, household_id: str, *, lock: bool = False) -> Household | None:
    query = select(Household).where(Household.household_id == household_id)
    if lock:
        query = query.with_for_update()  # PostgreSQL row lock; SQLite already has one writer
    return session.execute(query).scalar_one_or_none()


def by_ref(session: Session, household_ref: uuid.UUID) -> Household | None:
    return session.get(Household, household_ref)


def number_taken(session: Session, small_area_code: str, household_no: str) -> bool:
    return (
        session.execute(
            select(Household.id).where(
                Household.small_area_code == small_area_code,
                Household.household_no == household_no,
            )
        ).first()
        is not None
    )


def existing_household_ids(session: Session, household_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(household_ids):
        found.update(
            session.execute(
                select(Household.household_id).where(Household.household_id.in_(chunk))
            ).scalars()
        )
    return found


def response_by_submission(
    session: Session, submission_uuid: uuid.UUID
) -> Row[uuid.UUID, int, uuid.UUID, bytes] | None:
    """What a replay needs of an earlier submission (household, version, digest), or None."""
    return session.execute(
        select(
            FormResponse.household_ref,
            FormResponse.version,
            FormResponse.submission_uuid,
            FormResponse.payload_digest,
        ).where(FormResponse.submission_uuid == submission_uuid)
    ).first()


def response(session: Session, household_ref: uuid.UUID, version: int) -> FormResponse | None:
    return session.execute(
        select(FormResponse).where(
            FormResponse.household_ref == household_ref, FormResponse.version == version
        )
    ).scalar_one_or_none()


def versions(session: Session, household_ref: uuid.UUID) -> list[FormResponse]:
    return list(
        session.execute(
            select(FormResponse)
            .where(FormResponse.household_ref == household_ref)
            .order_by(FormResponse.version)
        ).scalars()
    )


# Inserts go to the tables (Core), not through the ORM's bulk path: the rows are complete dicts
# and nothing is loaded back, so the ORM's per-row bookkeeping is pure cost on the ingest path.
def insert_households(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(Household)), list(rows))


def insert_responses(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(FormResponse)), list(rows))


def insert_persons(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(Person)), list(rows))


def move_pointer(session: Session, household_ref: uuid.UUID, values: dict[str, Any]) -> None:
    """Point the household at its new current version and refresh its coded summary columns."""
    session.execute(update(Household).where(Household.id == household_ref).values(**values))


def delete_persons(session: Session, household_ref: uuid.UUID) -> None:
    """Persons mirror the current version; earlier versions stay in form_responses."""
    session.execute(delete(Person).where(Person.household_ref == household_ref))


def persons_of(session: Session, household_ref: uuid.UUID) -> list[Person]:
    return list(
        session.execute(
            select(Person).where(Person.household_ref == household_ref).order_by(Person.person_no)
        ).scalars()
    )


def persons_by_citizen_index(session: Session, bidx: bytes) -> list[Person]:
    """Every raw person record with this blind index: lookup by ID without decrypting anything."""
    return list(session.execute(select(Person).where(Person.citizen_id_bidx == bidx)).scalars())


def identity_by_index(session: Session, bidx: bytes) -> PersonIdentity | None:
    return session.execute(
        select(PersonIdentity).where(PersonIdentity.citizen_id_bidx == bidx)
    ).scalar_one_or_none()


def ensure_identities(session: Session, rows: Sequence[dict[str, Any]]) -> dict[bytes, uuid.UUID]:
    """Insert identities whose blind index is new (UNIQUE decides), return index → identity id."""
    if not rows:
        return {}
    session.execute(
        Dialect.of(session).insert_ignore(PersonIdentity, "citizen_id_bidx"), list(rows)
    )
    found: dict[bytes, uuid.UUID] = {}
    for chunk in chunks(row["citizen_id_bidx"] for row in rows):
        for bidx, identity_id in session.execute(
            select(PersonIdentity.citizen_id_bidx, PersonIdentity.id).where(
                PersonIdentity.citizen_id_bidx.in_(chunk)
            )
        ):
            if bidx is not None:
                found[bytes(bidx)] = identity_id
    return found


def count_households(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Household)).scalar() or 0)


def count_persons(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Person)).scalar() or 0)


def citizen_indexes(session: Session, household_ids: Sequence[str]) -> set[bytes]:
    """The citizen-ID blind indexes of the persons of these households (current versions)."""
    found: set[bytes] = set()
    for chunk in chunks(household_ids):
        found.update(
            b
            for b in session.execute(
                select(Person.citizen_id_bidx)
                .join(Household, Household.id == Person.household_ref)
                .where(Household.household_id.in_(chunk))
            ).scalars()
            if b is not None
        )
    return found
