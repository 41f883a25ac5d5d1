"""SQL for census areas (普查区) and small areas (普查小区)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from headcount.store.dialect import Dialect
from headcount.store.models import CensusArea, SmallArea
from headcount.store.queries import chunks


def add_census_areas(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert census areas; codes already present are left as they are (re-runnable loads)."""
    if rows:
        session.execute(Dialect.of(session).insert_ignore(CensusArea, "code"), list(rows))


def add_small_areas(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(Dialect.of(session).insert_ignore(SmallArea, "code"), list(rows))


def existing_small_areas(session: Session, codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(codes):
        found.update(
            session.execute(select(SmallArea.code).where(SmallArea.code.in_(chunk))).scalars()
        )
    return found


def small_area(session: Session, code: str) -> SmallArea | None:
    return session.get(SmallArea, code)


def census_area(session: Session, code: str) -> CensusArea | None:
    return session.get(CensusArea, code)


def existing_census_areas(session: Session, codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(codes):
        found.update(
            session.execute(select(CensusArea.code).where(CensusArea.code.in_(chunk))).scalars()
        )
    return found


def census_areas_page(
    session: Session, prefixes: Sequence[str], *, limit: int, offset: int
) -> tuple[list[tuple[CensusArea, int]], int]:
    """Census areas under any of ``prefixes`` with their small-area counts, by code."""
    if not prefixes:
        return [], 0
    covered = or_(*(CensusArea.code.startswith(p, autoescape=True) for p in prefixes))
    total = int(
        session.execute(select(func.count()).select_from(CensusArea).where(covered)).scalar() or 0
    )
    counts = (
        select(SmallArea.census_area_code, func.count().label("n"))
        .group_by(SmallArea.census_area_code)
        .subquery()
    )
    rows = session.execute(
        select(CensusArea, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.census_area_code == CensusArea.code)
        .where(covered)
        .order_by(CensusArea.code)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row[0], int(row[1])) for row in rows], total


def small_areas_of(session: Session, census_area_code: str) -> list[SmallArea]:
    return list(
        session.execute(
            select(SmallArea)
            .where(SmallArea.census_area_code == census_area_code)
            .order_by(SmallArea.code)
        ).scalars()
    )
