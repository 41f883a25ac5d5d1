"""Fieldwork tables: the household-head register, review status, task lists, long-form samples.

The register's head names are AEAD blobs like every other name; everything a dashboard counts
(mode, status, kind, area codes) stays coded and in clear so progress is a GROUP BY.
"""

from __future__ import annotations

import uuid
from datetime import datetime

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
from headcount.store.types import UTCDateTime

MODES = ("enumerator", "self_report")
REVIEW_STATES = ("submitted", "approved_first", "approved", "rejected")
TASK_KINDS = ("register", "fix", "long_form", "follow_up", "verify")
TASK_STATES = ("open", "done", "cancelled")
SAMPLE_STATES = ("current", "superseded")
CHANNELS = ("enumerator", "self_report")
# What a verification task checks (from a quality run) and the answers each one admits.
FINDINGS: dict[str, tuple[str, ...]] = {
    "omission": ("found", "not_found", "moved", "died"),
    "duplicate": ("duplicate_confirmed", "not_duplicate"),
    "died": ("died", "found"),
    "discrepancy": ("census_correct", "corrected"),
}
ANSWERS = tuple(dict.fromkeys(a for answers in FINDINGS.values() for a in answers))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RegisterEntry(Base):
    """One line of the 户主姓名底册: its 户编号 is fixed once written (read-only afterwards)."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("small_area_code", "household_no"),
        CheckConstraint(_in("mode", MODES), name="mode"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), unique=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    household_no: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16))
    all_died: Mapped[bool] = mapped_column(Boolean)
    found_later: Mapped[bool] = mapped_column(Boolean)
    expected_persons: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(64))
    head_name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HouseholdReview(Base):
    """Where a registered household stands in the two-level review, and how it came in."""

    __tablename__ = "household_reviews"
    __table_args__ = (
        CheckConstraint(_in("status", REVIEW_STATES), name="status"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
    )
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    small_area_code: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(32))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FieldTask(Base):
    """An item on an enumerator's list; the comment (free text) is encrypted like any note."""

    __tablename__ = "field_tasks"
    __table_args__ = (
        CheckConstraint(_in("kind", TASK_KINDS), name="kind"),
        CheckConstraint(_in("state", TASK_STATES), name="state"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    small_area_code: Mapped[str] = mapped_column(String(16), index=True)
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason_code: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[str | None] = mapped_column(String(64))
    comment_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VerificationTask(Base):
    """What a ``verify`` task asks the field to check (quality issue, 比对复查) and the answer.

    Codes and references only: the register person's name and address stay in
    ``register_persons`` and the census person's in the household's response, decrypted and
    masked when the task is shown. ``finding_key`` names the finding across quality runs, so a
    rerun never opens the same task twice.
    """

    __tablename__ = "verification_tasks"
    __table_args__ = (
        CheckConstraint(_in("finding", tuple(FINDINGS)), name="finding"),
        CheckConstraint(f"answer IS NULL OR {_in('answer', ANSWERS)}", name="answer"),
    )
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("field_tasks.id"), primary_key=True)
    finding: Mapped[str] = mapped_column(String(16))
    finding_key: Mapped[str] = mapped_column(String(160), unique=True)
    person_no: Mapped[int | None] = mapped_column(Integer)
    register_kind: Mapped[str | None] = mapped_column(String(8))
    record_id: Mapped[str | None] = mapped_column(String(40))
    item: Mapped[str | None] = mapped_column(String(24))
    # A duplicate: the household holding the record kept (the task asks about the other one).
    other_household_id: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    quality_run: Mapped[str] = mapped_column(String(64))  # the extract digest the run read
    answer: Mapped[str | None] = mapped_column(String(24))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LongFormSample(Base):
    """One central draw: seed, rate and the digest of its list (the list itself never changes)."""

    __tablename__ = "long_form_samples"
    __table_args__ = (CheckConstraint(_in("state", SAMPLE_STATES), name="state"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    wave: Mapped[str] = mapped_column(String(16), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    rate: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    eligible: Mapped[int] = mapped_column(Integer)
    selected: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SampledHousehold(Base):
    """A household on a sample's list, with its design weight (≈ 10)."""

    __tablename__ = "sampled_households"
    sample_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("long_form_samples.id"), primary_key=True
    )
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    census_area_code: Mapped[str] = mapped_column(String(12), index=True)
    small_area_code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    weight_milli: Mapped[int] = mapped_column(Integer)
