"""SQL for the append-only audit log. There is deliberately no update or delete function here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import AuditEntry, AuditPending, table_of


def stage(session: Session, *, at: datetime, fields: dict[str, str]) -> None:
    """Stage one entry in the caller's transaction (no lock: writers never wait for each other)."""
    session.execute(insert(table_of(AuditPending)).values(at=at, **fields))


def lock_and_last_seq(session: Session) -> int | None:
    """Take the audit lock (held to COMMIT) and read the last sequence number under it (L2)."""
    Dialect.of(session).lock_audit(session)
    last = session.execute(select(func.max(AuditEntry.seq))).scalar()
    return None if last is None else int(last)


def pending(session: Session, limit: int) -> list[Row[Any]]:
    """Committed staged entries, oldest first (call under the audit lock)."""
    columns = AuditPending.__table__.columns
    return list(session.execute(select(*columns).order_by(AuditPending.id).limit(limit)).all())


def has_pending(bind: Session | Connection) -> bool:
    return bind.execute(select(AuditPending.id).limit(1)).first() is not None


def pending_count(bind: Session | Connection) -> int:
    return int(bind.execute(select(func.count()).select_from(AuditPending)).scalar() or 0)


def move(session: Session, entries: list[dict[str, Any]], staged_ids: list[int]) -> None:
    """Insert numbered entries into the log and drop their staged rows, in one transaction."""
    session.execute(insert(table_of(AuditEntry)), entries)
    staged = table_of(AuditPending)
    session.execute(delete(staged).where(staged.c.id.in_(staged_ids)))


def size(bind: Session | Connection) -> int:
    return int(bind.execute(select(func.count()).select_from(AuditEntry)).scalar() or 0)


def iter_entries(bind: Session | Connection, *, batch: int = 5000) -> Iterator[Row[Any]]:
    """Every entry in sequence order as rows (attribute access), fetched in keyset batches."""
    columns = AuditEntry.__table__.columns
    after = -1
    while True:
        rows = bind.execute(
            select(*columns).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def by_action(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
        .scalars()
        .all()
    )
