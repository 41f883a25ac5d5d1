"""SQL for the append-only audit log. There is deliberately no update or delete function here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import AuditEntry


def next_seq(session: Session, *, first: int = 1) -> int:
    """The next sequence number, taken under the audit lock so there are no gaps (L2)."""
    Dialect.of(session).lock_audit(session)
    last = session.execute(select(func.max(AuditEntry.seq))).scalar()
    return first if last is None else int(last) + 1


def insert_entry(
    session: Session,
    *,
    seq: int,
    at: datetime,
    fields: dict[str, str],
    canonical: bytes,
    leaf_hash: bytes,
) -> None:
    session.execute(
        insert(AuditEntry).values(
            seq=seq, at=at, canonical=canonical, leaf_hash=leaf_hash, **fields
        )
    )


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
