"""SQL for the processing extract: approved households at their current version, the areas, the
imported registers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from headcount.store.models import CensusArea, FormResponse, Household, SmallArea
from headcount.store.models_fieldwork import HouseholdReview
from headcount.store.models_registers import RegisterImport, RegisterPerson


def approved_current(session: Session, *, after: str, limit: int) -> list[tuple[Any, ...]]:
    """A page of approved households whose approval is of the current version, by household_id.

    A household corrected after its approval (version moved on) is not approved any more: it waits
    for review again and stays out of the extract until then.
    """
    query = (
        select(
            Household.household_id,
            Household.small_area_code,
            Household.form,
            Household.household_no,
            FormResponse.id,
            FormResponse.answers,
            FormResponse.pi_enc,
        )
        .join(HouseholdReview, HouseholdReview.household_id == Household.household_id)
        .join(
            FormResponse,
            (FormResponse.household_ref == Household.id)
            & (FormResponse.version == Household.current_version),
        )
        .where(
            HouseholdReview.status == "approved",
            HouseholdReview.version == Household.current_version,
            Household.household_id > after,
        )
        .order_by(Household.household_id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query).all()]


def household_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Household)).scalar() or 0)


def areas(session: Session) -> list[tuple[Any, ...]]:
    """Every small area with its census area's county and urban–rural class."""
    query = (
        select(
            SmallArea.code,
            SmallArea.census_area_code,
            CensusArea.county_code,
            CensusArea.urban_rural_class,
        )
        .join(CensusArea, CensusArea.code == SmallArea.census_area_code)
        .order_by(SmallArea.code)
    )
    return [tuple(row) for row in session.execute(query).all()]


def register_page(session: Session, kind: str, *, after: str, limit: int) -> list[RegisterPerson]:
    """A page of one register's records of complete imports, by record id."""
    query = (
        select(RegisterPerson)
        .join(RegisterImport, RegisterImport.id == RegisterPerson.import_id)
        .where(
            RegisterPerson.kind == kind,
            RegisterImport.state == "complete",
            RegisterPerson.record_id > after,
        )
        .order_by(RegisterPerson.record_id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def has_registers(session: Session) -> bool:
    query = select(RegisterImport.id).where(RegisterImport.state == "complete").limit(1)
    return session.execute(query).first() is not None
