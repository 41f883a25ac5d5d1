"""SQL for the imported administrative registers (register_imports, register_persons)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.models import table_of
from headcount.store.models_registers import RegisterImport, RegisterPerson

_CHUNK = 900  # stay under SQLite's bound-parameter limit


def live_import(session: Session, kind: str, sha256: str) -> RegisterImport | None:
    """The importing or complete import of this file, if any (at most one: partial UNIQUE)."""
    return session.execute(
        select(RegisterImport).where(
            RegisterImport.kind == kind,
            RegisterImport.file_sha256 == sha256,
            RegisterImport.state != "failed",
        )
    ).scalar_one_or_none()


def add_import(session: Session, row: dict[str, Any]) -> None:
    session.execute(insert(table_of(RegisterImport)), [row])


def touch_import(session: Session, import_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(RegisterImport).where(RegisterImport.id == import_id).values(heartbeat_at=at)
    )


def finish_import(session: Session, import_id: uuid.UUID, state: str, at: datetime) -> None:
    session.execute(
        update(RegisterImport)
        .where(RegisterImport.id == import_id)
        .values(state=state, heartbeat_at=at, finished_at=at)
    )


def present_record_ids(session: Session, kind: str, record_ids: Iterable[str]) -> list[str]:
    """Which of ``record_ids`` a register already holds (any import, any state), sorted."""
    wanted = sorted(set(record_ids))
    found: list[str] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.extend(
            session.execute(
                select(RegisterPerson.record_id).where(
                    RegisterPerson.kind == kind, RegisterPerson.record_id.in_(chunk)
                )
            ).scalars()
        )
    return sorted(found)


def insert_persons(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(RegisterPerson)), list(rows))


def count_of_import(session: Session, import_id: uuid.UUID) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(RegisterPerson)
            .where(RegisterPerson.import_id == import_id)
        ).scalar()
        or 0
    )


def delete_import_rows(session: Session, import_id: uuid.UUID) -> int:
    result = session.execute(delete(RegisterPerson).where(RegisterPerson.import_id == import_id))
    return int(getattr(result, "rowcount", 0) or 0)


def person(session: Session, kind: str, record_id: str) -> RegisterPerson | None:
    """A register record of a complete import (records of unfinished imports are invisible)."""
    return session.execute(
        select(RegisterPerson)
        .join(RegisterImport, RegisterImport.id == RegisterPerson.import_id)
        .where(
            RegisterPerson.kind == kind,
            RegisterPerson.record_id == record_id,
            RegisterImport.state == "complete",
        )
    ).scalar_one_or_none()


def by_citizen_index(session: Session, bidx: bytes) -> list[tuple[str, str]]:
    """(kind, record_id) of every register record of complete imports with this blind index."""
    rows = session.execute(
        select(RegisterPerson.kind, RegisterPerson.record_id)
        .join(RegisterImport, RegisterImport.id == RegisterPerson.import_id)
        .where(RegisterPerson.citizen_id_bidx == bidx, RegisterImport.state == "complete")
        .order_by(RegisterPerson.kind, RegisterPerson.record_id)
    ).all()
    return [(str(kind), str(record_id)) for kind, record_id in rows]


def counts(session: Session) -> dict[str, int]:
    """Records per register kind, complete imports only."""
    rows = session.execute(
        select(RegisterPerson.kind, func.count())
        .join(RegisterImport, RegisterImport.id == RegisterPerson.import_id)
        .where(RegisterImport.state == "complete")
        .group_by(RegisterPerson.kind)
    ).all()
    return {str(kind): int(n) for kind, n in rows}
