"""Reading a registered household for the field and for review, masked per permission.

Responses list their fields explicitly. Names, ID numbers, phones and addresses are masked unless
the actor holds pi.view_full; free text is hidden. The store audits the read; a full view is
audited once more as such, so an auditor can list every unmasked look at personal data.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, require
from headcount.privacy.masking import DataClass, mask
from headcount.store import registration as store
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as queries
from headcount.store.queries import households as household_queries
from headcount.store.records import PI_KEYS

_CLASSES: dict[str, DataClass] = {
    "name": "name",
    "respondent_name": "name",
    "citizen_id": "citizen_id",
    "phone": "phone",
    "address": "address",
    "detailed_address": "address",
}


class PersonOut(BaseModel):
    person_no: int
    name: str
    citizen_id: str
    answers: dict[str, Any]  # coded items only


class HouseholdOut(BaseModel):
    household_id: str
    small_area_code: str
    household_no: str
    form: str
    version: int
    status: str
    masked: bool
    items: dict[str, Any]
    persons: list[PersonOut]
    deaths: list[dict[str, Any]]


def _masked(values: dict[str, Any], granted: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in PI_KEYS and value is not None:
            out[key] = mask(str(value), _CLASSES.get(key, "free_text"), permissions=granted)
        else:
            out[key] = value
    return out


def read(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> HouseholdOut:
    household = household_queries.by_household_id(session, household_id)
    area = household.small_area_code if household is not None else ""
    require(
        actor, Permission.household_read, area, errors.HOUSEHOLD_NOT_FOUND, household=household_id
    )
    if household is None:
        raise HeadcountError(errors.HOUSEHOLD_NOT_FOUND, household=household_id)
    who = audit or audit_actor(actor)
    record = store.read(session, protector, who, household_id)
    granted = actor.permissions()
    full = Permission.pi_view_full in granted
    if full:
        append(session, who, AuditEvent(action="household.read_full", object=household_id))
    review = queries.review(session, household_id)
    persons = []
    for number, person in enumerate(record.get("persons", []), start=1):
        shown = _masked(person, granted)
        persons.append(
            PersonOut(
                person_no=number,
                name=str(shown.pop("name", "") or ""),
                citizen_id=str(shown.pop("citizen_id", "") or ""),
                answers=shown,
            )
        )
    return HouseholdOut(
        household_id=household_id,
        small_area_code=household.small_area_code,
        household_no=household.household_no,
        form=household.form,
        version=int(record["version"]),
        status=review.status if review is not None else "submitted",
        masked=not full,
        items=_masked(dict(record.get("items", {})), granted),
        persons=persons,
        deaths=[_masked(d, granted) for d in record.get("deaths", [])],
    )
