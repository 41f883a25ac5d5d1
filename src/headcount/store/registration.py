"""Registering households: versioned, idempotent submissions through encryption and audit.

Every change inserts a new ``form_responses`` version (actor, time, coded answers in clear, PI in
one AEAD blob) and moves the household's ``current_version`` pointer; persons mirror the current
version with encrypted names and ID numbers plus the ID's blind index. A submission carries a
client UUID: the same UUID with the same payload returns the stored result, a different payload
is E1607 (409); an edit naming a version that is no longer current is E1606 (409).
The audit entry is written in the same transaction, so a change without its trace cannot commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.calendar import Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.store import records
from headcount.store.protector import Protector, household_scope
from headcount.store.queries import areas as area_queries
from headcount.store.queries import households as queries


@dataclass(frozen=True, slots=True)
class Submission:
    household_id: str  # unique in the census, from the household register
    small_area_code: str
    record: dict[str, Any]  # the shared household JSON
    submission_uuid: uuid.UUID
    replaces_version: int | None = None  # None: a new household


@dataclass(frozen=True, slots=True)
class SubmitResult:
    household_ref: uuid.UUID
    household_id: str
    version: int
    submission_uuid: uuid.UUID
    created: bool  # False: an identical retry, nothing was written


@dataclass(slots=True)
class _Prepared:
    household: dict[str, Any]
    response: dict[str, Any]
    persons: list[dict[str, Any]]
    identities: list[dict[str, Any]]


def submit(
    session: Session,
    protector: Protector,
    actor: Actor,
    submission: Submission,
    *,
    wave: str = "2020",
    clock: Clock | None = None,
) -> SubmitResult:
    """Register a new household or a new version of one (see the module docstring)."""
    now = (clock or SystemClock()).now().astimezone(UTC)
    record = records.check_shape(submission.record)
    canonical = records.canonical_json(record)
    with protector.bound(session):
        digest = protector.digest(canonical)
        earlier = queries.response_by_submission(session, submission.submission_uuid)
        if earlier is not None:
            return _replay(session, earlier, digest, submission)
        household = queries.by_household_id(session, submission.household_id, lock=True)
        current = household.current_version if household is not None else None
        if current != submission.replaces_version:
            # The version moved while this request waited for the household's lock. If the
            # request that moved it carried this very UUID (a retry racing its original), it is
            # visible now (READ COMMITTED: a new statement, a new snapshot): answer as a replay.
            winner = queries.response_by_submission(session, submission.submission_uuid)
            if winner is not None:
                return _replay(session, winner, digest, submission)
            raise HeadcountError(
                errors.VERSION_STALE,
                household=submission.household_id,
                current=current if current is not None else "none",
                given=submission.replaces_version
                if submission.replaces_version is not None
                else "none",
            )
        ref = household.id if household is not None else uuid.uuid4()
        scope = (
            household.scope
            if household is not None
            else household_scope(wave, submission.small_area_code)
        )
        version = (current or 0) + 1
        prepared = _prepare(protector, ref, scope, version, submission, record, digest, actor, now)
        try:
            with session.begin_nested():  # a savepoint: a lost race leaves the caller usable
                if household is None:
                    queries.insert_households(session, [prepared.household])
                else:
                    queries.delete_persons(session, ref)
                    summary = {k: prepared.household[k] for k in _SUMMARY}
                    queries.move_pointer(
                        session, ref, {**summary, "current_version": version, "updated_at": now}
                    )
                queries.insert_responses(session, [prepared.response])
                _link_identities(session, prepared)
                queries.insert_persons(session, prepared.persons)
        except IntegrityError as exc:
            # A concurrent writer won the race. If it was this very submission (a retry that
            # overtook itself on a flaky network), answer as for any identical retry.
            winner = queries.response_by_submission(session, submission.submission_uuid)
            if winner is not None:
                return _replay(session, winner, digest, submission)
            if household is None:
                _diagnose_new(session, submission, record)
            raise HeadcountError(errors.WRITE_CONFLICT, reason=_constraint(exc)) from None
        append(
            session,
            actor,
            AuditEvent(
                action="household.submit" if version == 1 else "household.edit",
                object=submission.household_id,
                detail={
                    "version": version,
                    "persons": len(prepared.persons),
                    "submission": str(submission.submission_uuid),
                },
            ),
            clock=clock,
        )
    return SubmitResult(ref, submission.household_id, version, submission.submission_uuid, True)


def register_batch(
    session: Session,
    protector: Protector,
    actor: Actor,
    batch: Sequence[Submission],
    *,
    wave: str = "2020",
    clock: Clock | None = None,
) -> tuple[int, int]:
    """Register many new households in the caller's transaction (the loader's path): same
    encryption and audit as ``submit``, bulk inserts, one audit entry for the batch.
    Households already present are skipped (a re-run load resumes). Returns (added, skipped)."""
    now = (clock or SystemClock()).now().astimezone(UTC)
    present = queries.existing_household_ids(session, (s.household_id for s in batch))
    areas = area_queries.existing_small_areas(session, (s.small_area_code for s in batch))
    todo = [s for s in batch if s.household_id not in present]
    prepared: list[_Prepared] = []
    with protector.bound(session):
        for submission in todo:
            if submission.small_area_code not in areas:
                raise HeadcountError(errors.SMALL_AREA_UNKNOWN, code=submission.small_area_code)
            record = records.check_shape(submission.record)
            canonical = records.canonical_json(record)
            scope = household_scope(wave, submission.small_area_code)
            prepared.append(
                _prepare(
                    protector,
                    uuid.uuid4(),
                    scope,
                    1,
                    submission,
                    record,
                    protector.digest(canonical),
                    actor,
                    now,
                )
            )
        if not prepared:
            return 0, len(batch)
        merged = _Prepared(
            household={},
            response={},
            persons=[p for item in prepared for p in item.persons],
            identities=[i for item in prepared for i in item.identities],
        )
        try:
            queries.insert_households(session, [item.household for item in prepared])
            queries.insert_responses(session, [item.response for item in prepared])
            _link_identities(session, merged)
            queries.insert_persons(session, merged.persons)
        except IntegrityError as exc:
            raise HeadcountError(errors.WRITE_CONFLICT, reason=_constraint(exc)) from None
        append(
            session,
            actor,
            AuditEvent(
                action="household.load",
                object=f"{prepared[0].household['household_id']}..{prepared[-1].household['household_id']}",
                detail={"households": len(prepared), "persons": len(merged.persons)},
            ),
            clock=clock,
        )
    return len(prepared), len(batch) - len(prepared)


def read(
    session: Session,
    protector: Protector,
    actor: Actor,
    household_id: str,
    *,
    version: int | None = None,
) -> dict[str, Any]:
    """The household record (current or given version) with its PI decrypted; audited as a read.

    Callers mask for display (privacy.masking) according to the actor's permissions.
    """
    household = queries.by_household_id(session, household_id)
    if household is None:
        raise HeadcountError(errors.HOUSEHOLD_NOT_FOUND, household=household_id)
    wanted = version or household.current_version
    response = queries.response(session, household.id, wanted)
    if response is None:
        raise HeadcountError(errors.HOUSEHOLD_NOT_FOUND, household=f"{household_id} v{wanted}")
    with protector.bound(session):
        append(
            session,
            actor,
            AuditEvent(action="household.read", object=household_id, detail={"version": wanted}),
        )
        pi = json.loads(
            protector.decrypt(
                response.pi_enc, table="form_responses", column="pi_enc", row_id=str(response.id)
            )
        )
    record = records.merge(response.answers, pi)
    record["version"] = wanted
    return record


_SUMMARY = (
    "form",
    "household_no",
    "household_type",
    "persons_present",
    "persons_hukou_here_absent",
    "key_id",
    "address_enc",
)


def _prepare(
    protector: Protector,
    ref: uuid.UUID,
    scope: str,
    version: int,
    submission: Submission,
    record: dict[str, Any],
    digest: bytes,
    actor: Actor,
    now: datetime,
) -> _Prepared:
    split = records.split(record)
    items = split.answers.get("items", {})
    response_id = uuid.uuid4()
    pi_enc = protector.encrypt(
        records.canonical_json(split.pi),
        scope=scope,
        table="form_responses",
        column="pi_enc",
        row_id=str(response_id),
    )
    key_id = protector.key_hex(pi_enc)
    address = split.pi["items"].get("address") or split.pi["items"].get("detailed_address")
    household = {
        "id": ref,
        "household_id": submission.household_id,
        "small_area_code": submission.small_area_code,
        "household_no": str(record.get("household_no") or "")[:8],
        "form": str(record.get("form") or "short")[:8],
        "scope": scope,
        "household_type": _count(items.get("household_type")),
        "persons_present": _count(items.get("persons_present")),
        "persons_hukou_here_absent": _count(items.get("persons_hukou_here_absent")),
        "current_version": version,
        "key_id": key_id,
        "address_enc": protector.encrypt(
            str(address), scope=scope, table="households", column="address_enc", row_id=str(ref)
        )
        if address
        else None,
        "destroy_after": None,
        "created_at": now,
        "updated_at": now,
    }
    response = {
        "id": response_id,
        "household_ref": ref,
        "version": version,
        "submission_uuid": submission.submission_uuid,
        "payload_digest": digest,
        "answers": split.answers,
        "key_id": key_id,
        "pi_enc": pi_enc,
        "actor": actor.id,
        "actor_role": actor.role,
        "submitted_at": now,
    }
    persons, identities = [], []
    for number, (clear, secret) in enumerate(
        zip(split.answers.get("persons", []), split.pi["persons"], strict=True), start=1
    ):
        person_id = uuid.uuid4()
        raw_id = secret.get("citizen_id")
        bidx = protector.citizen_index(str(raw_id)) if raw_id else None
        name_enc = protector.encrypt(
            str(secret.get("name") or ""),
            scope=scope,
            table="persons",
            column="name_enc",
            row_id=str(person_id),
        )
        persons.append(
            {
                "id": person_id,
                "household_ref": ref,
                "person_no": number,
                "scope": scope,
                "key_id": key_id,
                "name_enc": name_enc,
                "citizen_id_enc": protector.encrypt(
                    str(raw_id),
                    scope=scope,
                    table="persons",
                    column="citizen_id_enc",
                    row_id=str(person_id),
                )
                if raw_id
                else None,
                "citizen_id_bidx": bidx,
                "identity_id": None,
                "answers": clear,
                **records.person_columns(clear),
            }
        )
        if bidx is not None:
            identities.append(
                {"id": uuid.uuid4(), "citizen_id_bidx": bidx, "scope": scope, "created_at": now}
            )
    return _Prepared(household, response, persons, identities)


def _diagnose_new(session: Session, submission: Submission, record: dict[str, Any]) -> None:
    """Name the constraint a new household broke. The constraints themselves (the small area's
    foreign key, the unique 户编号 per small area) decide; asking first on every submission cost
    two round trips on the ingest path for what is rare."""
    if area_queries.small_area(session, submission.small_area_code) is None:
        raise HeadcountError(errors.SMALL_AREA_UNKNOWN, code=submission.small_area_code)
    number = str(record.get("household_no") or "")[:8]
    if queries.number_taken(session, submission.small_area_code, number):
        raise HeadcountError(
            errors.HOUSEHOLD_NUMBER_TAKEN,
            small_area=submission.small_area_code,
            household_no=number,
        )


def _link_identities(session: Session, prepared: _Prepared) -> None:
    """One identity per distinct ID number (UNIQUE blind index); raw person rows point at it."""
    found = queries.ensure_identities(session, prepared.identities)
    for person in prepared.persons:
        bidx = person["citizen_id_bidx"]
        person["identity_id"] = found.get(bidx) if bidx is not None else None


def _replay(session: Session, earlier: Any, digest: bytes, submission: Submission) -> SubmitResult:
    household = queries.by_ref(session, earlier.household_ref)
    same_household = household is not None and household.household_id == submission.household_id
    if bytes(earlier.payload_digest) != digest or not same_household:
        raise HeadcountError(errors.SUBMISSION_CONFLICT, submission=str(submission.submission_uuid))
    return SubmitResult(
        earlier.household_ref,
        submission.household_id,
        earlier.version,
        earlier.submission_uuid,
        False,
    )


def _count(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        raise HeadcountError(
            errors.SUBMISSION_INVALID, reason="a count or code is not a number"
        ) from None


def _constraint(exc: IntegrityError) -> str:
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else "constraint"
    # Constraint names only; never the row values a driver may quote.
    return text.split("DETAIL")[0][:160]
