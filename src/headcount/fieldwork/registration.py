"""Registering a household from the field: register check, questionnaire edits, versioned store.

The order matters: the household must be on the register of a small area the actor covers (404
otherwise, so other areas' numbers do not leak); its 户编号 is the register's; the questionnaire
engine runs (hard findings reject, soft ones need the confirmations carried in the record); then
``store.registration.submit`` writes the version idempotently by client UUID, and in the same
transaction the review status returns to ``submitted`` and the tasks the submission answers
(register, fix, long form) close. An identical retry changes nothing and returns the first result.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork import long_form
from headcount.fieldwork.scope import audit_actor, require
from headcount.questionnaire.engine import validate_household
from headcount.store import registration as store
from headcount.store.protector import Protector
from headcount.store.queries import fieldwork as queries

Channel = Literal["enumerator", "self_report"]
# Which open tasks a submission of each form answers.
_ANSWERS = {"short": ("register", "fix", "follow_up"), "hmtf": ("register", "fix", "follow_up")}
_ANSWERS_LONG = ("fix", "long_form")


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    submission_uuid: uuid.UUID
    replaces_version: StrictInt | None = Field(default=None, ge=1, le=2**31 - 1)
    record: dict[str, Any]


class SubmissionOut(BaseModel):
    household_id: str
    version: int
    submission_uuid: uuid.UUID
    created: bool  # False: an identical retry; nothing was written
    status: str


def require_accepted(
    record: dict[str, Any], household_id: str, *, allow_provisional: bool = False
) -> None:
    """The questionnaire's edits: hard findings and unconfirmed soft ones refuse (E2055, each
    blocking finding listed), whichever survey the record belongs to."""
    result = validate_household(record, allow_provisional=allow_provisional)
    if not result.accepted:
        raise HeadcountError(
            errors.SUBMISSION_FINDINGS,
            household=household_id,
            hard=len(result.hard),
            soft=len(result.unconfirmed),
            findings=[f.to_json() for f in result.findings if f.blocks],
        )


def submit(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    submission: SubmissionIn,
    *,
    channel: Channel = "enumerator",
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    allow_provisional: bool = False,
    audit: AuditActor | None = None,
) -> SubmissionOut:
    """Register a household or a new version of it (see the module docstring).

    ``allow_provisional`` enables forms whose text is not verified yet (the hmtf form, shipped
    behind a flag per forms-2020 §6); without it such a form is E1212."""
    entry = queries.entry_and_review(session, household_id)
    require(
        actor,
        Permission.household_register,
        entry.small_area_code if entry is not None else "",
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    record = dict(submission.record)
    given_no = record.get("household_no")
    if given_no is not None and str(given_no) != entry.household_no:
        raise HeadcountError(
            errors.HOUSEHOLD_NO_MISMATCH, household=household_id, expected=entry.household_no
        )
    record["household_no"] = entry.household_no
    record["household_id"] = household_id
    form = str(record.get("form") or "")
    review_status: str | None = entry.status
    if form == "long" and not long_form.is_sampled(session, household_id, calendar.wave):
        raise HeadcountError(errors.LONG_FORM_NOT_SAMPLED, household=household_id)
    if review_status == "approved" and submission.replaces_version:
        # An approved household is closed, except for the long form its sample asked for: the
        # draw comes after short-form registration, often after approval. Once answered (the
        # task closes), the long form goes to review like any new version.
        sampled_now = form == "long" and queries.has_open_task(session, household_id, "long_form")
        if not sampled_now:
            raise HeadcountError(errors.REGISTRATION_CLOSED, household=household_id)
    require_accepted(record, household_id, allow_provisional=allow_provisional)
    who = audit or audit_actor(actor)
    submission_in = store.Submission(
        household_id=household_id,
        small_area_code=entry.small_area_code,
        record=record,
        submission_uuid=submission.submission_uuid,
        replaces_version=submission.replaces_version,
    )
    # The store answers a retry racing its original as a replay itself (it looks the UUID up
    # again whenever it loses a race), so nothing here needs to retry.
    stored = store.submit(session, protector, who, submission_in, wave=calendar.wave, clock=clock)
    if stored.created:
        now = (clock or SystemClock()).now().astimezone(UTC)
        values = {
            "status": "submitted",
            "version": stored.version,
            "reason_code": None,
            "updated_by": actor.staff_id,
            "updated_at": now,
        }
        # The household row is locked by the store now: nobody changed its review meanwhile.
        if review_status is None:
            queries.add_review(
                session,
                {
                    "household_id": household_id,
                    "small_area_code": entry.small_area_code,
                    "channel": channel,
                    **values,
                },
            )
        else:
            queries.set_review(session, household_id, values)
        kinds = _ANSWERS_LONG if form == "long" else _ANSWERS.get(form, ("register", "fix"))
        queries.close_tasks(session, household_id, kinds, "done", now)
    status = "submitted" if stored.created or review_status is None else review_status
    return SubmissionOut(
        household_id=household_id,
        version=stored.version,
        submission_uuid=stored.submission_uuid,
        created=stored.created,
        status=status,
    )
