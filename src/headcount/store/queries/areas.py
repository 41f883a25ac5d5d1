"""SQL for census areas (普查区) and small areas (普查小区)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import CensusArea, SmallArea


def add_census_areas(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert census areas; codes already present are left as they are (re-runnable loads)."""
    if rows:
        session.execute(Dialect.of(session).insert_ignore(CensusArea, "code"), list(rows))


def add_small_areas(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(Dialect.of(session).insert_ignore(SmallArea, "code"), list(rows))


def existing_small_areas(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(wanted), 900):  # stay under SQLite's bound-parameter limit
        chunk = wanted[start : start + 900]
        found.update(
            session.execute(select(SmallArea.code).where(SmallArea.code.in_(chunk))).scalars()
        )
    return found


def small_area(session: Session, code: str) -> SmallArea | None:
    return session.get(SmallArea, code)
