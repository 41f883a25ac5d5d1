"""Generic SQL over every table, for backup and restore (whole-table reads and inserts)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select
from sqlalchemy.orm import Session

from headcount.store.models import Base


def count(bind: Session | Connection, table: str) -> int:
    model = Base.metadata.tables[table]
    return int(bind.execute(select(func.count()).select_from(model)).scalar() or 0)


def iter_rows(bind: Connection, table: str, *, batch: int = 2000) -> Iterator[RowMapping]:
    """Every row in primary-key order, by keyset pagination (no OFFSET: linear in the table)."""
    model = Base.metadata.tables[table]
    (key,) = model.primary_key.columns  # every table here has a one-column primary key
    query = select(model).order_by(key).limit(batch)
    last: Any = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = bind.execute(page).mappings().all()
        if not rows:
            return
        yield from rows
        last = rows[-1][key.name]


def insert_rows(session: Session, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Base.metadata.tables[table]), list(rows))
