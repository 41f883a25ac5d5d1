"""Follow-up of the survey's unresolved cases in the field (issue 13, part 4).

``send`` opens one case per row of a matching's ``followup`` (``pes.followup.cases``; the
processing centre, ``processing.extract``, as for the quality's verification tasks), once: a case
already sent is not sent again. The survey enumerator of the case's small area sees her open
cases (``open_for``) and answers each (``answer``) with one of ``FOLLOWUP_ANSWERS``; the next
extract carries the answers (codes only) and the next matching applies them.

What a case shows, so the enumerator can ask the household: for a survey person the census
lacks, her own survey record (household number, person number, masked name, sex, birth); for a
census person the survey did not find, the census record's household number, person number,
masked name, sex and birth. This is the only census information a survey enumerator ever sees,
once the matching has run (the survey's count is over), and each such look is audited
(``pes.followup.read``).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC
from typing import Any

import polars as pl
from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Actor, Permission
from headcount.calendar import Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, prefixes, require, require_permission
from headcount.privacy.masking import mask_name
from headcount.store import pes_records, records
from headcount.store.models_pes import FOLLOWUP_ANSWERS, PesFollowup
from headcount.store.protector import Protector
from headcount.store.queries import pes as queries


class FollowupOut(BaseModel):
    followup_id: str
    kind: str  # p_nonmatch | e_unmatched
    small_area_code: str
    household_no: str
    person_no: int
    name_masked: str
    sex: int | None
    birth: str  # YYYY-MM, or "" when unknown


def _key(kind: str, household_id: str, person_no: int) -> str:
    return f"{kind}:{household_id}:{person_no}"


def send(
    session: Session,
    actor: Actor,
    cases: pl.DataFrame,
    *,
    run: str,
    clock: Clock | None = None,
    audit: AuditActor | None = None,
) -> dict[str, int]:
    """Open the cases not sent before; the count opened per kind."""
    require_permission(actor, Permission.processing_extract)
    rows = cases.select("kind", "household_id", "person_no", "small_area_code").rows()
    keys = [_key(k, h, int(n)) for k, h, n, _ in rows]
    sent = queries.followup_keys(session, keys)
    now = (clock or SystemClock()).now().astimezone(UTC)
    opened = dict.fromkeys(("p_nonmatch", "e_unmatched"), 0)
    new = []
    for (kind, household_id, person_no, area), key in zip(rows, keys, strict=True):
        if key in sent:
            continue
        sent.add(key)
        opened[kind] += 1
        new.append(
            {
                "id": uuid.uuid4(),
                "case_key": key,
                "kind": kind,
                "small_area_code": area,
                "household_id": household_id,
                "person_no": int(person_no),
                "match_run": run[:64],
                "created_at": now,
                "answer": None,
                "answered_by": None,
                "answered_at": None,
            }
        )
    queries.add_followups(session, new)
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("pes.followup.send", run[:64], detail=opened),
        clock=clock,
    )
    return opened


def open_for(
    session: Session, protector: Protector, actor: Actor, *, audit: AuditActor | None = None
) -> list[FollowupOut]:
    """The survey enumerator's open cases, each with what she needs to ask about it."""
    require_permission(actor, Permission.pes_register)
    rows = queries.followups_open(session, prefixes(actor))
    out = [_shown(session, protector, row) for row in rows]
    if any(r.kind == "e_unmatched" for r in rows):
        append(
            session,
            audit or audit_actor(actor),
            AuditEvent(
                "pes.followup.read",
                ",".join(sorted({r.small_area_code for r in rows}))[:200],
                detail={"census_persons": sum(1 for r in rows if r.kind == "e_unmatched")},
            ),
        )
    return out


def answer(
    session: Session,
    actor: Actor,
    followup_id: str,
    value: str,
    *,
    clock: Clock | None = None,
    audit: AuditActor | None = None,
) -> None:
    try:
        key = uuid.UUID(followup_id)
    except ValueError:
        raise HeadcountError(errors.PES_FOLLOWUP_NOT_FOUND, followup=followup_id[:40]) from None
    row = queries.followup(session, key, lock=True)
    require(
        actor,
        Permission.pes_register,
        row.small_area_code if row is not None else "",
        errors.PES_FOLLOWUP_NOT_FOUND,
        followup=followup_id[:40],
    )
    if row is None:
        raise HeadcountError(errors.PES_FOLLOWUP_NOT_FOUND, followup=followup_id[:40])
    if value not in FOLLOWUP_ANSWERS:
        raise HeadcountError(
            errors.PES_FOLLOWUP_ANSWER_INVALID,
            reason=f"choose one of {', '.join(FOLLOWUP_ANSWERS)}",
        )
    if row.answer is not None:
        raise HeadcountError(errors.PES_FOLLOWUP_ANSWER_INVALID, reason="already answered")
    row.answer = value
    row.answered_by = actor.staff_id
    row.answered_at = (clock or SystemClock()).now().astimezone(UTC)
    session.flush()
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent("pes.followup.answer", str(row.id), detail={"kind": row.kind, "answer": value}),
        clock=clock,
    )


def _shown(session: Session, protector: Protector, row: PesFollowup) -> FollowupOut:
    name, sex, birth, number = "", None, "", ""
    if row.kind == "p_nonmatch":
        household = queries.household(session, row.household_id)
        response = (
            queries.response(session, household.id, household.current_version)
            if household is not None
            else None
        )
        if household is not None and response is not None:
            number = household.household_no
            record = records.merge(
                response.answers,
                json.loads(pes_records.decrypt(protector, response.id, response.pi_enc)),
            )
            persons = record.get("persons") or []
            person: dict[str, Any] = (
                persons[row.person_no - 1] if 0 < row.person_no <= len(persons) else {}
            )
            name = mask_name(str(person.get("name") or ""))
            sex = _int(person.get("sex"))
            birth = str(person.get("birth_year_month") or "")
    else:
        found = queries.census_person(session, row.household_id, row.person_no)
        if found is not None:
            household, person_row = found
            number = household.household_no
            clear = protector.decrypt(
                person_row.name_enc, table="persons", column="name_enc", row_id=str(person_row.id)
            )
            name = mask_name(clear)
            sex = person_row.sex
            if person_row.birth_year and person_row.birth_month:
                birth = f"{person_row.birth_year:04d}-{person_row.birth_month:02d}"
    return FollowupOut(
        followup_id=str(row.id),
        kind=row.kind,
        small_area_code=row.small_area_code,
        household_no=number,
        person_no=row.person_no,
        name_masked=name,
        sex=sex,
        birth=birth,
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = ["FollowupOut", "answer", "open_for", "send"]
