"""The post-enumeration survey's sample of small areas: one central, seeded, audited draw per wave.

Only the national office draws (``sample.draw``, a national scope), once per wave: a PES sample
that could be drawn again until it suited someone would not measure anything (E2164). The frame
is every small area with its measure of size — its expected persons, else what its
pre-registration register expects, else its households, else 1 (counted apart in the output, so
an office sees a frame drawn on poor sizes) — and ``pes.design`` draws it. The seed, the digest of
the list and the allocation per stratum are stored and audited; every sampled area keeps its
inclusion probability for the weighting of the estimate.

The sample is kept from census staff until the count has closed (short-form window): before then
only the national office may read it (E2165 for everyone else), so no enumerator works harder in
the areas the survey will check.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import Row
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.fieldwork.scope import audit_actor, prefixes, require_permission
from headcount.pes import design
from headcount.store.queries import pes as queries


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    areas: StrictInt = Field(ge=1, le=1_000_000)
    seed: StrictInt = Field(ge=0, le=2**31 - 1)


class StratumOut(BaseModel):
    stratum: str
    frame_areas: int
    frame_size: int
    allocated: int


class SampleOut(BaseModel):
    sample_id: uuid.UUID
    wave: str
    seed: int
    areas: int
    digest: str
    drawn_at: datetime
    strata: list[StratumOut]
    sized_by: dict[
        str, int
    ]  # how the frame's areas were sized: expected, register, households, none


class AreaOut(BaseModel):
    small_area_code: str
    stratum: str
    size: int
    inclusion_probability: float
    certainty: bool


def _sized(row: Row[Any]) -> tuple[design.FrameArea, str]:
    for size, how in (
        (row.expected_persons, "expected"),
        (row.register_persons, "register"),
        (row.register_households, "households"),
    ):
        if size:
            return design.FrameArea(row.code, int(size), row.urban_rural_class), how
    return design.FrameArea(row.code, 1, row.urban_rural_class), "none"


def _central(actor: Actor) -> bool:
    return actor.has(Permission.sample_draw) and SCOPE_WIDTH[actor.role] == 0


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
    if not _central(actor):  # a central draw: no province draws its own
        raise HeadcountError(errors.FORBIDDEN)
    existing = queries.current(session, calendar.wave)
    if existing is not None:
        raise HeadcountError(errors.PES_SAMPLE_EXISTS, wave=calendar.wave, sample=str(existing.id))
    sized = [_sized(row) for row in queries.frame(session)]
    sized_by = {how: 0 for how in ("expected", "register", "households", "none")}
    for _, how in sized:
        sized_by[how] += 1
    sample = design.draw((area for area, _ in sized), areas=request.areas, seed=request.seed)
    now = (clock or SystemClock()).now().astimezone(UTC)
    sample_id = uuid.uuid4()
    queries.add(
        session,
        {
            "id": sample_id,
            "wave": calendar.wave,
            "seed": request.seed,
            "areas": len(sample.areas),
            "digest": sample.digest,
            "drawn_by": actor.staff_id,
            "drawn_at": now,
        },
        [
            {
                "id": uuid.uuid4(),
                "sample_id": sample_id,
                "small_area_code": a.small_area_code,
                "stratum": a.stratum,
                "size": a.size,
                "inclusion_probability": a.inclusion_probability,
                "certainty": a.certainty,
            }
            for a in sample.areas
        ],
    )
    strata = [_stratum(s) for s in sample.strata]
    append(
        session,
        audit or audit_actor(actor),
        AuditEvent(
            "pes.draw",
            str(sample_id),
            detail={
                "wave": calendar.wave,
                "seed": request.seed,
                "areas": len(sample.areas),
                "digest": sample.digest,
                "strata": {s.stratum: s.allocated for s in strata},
                "sized_by": sized_by,
            },
        ),
        clock=clock,
    )
    return SampleOut(
        sample_id=sample_id,
        wave=calendar.wave,
        seed=request.seed,
        areas=len(sample.areas),
        digest=sample.digest,
        drawn_at=now,
        strata=strata,
        sized_by=sized_by,
    )


def _stratum(s: design.StratumDraw) -> StratumOut:
    return StratumOut(
        stratum=s.stratum, frame_areas=s.frame_areas, frame_size=s.frame_size, allocated=s.allocated
    )


def sampled_areas(
    session: Session,
    actor: Actor,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> list[AreaOut]:
    """The sampled areas the actor may see: all for the national office; for other staff, none
    before the count closes (E2165), then those of their areas (``progress.view``)."""
    sample = queries.current(session, calendar.wave)
    if _central(actor):
        scope: list[str] | None = None
    else:
        now = (clock or SystemClock()).now().astimezone(UTC)
        if now < calendar.short_form.closes:
            raise HeadcountError(errors.PES_SAMPLE_SECRET)
        require_permission(actor, Permission.progress_view)
        scope = prefixes(actor)
    if sample is None:
        return []
    return [
        AreaOut(
            small_area_code=a.small_area_code,
            stratum=a.stratum,
            size=a.size,
            inclusion_probability=a.inclusion_probability,
            certainty=a.certainty,
        )
        for a in queries.areas(session, sample.id, scope)
    ]


__all__ = ["AreaOut", "DrawIn", "SampleOut", "StratumOut", "draw", "sampled_areas"]
