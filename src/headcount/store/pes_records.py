"""The post-enumeration survey's records: listed, then registered in versions, apart from the
census.

A PES household is listed first (``list_household``: the next number P001, P002 … of the small
area, version 0), then registered and changed by versioned, idempotent submissions as census
households are (``store.registration``): the same client UUID with the same payload answers the
stored result, another payload is E1607; a version that is no longer current is E1606. Coded
answers stay in clear, the personal values are one AEAD blob under the small area's key, bound to
``pes_responses``; the audit entry is written in the same transaction. Nothing here touches a
census table.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.calendar import Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.store import records
from headcount.store.models_pes import PesHousehold
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import pes as queries

_TABLE = "pes_responses"


@dataclass(frozen=True, slots=True)
class Stored:
    household_id: str
    version: int
    submission_uuid: uuid.UUID
    created: bool  # False: an identical retry, nothing was written


def pes_household_id(small_area_code: str, number: int) -> str:
    """``<small area>P<nnn>``: never a census 户编号 (those are digits only)."""
    return f"{small_area_code}P{number:03d}"


def list_household(
    session: Session, actor: Actor, small_area_code: str, *, wave: str, clock: Clock | None = None
) -> PesHousehold:
    """A new PES household of the area with the next free number (a lost race takes the next)."""
    now = (clock or SystemClock()).now().astimezone(UTC)
    for _ in range(5):
        number = queries.last_number(session, small_area_code) + 1
        if number > 999:
            raise HeadcountError(errors.PES_AREA_FULL, small_area=small_area_code)
        household_id = pes_household_id(small_area_code, number)
        row: dict[str, Any] = {
            "id": uuid.uuid4(),
            "household_id": household_id,
            "small_area_code": small_area_code,
            "household_no": f"P{number:03d}",
            "scope": household_scope(wave, small_area_code),
            "current_version": 0,
            "persons": 0,
            "created_by": actor.id,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with session.begin_nested():
                queries.add_household(session, row)
        except IntegrityError:
            continue
        append(session, actor, AuditEvent("pes.list", household_id), clock=clock)
        found = queries.household(session, household_id)
        assert found is not None
        return found
    raise HeadcountError(errors.WRITE_CONFLICT, reason="PES household number")


def submit(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    record: dict[str, Any],
    submission_uuid: uuid.UUID,
    replaces_version: int | None,
    *,
    clock: Clock | None = None,
) -> Stored:
    """Register a listed PES household (``replaces_version`` None) or a new version of it."""
    now = (clock or SystemClock()).now().astimezone(UTC)
    record = records.check_shape(record)
    with protector.bound(session):
        digest = protector.digest(records.canonical_json(record))
        earlier = queries.response_by_submission(session, submission_uuid)
        if earlier is not None:
            return _replay(session, earlier, digest, household_id)
        household = queries.household(session, household_id, lock=True)
        if household is None:
            raise HeadcountError(errors.PES_HOUSEHOLD_NOT_FOUND, household=household_id)
        expected = household.current_version or None
        if replaces_version != expected:
            raise HeadcountError(
                errors.VERSION_STALE,
                household=household_id,
                current=expected if expected is not None else "none",
                given=replaces_version if replaces_version is not None else "none",
            )
        version = household.current_version + 1
        split = records.split(record)
        response_id = uuid.uuid4()
        pi_enc = protector.encrypt(
            records.canonical_json(split.pi),
            scope=household.scope,
            table=_TABLE,
            column="pi_enc",
            row_id=str(response_id),
        )
        try:
            with session.begin_nested():
                queries.add_response(
                    session,
                    {
                        "id": response_id,
                        "household_ref": household.id,
                        "version": version,
                        "submission_uuid": submission_uuid,
                        "payload_digest": digest,
                        "answers": split.answers,
                        "key_id": protector.key_hex(pi_enc),
                        "pi_enc": pi_enc,
                        "actor": actor.id,
                        "actor_role": actor.role,
                        "submitted_at": now,
                    },
                )
                queries.move_pointer(
                    session,
                    household.id,
                    {
                        "current_version": version,
                        "persons": len(split.answers.get("persons", [])),
                        "updated_at": now,
                    },
                )
        except IntegrityError:
            winner = queries.response_by_submission(session, submission_uuid)
            if winner is not None:
                return _replay(session, winner, digest, household_id)
            raise HeadcountError(errors.WRITE_CONFLICT, reason="PES response") from None
        append(
            session,
            actor,
            AuditEvent(
                "pes.submit" if version == 1 else "pes.edit",
                household_id,
                detail={
                    "version": version,
                    "persons": len(split.answers.get("persons", [])),
                    "submission": str(submission_uuid),
                },
            ),
            clock=clock,
        )
    return Stored(household_id, version, submission_uuid, True)


def read(session: Session, protector: Protector, actor: Actor, household_id: str) -> dict[str, Any]:
    """The current version with its personal values decrypted; audited as a read."""
    household = queries.household(session, household_id)
    if household is None:
        raise HeadcountError(errors.PES_HOUSEHOLD_NOT_FOUND, household=household_id)
    response = queries.response(session, household.id, household.current_version)
    if response is None:  # listed, nothing registered yet
        return {"form": "pes", "household_no": household.household_no, "version": 0}
    with protector.bound(session):
        append(
            session,
            actor,
            AuditEvent("pes.read", household_id, detail={"version": response.version}),
        )
        pi = json.loads(decrypt(protector, response.id, response.pi_enc))
    record = records.merge(response.answers, pi)
    record["version"] = response.version
    return record


def decrypt(protector: Protector, response_id: uuid.UUID, pi_enc: bytes) -> str:
    """A response's personal values (for ``read`` and the extract; the caller audits)."""
    return protector.decrypt(pi_enc, table=_TABLE, column="pi_enc", row_id=str(response_id))


def _replay(session: Session, earlier: Any, digest: bytes, household_id: str) -> Stored:
    household = session.get(PesHousehold, earlier.household_ref)
    same = household is not None and household.household_id == household_id
    if bytes(earlier.payload_digest) != digest or not same:
        raise HeadcountError(errors.SUBMISSION_CONFLICT, submission=str(earlier.submission_uuid))
    return Stored(household_id, earlier.version, earlier.submission_uuid, False)


__all__ = ["Stored", "decrypt", "list_household", "pes_household_id", "read", "submit"]
