"""SQL for reading the audit log page by page (the auditor's view); appending is in audit.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.store.models import AuditEntry


def page(
    session: Session, *, after_seq: int, limit: int, action: str | None = None
) -> list[AuditEntry]:
    """Entries after ``after_seq`` in sequence order (keyset paging: stable while the log grows)."""
    query = select(AuditEntry).where(AuditEntry.seq > after_seq)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.execute(query.order_by(AuditEntry.seq).limit(limit)).scalars())
