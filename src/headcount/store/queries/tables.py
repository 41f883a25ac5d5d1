"""Generic SQL over every table, for backup and restore (whole-table reads and inserts)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, tuple_
from sqlalchemy.orm import Session

from headcount.store.models import Base


def count(bind: Session | Connection, table: str) -> int:
    model = Base.metadata.tables[table]
    return int(bind.execute(select(func.count()).select_from(model)).scalar() or 0)


def iter_rows(bind: Connection, table: str, *, batch: int = 2000) -> Iterator[RowMapping]:
    """Every row in primary-key order, by keyset pagination (no OFFSET: linear in the table)."""
    model = Base.metadata.tables[table]
    keys = list(model.primary_key.columns)  # one column, or several (row-value comparison)
    query = select(model).order_by(*keys).limit(batch)
    last: tuple[Any, ...] | None = None
    while True:
        if last is None:
            page = query
        elif len(keys) == 1:
            page = query.where(keys[0] > last[0])
        else:
            page = query.where(tuple_(*keys) > tuple_(*last))
        rows = bind.execute(page).mappings().all()
        if not rows:
            return
        yield from rows
        last = tuple(rows[-1][key.name] for key in keys)


def insert_rows(session: Session, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Base.metadata.tables[table]), list(rows))
