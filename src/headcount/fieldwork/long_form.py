"""The long-form sample service: one central, seeded, audited draw per wave (workflow-2020 §A5).

Only the national office draws. The frame is every registered household, with the reference's
exclusions computed from coded answers (never from decrypted data); ``fieldwork.sampling`` draws
10 % per census area. The seed and the list's digest are stored and audited; the list is never
edited (a substitution attempt is E2061). A redraw replaces the current sample only when the
national office asks for it explicitly and no long form has been entered yet. Every sampled
household gets a long-form task on its enumerator's list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork import sampling
from headcount.fieldwork.scope import audit_actor, page_size, require, require_permission
from headcount.store.models_fieldwork import LongFormSample
from headcount.store.queries import fieldwork as task_queries
from headcount.store.queries import fieldwork_samples as queries


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: StrictInt = Field(ge=0, le=2**31 - 1)
    redraw: StrictBool = False


class SampleOut(BaseModel):
    sample_id: uuid.UUID
    wave: str
    seed: int
    rate: str
    digest: str
    eligible: int
    selected: int
    state: str
    drawn_at: datetime
    excluded: dict[str, int]


class SampledOut(BaseModel):
    household_id: str
    small_area_code: str
    position: int
    weight: float


class SampledPage(BaseModel):
    census_area_code: str
    items: list[SampledOut]
    next_after: int | None


def is_sampled(session: Session, household_id: str, wave: str) -> bool:
    sample = queries.current(session, wave)
    return sample is not None and queries.is_sampled(session, sample.id, household_id)


def _frame(session: Session) -> Iterator[sampling.FrameHousehold]:
    last: tuple[str, str, str, str] | None = None
    persons: list[dict[str, Any]] = []

    def emit(key: tuple[str, str, str, str]) -> sampling.FrameHousehold:
        household_id, small_area, number, form = key
        household = {"household_no": number, "form": form, "persons": persons}
        return sampling.FrameHousehold(
            household_id=household_id,
            census_area_code=small_area[:12],
            small_area_code=small_area,
            household_no=number,
            exclusion=sampling.exclusion_of(household),
        )

    for household_id, small_area, number, form, answers in queries.frame(session):
        key = (household_id, small_area, number, form)
        if last is not None and key != last:
            yield emit(last)
            persons = []
        last = key
        if answers is not None:
            persons.append(answers)
    if last is not None:
        yield emit(last)


def draw(
    session: Session,
    actor: Actor,
    request: DrawIn,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    audit: AuditActor | None = None,
) -> SampleOut:
    require_permission(actor, Permission.sample_draw)
    if SCOPE_WIDTH[actor.role] != 0:  # a central draw: no provincial list of its own
        raise HeadcountError(errors.FORBIDDEN)
    now = (clock or SystemClock()).now().astimezone(UTC)
    existing = queries.current(session, calendar.wave)
    if existing is not None and (not request.redraw or queries.long_forms_entered(session)):
        raise HeadcountError(errors.SAMPLE_EXISTS, wave=calendar.wave, sample=str(existing.id))
    frame = list(_frame(session))
    sample = sampling.draw(frame, seed=request.seed)
    if sample.eligible == 0:
        raise HeadcountError(errors.SAMPLE_FRAME_EMPTY)
    if existing is not None:
        queries.supersede(session, existing.id)
        task_queries.cancel_open_of_kind(session, "long_form", now)
    sample_id = uuid.uuid4()
    small_area = {h.household_id: h.small_area_code for h in frame}
    chosen = [
        {
            "sample_id": sample_id,
            "household_id": household_id,
            "census_area_code": area.census_area_code,
            "small_area_code": small_area[household_id],
            "position": position,
            "weight_milli": round(area.weight * 1000),
        }
        for area in sample.areas
        for position, household_id in enumerate(area.selected, start=1)
    ]
    row = {
        "id": sample_id,
        "wave": calendar.wave,
        "seed": request.seed,
        "rate": str(sample.rate),
        "digest": sample.digest(),
        "eligible": sample.eligible,
        "selected": sample.selected,
        "state": "current",
        "drawn_by": actor.staff_id,
        "drawn_at": now,
    }
    queries.add(session, row, chosen)
    task_queries.add_tasks(
        session,
        [
            {
                "id": uuid.uuid4(),
                "small_area_code": c["small_area_code"],
                "household_id": c["household_id"],
                "kind": "long_form",
                "state": "open",
                "reason_code": None,
                "key_id": None,
                "comment_enc": None,
                "created_by": actor.staff_id,
                "created_at": now,
                "closed_at": None,
            }
            for c in chosen
        ],
    )
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            action="sample.redraw" if existing is not None else "sample.draw",
            object=str(sample_id),
            detail={
                "seed": request.seed,
                "digest": row["digest"],
                "eligible": sample.eligible,
                "selected": sample.selected,
                "replaces": str(existing.id) if existing is not None else None,
            },
        ),
        clock=clock,
    )
    return _out(LongFormSample(**row), dict(sample.excluded))


def get(session: Session, actor: Actor, sample_id: uuid.UUID) -> SampleOut:
    """The national summary (seed, digest, totals); other offices read their census areas' lists."""
    require_permission(actor, Permission.sample_draw)
    found = queries.by_id(session, sample_id)
    if found is None:
        raise HeadcountError(errors.SAMPLE_NOT_FOUND, sample=str(sample_id))
    return _out(found, {})


def households(
    session: Session,
    actor: Actor,
    sample_id: uuid.UUID,
    census_area_code: str,
    *,
    after: int = 0,
    limit: int | None = None,
) -> SampledPage:
    """One census area's list (what each 普查区 receives); household ids only, no PI."""
    require(
        actor,
        Permission.progress_view,
        census_area_code,
        errors.AREA_NOT_FOUND,
        code=census_area_code,
    )
    if queries.by_id(session, sample_id) is None:
        raise HeadcountError(errors.SAMPLE_NOT_FOUND, sample=str(sample_id))
    size = page_size(limit)
    rows = queries.page(session, sample_id, census_area_code, after, size)
    return SampledPage(
        census_area_code=census_area_code,
        items=[
            SampledOut(
                household_id=r.household_id,
                small_area_code=r.small_area_code,
                position=r.position,
                weight=r.weight_milli / 1000,
            )
            for r in rows
        ],
        next_after=rows[-1].position if len(rows) == size else None,
    )


def substitute(session: Session, actor: Actor, sample_id: uuid.UUID) -> None:
    """No substitution is allowed (workflow-2020 §A5): always a catalogued refusal."""
    require_permission(actor, Permission.sample_draw)
    if queries.by_id(session, sample_id) is None:
        raise HeadcountError(errors.SAMPLE_NOT_FOUND, sample=str(sample_id))
    raise HeadcountError(errors.SAMPLE_IMMUTABLE, sample=str(sample_id))


def _out(sample: LongFormSample, excluded: dict[str, int]) -> SampleOut:
    return SampleOut(
        sample_id=sample.id,
        wave=sample.wave,
        seed=sample.seed,
        rate=sample.rate,
        digest=sample.digest,
        eligible=sample.eligible,
        selected=sample.selected,
        state=sample.state,
        drawn_at=sample.drawn_at,
        excluded=excluded,
    )
