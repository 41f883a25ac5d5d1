"""The post-enumeration survey in the field: listing, registering and following its households.

A PES enumerator (``pes.register``) works only the sampled small areas granted to her, only in the
survey's window (after the count has closed, E2203), and only the survey's own form (E2205). She
lists each household she finds (P001, P002 …), registers it with the PES form — the same
questionnaire engine as the census: hard findings refuse, soft ones need confirming — and may
change it in new versions until the window closes. What she writes goes to the survey's own tables
(``store.pes_records``): nothing of the census can be read or changed through here, and her role
holds no census permission, so the census pages refuse her too.

Progress (``progress``): per sampled area, households listed and registered, persons, and the
survey enumerators granted it — for the offices of the area (``progress.view``) once the count
has closed (the sample is secret before, E2165), and for the survey enumerator in her own areas.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.households import masked
from headcount.fieldwork.registration import SubmissionIn, require_accepted
from headcount.fieldwork.scope import audit_actor, prefixes, require
from headcount.store import pes_records
from headcount.store.models_pes import PesHousehold
from headcount.store.queries import pes as queries

FORM_ID = "pes"


class PesHouseholdOut(BaseModel):
    household_id: str
    small_area_code: str
    household_no: str
    version: int  # 0: listed, not registered yet
    persons: int
    updated_at: datetime


class PesSubmissionOut(BaseModel):
    household_id: str
    version: int
    submission_uuid: uuid.UUID
    created: bool  # False: an identical retry; nothing was written


class PesRecordOut(BaseModel):
    """A PES household's current answers as the API shows them: personal values masked."""

    household_id: str
    household_no: str
    version: int
    items: dict[str, Any]
    persons: list[dict[str, Any]]


class PesAreaProgress(BaseModel):
    small_area_code: str
    stratum: str
    households_listed: int
    households_registered: int
    persons: int
    enumerators: int


def _out(row: PesHousehold) -> PesHouseholdOut:
    return PesHouseholdOut(
        household_id=row.household_id,
        small_area_code=row.small_area_code,
        household_no=row.household_no,
        version=row.current_version,
        persons=row.persons,
        updated_at=row.updated_at,
    )


def _open(clock: Clock | None, calendar: CensusCalendar) -> None:
    now = (clock or SystemClock()).now()
    if not calendar.pes.contains(now):
        raise HeadcountError(
            errors.PES_WINDOW_CLOSED,
            opens=calendar.pes.opens.date().isoformat(),
            closes=(calendar.pes.closes.date()).isoformat(),
        )


def _sampled_area(session: Session, actor: Actor, code: str, calendar: CensusCalendar) -> None:
    require(actor, Permission.pes_register, code, errors.AREA_NOT_FOUND, code=code[:16])
    if not queries.is_sampled(session, calendar.wave, code):
        raise HeadcountError(errors.PES_AREA_NOT_SAMPLED, code=code[:16], wave=calendar.wave)


def _household(session: Session, actor: Actor, household_id: str) -> PesHousehold:
    """The PES household inside the actor's areas (404 otherwise: existence does not leak)."""
    row = queries.household(session, household_id)
    require(
        actor,
        Permission.pes_register,
        row.small_area_code if row is not None else "",
        errors.PES_HOUSEHOLD_NOT_FOUND,
        household=household_id[:40],
    )
    if row is None:
        raise HeadcountError(errors.PES_HOUSEHOLD_NOT_FOUND, household=household_id[:40])
    return row


def list_household(
    session: Session,
    actor: Actor,
    small_area_code: str,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> PesHouseholdOut:
    """Add the next household of a sampled area to the survey's list."""
    _sampled_area(session, actor, small_area_code, calendar)
    _open(clock, calendar)
    row = pes_records.list_household(
        session, audit or audit_actor(actor), small_area_code, wave=calendar.wave, clock=clock
    )
    return _out(row)


def submit(
    session: Session,
    protector: Any,
    actor: Actor,
    household_id: str,
    submission: SubmissionIn,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> PesSubmissionOut:
    """Register a listed PES household, or a new version of it, with the PES form."""
    row = _household(session, actor, household_id)
    _open(clock, calendar)
    record = dict(submission.record)
    form = str(record.get("form") or "")
    if form != FORM_ID:
        raise HeadcountError(errors.PES_FORM_ONLY, form=form[:16] or "none")
    given_no = record.get("household_no")
    if given_no is not None and str(given_no) != row.household_no:
        raise HeadcountError(
            errors.HOUSEHOLD_NO_MISMATCH, household=household_id, expected=row.household_no
        )
    record.update(household_no=row.household_no, household_id=household_id)
    require_accepted(record, household_id)
    stored = pes_records.submit(
        session,
        protector,
        audit or audit_actor(actor),
        household_id,
        record,
        submission.submission_uuid,
        submission.replaces_version,
        clock=clock,
    )
    return PesSubmissionOut(
        household_id=stored.household_id,
        version=stored.version,
        submission_uuid=stored.submission_uuid,
        created=stored.created,
    )


def read(
    session: Session,
    protector: Any,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> dict[str, Any]:
    """The household's current record for its enumerator to change (decrypted, audited)."""
    _household(session, actor, household_id)
    return pes_records.read(session, protector, audit or audit_actor(actor), household_id)


def shown(
    session: Session,
    protector: Any,
    actor: Actor,
    household_id: str,
    *,
    audit: AuditActor | None = None,
) -> PesRecordOut:
    """``read``, with every personal value masked as the actor's permissions show it."""
    record = read(session, protector, actor, household_id, audit=audit)
    granted = actor.permissions()
    return PesRecordOut(
        household_id=household_id,
        household_no=str(record.get("household_no") or ""),
        version=int(record.get("version") or 0),
        items=dict(record.get("items") or {}),
        persons=[masked(p, granted) for p in record.get("persons") or []],
    )


def households(session: Session, actor: Actor) -> list[PesHouseholdOut]:
    """The survey's households in the actor's areas (codes only)."""
    if not actor.has(Permission.pes_register):
        raise HeadcountError(errors.FORBIDDEN)
    return [_out(row) for row in queries.households_in(session, prefixes(actor))]


def progress(
    session: Session,
    actor: Actor,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> list[PesAreaProgress]:
    """Per sampled area in the actor's scope: listed and registered households, persons, and
    survey enumerators granted it."""
    if actor.has(Permission.pes_register):
        scope = prefixes(actor)
    elif actor.has(Permission.progress_view) and actor.role != Role.enumerator:
        if (clock or SystemClock()).now().astimezone(UTC) < calendar.short_form.closes:
            raise HeadcountError(errors.PES_SAMPLE_SECRET)
        scope = prefixes(actor)
    else:
        raise HeadcountError(errors.FORBIDDEN)
    areas = [
        a
        for a in queries.sample_rows(session, calendar.wave)
        if scope is None or any(a.small_area_code.startswith(p) for p in scope)
    ]
    codes = [a.small_area_code for a in areas]
    rows = queries.households_in(session, codes) if codes else []
    staff = queries.staff_granted(session, codes, [Role.pes_enumerator.value])
    out = []
    for area in areas:
        mine = [r for r in rows if r.small_area_code == area.small_area_code]
        out.append(
            PesAreaProgress(
                small_area_code=area.small_area_code,
                stratum=area.stratum,
                households_listed=len(mine),
                households_registered=sum(1 for r in mine if r.current_version > 0),
                persons=sum(r.persons for r in mine),
                enumerators=sum(1 for _, code in staff if code == area.small_area_code),
            )
        )
    return out


__all__ = [
    "FORM_ID",
    "PesAreaProgress",
    "PesHouseholdOut",
    "PesRecordOut",
    "PesSubmissionOut",
    "households",
    "list_household",
    "progress",
    "read",
    "shown",
    "submit",
]
