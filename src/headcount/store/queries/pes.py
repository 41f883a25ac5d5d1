"""SQL for the post-enumeration survey's sample: its frame, the stored draw and its areas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, insert, select
from sqlalchemy.orm import Session

from headcount.store.models import CensusArea, SmallArea
from headcount.store.models_fieldwork import RegisterEntry
from headcount.store.models_pes import PesSample, PesSampleArea
from headcount.store.queries.fieldwork import within


def frame(session: Session) -> list[Row[Any]]:
    """Every small area with its urban–rural class and measures of size: its own expected
    persons, and the persons and households its pre-registration register expects."""
    register = (
        select(
            RegisterEntry.small_area_code,
            func.sum(RegisterEntry.expected_persons).label("register_persons"),
            func.count().label("register_households"),
        )
        .group_by(RegisterEntry.small_area_code)
        .subquery()
    )
    return list(
        session.execute(
            select(
                SmallArea.code,
                CensusArea.urban_rural_class,
                SmallArea.expected_persons,
                register.c.register_persons,
                register.c.register_households,
            )
            .join(CensusArea, CensusArea.code == SmallArea.census_area_code)
            .outerjoin(register, register.c.small_area_code == SmallArea.code)
            .order_by(SmallArea.code)
        )
    )


def current(session: Session, wave: str) -> PesSample | None:
    return session.execute(select(PesSample).where(PesSample.wave == wave)).scalar_one_or_none()


def add(session: Session, sample: dict[str, Any], areas: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(PesSample), [sample])
    if areas:
        session.execute(insert(PesSampleArea), list(areas))


def areas(session: Session, sample_id: Any, prefixes: Sequence[str] | None) -> list[PesSampleArea]:
    return list(
        session.execute(
            select(PesSampleArea)
            .where(
                PesSampleArea.sample_id == sample_id,
                within(PesSampleArea.small_area_code, prefixes),
            )
            .order_by(PesSampleArea.small_area_code)
        ).scalars()
    )


__all__ = ["add", "areas", "current", "frame"]
