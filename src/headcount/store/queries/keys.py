"""SQL for wrapped data keys and for finding the rows that still use a key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from headcount.store.models import Base, DataKeyRecord, Person, PersonIdentity
from headcount.store.models_registers import RegisterPerson


def _keyed_models() -> tuple[Any, ...]:
    """Every model with encrypted ``*_enc`` columns and the ``key_id`` that sealed them, read off
    the metadata: a table added later cannot be forgotten by rotation or by the in-use count that
    guards disabling a key (forgetting one would make its rows unreadable)."""
    found = [
        mapper.class_
        for mapper in Base.registry.mappers
        if "key_id" in mapper.local_table.c
        and any(c.name.endswith("_enc") for c in mapper.local_table.c)
    ]
    return tuple(sorted(found, key=lambda model: model.__tablename__))


def encrypted_columns(model: Any) -> tuple[str, ...]:
    return tuple(c.name for c in model.__table__.c if c.name.endswith("_enc"))


def row_id(model: Any, row: Any) -> str:
    """The row id the ciphertexts are bound to: the single-column primary key, as text."""
    (key,) = model.__mapper__.primary_key
    return str(getattr(row, model.__mapper__.get_property_by_column(key).key))


KEYED_MODELS: tuple[Any, ...] = _keyed_models()


def get(session: Session, key_id: str) -> DataKeyRecord | None:
    return session.get(DataKeyRecord, key_id)


def active_for(session: Session, scope: str, *, share_lock: bool = False) -> DataKeyRecord | None:
    query = select(DataKeyRecord).where(
        DataKeyRecord.scope == scope, DataKeyRecord.state == "active"
    )
    if share_lock:
        query = query.with_for_update(read=True)  # FOR SHARE on PostgreSQL; no-op on SQLite
    return session.execute(query).scalar_one_or_none()


def put(
    session: Session, *, key_id: str, scope: str, state: str, wrapped: bytes, created_at: datetime
) -> None:
    now = datetime.now(UTC)
    row = session.get(DataKeyRecord, key_id)
    if row is None:
        session.add(
            DataKeyRecord(
                key_id=key_id,
                scope=scope,
                state=state,
                wrapped=wrapped,
                created_at=created_at,
                changed_at=now,
            )
        )
    else:
        row.state, row.wrapped, row.changed_at = state, wrapped, now
    session.flush()


def set_state(session: Session, key_id: str, state: str) -> None:
    session.execute(
        update(DataKeyRecord)
        .where(DataKeyRecord.key_id == key_id)
        .values(state=state, changed_at=datetime.now(UTC))
    )


def listing(session: Session, scope: str | None = None) -> list[DataKeyRecord]:
    query = select(DataKeyRecord).order_by(DataKeyRecord.created_at, DataKeyRecord.key_id)
    if scope is not None:
        query = query.where(DataKeyRecord.scope == scope)
    return list(session.execute(query).scalars())


def scopes(session: Session) -> list[str]:
    return list(session.execute(select(DataKeyRecord.scope).distinct().order_by("scope")).scalars())


def rows_using(session: Session, key_id: str) -> int:
    """How many rows of every keyed table still carry ciphertext sealed by this key."""
    total = 0
    for model in KEYED_MODELS:
        total += int(
            session.execute(
                select(func.count()).select_from(model).where(model.key_id == key_id)
            ).scalar()
            or 0
        )
    return total


def batch_using(session: Session, model: Any, key_id: str, limit: int) -> Sequence[Any]:
    """The next rows of one table still on ``key_id`` (the re-encryption job's work list)."""
    return list(
        session.execute(
            select(model)
            .where(model.key_id == key_id)
            .order_by(*model.__mapper__.primary_key)
            .limit(limit)
        ).scalars()
    )


def clear_blind_indexes(session: Session, scope: str) -> int:
    """After a shred: drop the scope's citizen-ID blind indexes, which would still allow a
    holder of the index key to test a guessed ID against the destroyed records."""
    persons = session.execute(
        update(Person).where(Person.scope == scope).values(citizen_id_bidx=None)
    )
    session.execute(
        update(PersonIdentity).where(PersonIdentity.scope == scope).values(citizen_id_bidx=None)
    )
    session.execute(
        update(RegisterPerson).where(RegisterPerson.scope == scope).values(citizen_id_bidx=None)
    )
    return int(getattr(persons, "rowcount", 0) or 0)
