"""The post-enumeration survey's sample of small areas (issue 13): drawn once per wave.

``pes_samples`` holds the draw (seed, digest, who, when); ``pes_sample_areas`` each sampled small
area with its stratum, measure of size and inclusion probability, kept for the weighting of the
estimate. Codes only: nothing personal.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base
from headcount.store.types import UTCDateTime


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


__all__ = ["PesSample", "PesSampleArea"]
