"""The post-enumeration survey (issue 13): its sample of small areas and its own records.

``pes_samples`` holds the draw (seed, digest, who, when); ``pes_sample_areas`` each sampled small
area with its stratum, measure of size and inclusion probability, kept for the weighting of the
estimate. Codes only: nothing personal.

``pes_households`` and ``pes_responses`` hold what the PES enumerators register: tables apart from
the census's ``households`` and ``form_responses``, so no PES record can change a census record
and no census query (review, progress, extract of the census) can see one. They are versioned and
encrypted exactly as the census's: coded answers in clear, the personal values in one AEAD blob
under the small area's key (so shredding the area destroys both surveys' originals).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base
from headcount.store.types import UTCDateTime, json_type


class PesSample(Base):
    __tablename__ = "pes_samples"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    wave: Mapped[str] = mapped_column(String(8), unique=True)  # one draw per wave, never redrawn
    seed: Mapped[int] = mapped_column(Integer)
    areas: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PesSampleArea(Base):
    __tablename__ = "pes_sample_areas"
    __table_args__ = (UniqueConstraint("sample_id", "small_area_code"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    sample_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pes_samples.id"), index=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    stratum: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    inclusion_probability: Mapped[float] = mapped_column(Float)
    certainty: Mapped[bool] = mapped_column(Boolean)


class PesHousehold(Base):
    """A household the PES enumerator found in a sampled small area (numbered P001, P002 …)."""

    __tablename__ = "pes_households"
    __table_args__ = (UniqueConstraint("small_area_code", "household_no"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), unique=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    household_no: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(96))
    current_version: Mapped[int] = mapped_column(Integer)  # 0: listed, nothing registered yet
    persons: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PesResponse(Base):
    """One version of a PES household's answers. Never updated: a change is a new version."""

    __tablename__ = "pes_responses"
    __table_args__ = (UniqueConstraint("household_ref", "version"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_ref: Mapped[uuid.UUID] = mapped_column(ForeignKey("pes_households.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    submission_uuid: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True)
    payload_digest: Mapped[bytes] = mapped_column(LargeBinary)
    answers: Mapped[dict[str, Any]] = mapped_column(json_type())
    key_id: Mapped[str] = mapped_column(String(64))
    pi_enc: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


FOLLOWUP_KINDS = ("p_nonmatch", "e_unmatched")
FOLLOWUP_ANSWERS = ("resident", "not_resident", "not_exist", "not_found")


class PesFollowup(Base):
    """A case the matching could not settle, sent back to the survey's enumerator of the area:
    a survey person the census lacks (``p_nonmatch``: did she live here at the standard time
    point?) or a census person the survey did not find (``e_unmatched``: did he live here, does
    he exist?). Codes and references only; the answer decides the case at the next matching."""

    __tablename__ = "pes_followups"
    __table_args__ = (
        CheckConstraint(_in("kind", FOLLOWUP_KINDS), name="kind"),
        CheckConstraint("answer IS NULL OR " + _in("answer", FOLLOWUP_ANSWERS), name="answer"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    case_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    small_area_code: Mapped[str] = mapped_column(String(16), index=True)
    household_id: Mapped[str] = mapped_column(String(40))  # the survey's or the census's
    person_no: Mapped[int] = mapped_column(Integer)
    match_run: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


__all__ = [
    "FOLLOWUP_ANSWERS",
    "FOLLOWUP_KINDS",
    "PesFollowup",
    "PesHousehold",
    "PesResponse",
    "PesSample",
    "PesSampleArea",
]
