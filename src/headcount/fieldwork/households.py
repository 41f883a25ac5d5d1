"""Reading a registered household for the field and for review, masked per permission.

Responses list their fields explicitly. Names, ID numbers, phones and addresses are masked unless
the actor holds pi.view_full; free text is hidden. The store audits the read; a full view is
audited once more as such, so an auditor can list every unmasked look at personal data.

This module is also the one place that decides what staff see of a household's personal values
(``shown``, ``masked``, ``withheld``), for the JSON API and for the pages alike: the enumerator's
interview pages, the self-report views. A page that edits a household never puts a stored
personal value into an input; it shows it beside the field as ``shown`` says, and an input left
empty keeps the value on file (docs/privacy.md, "What staff see").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, require
from headcount.privacy.masking import DataClass, mask
from headcount.questionnaire.loader import get_form, reference_forms
from headcount.questionnaire.personal import personal_data
from headcount.questionnaire.schema import Form
from headcount.store import registration as store
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as queries
from headcount.store.queries import households as household_queries
from headcount.store.records import PI_KEYS

# How each personal key is masked, from the forms (questionnaire.personal): one definition.
_CLASSES: Mapping[str, DataClass] = personal_data(reference_forms()).masks


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


def shown(key: str, value: Any, granted: Iterable[str]) -> Any:
    """One value of a household as a staff member holding ``granted`` may see it: a personal
    value (a PI key of the store) masked by its data class, in clear only with pi.view_full."""
    if key in PI_KEYS and value is not None:
        return mask(str(value), _CLASSES.get(key, "free_text"), permissions=granted)
    return value


def masked(values: Mapping[str, Any], granted: Iterable[str]) -> dict[str, Any]:
    """A household section (its items, one person, one death) as ``shown`` shows it."""
    allowed = frozenset(granted)
    return {key: shown(key, value, allowed) for key, value in values.items()}


def withheld(form: Form, scope: Literal["person", "death"]) -> tuple[str, ...]:
    """The roster items whose stored values a page never puts into an input: the personal values
    (names, ID and document numbers, free text)."""
    if scope == "person":
        items = form.person_items
    else:
        items = form.death_items or (
            get_form(form.death_form).death_items if form.death_form else ()
        )
    return tuple(i.key for i in items if i.key in PI_KEYS or i.type == "id18")


def in_clear(actor: Actor) -> bool:
    """Whether ``shown`` gives this actor personal values in clear (a read to audit as such)."""
    return actor.has(Permission.pi_view_full)


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
        view = masked(person, granted)
        persons.append(
            PersonOut(
                person_no=number,
                name=str(view.pop("name", "") or ""),
                citizen_id=str(view.pop("citizen_id", "") or ""),
                answers=view,
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
        items=masked(dict(record.get("items", {})), granted),
        persons=persons,
        deaths=[masked(d, granted) for d in record.get("deaths", [])],
    )
