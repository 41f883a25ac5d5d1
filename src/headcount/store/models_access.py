"""Tables for access control: sessions, area grants, sign-in state, pledges and buildings.

The ``staff`` table (store/models.py) holds the account itself; what changes with every sign-in or
every grant lives here, so the account row stays small and its history stays readable.
Session tokens and the sign-in failure keys are stored only as SHA-256 digests: a copy of the
database opens no session and names no account that was merely tried.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, synonym

from headcount.store.models import Base
from headcount.store.types import UTCDateTime


class StaffSession(Base):
    """A server-side session: idle and absolute expiry, ended at logout, disable or re-grant."""

    __tablename__ = "staff_sessions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())  # absolute limit
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str] = mapped_column(String(64))


class StaffGrant(Base):
    """One area granted to a staff member (width fixed by the role) or one extra permission."""

    __tablename__ = "staff_grants"
    __table_args__ = (UniqueConstraint("staff_id", "kind", "value"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "area" or "permission"
    value: Mapped[str] = mapped_column(String(64), index=True)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffSecurity(Base):
    """Second factor, badge and creator of one account (one row per staff member)."""

    __tablename__ = "staff_security"
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    # The row id the ciphertext is bound to, under the name the key-rotation job expects.
    id: Mapped[uuid.UUID] = synonym("staff_id")
    badge_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The sequential number this badge replaced (migration 0007): printed cards of that form are
    # answered "replaced" by the public check, and the trail can still be matched to a person.
    legacy_badge_no: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(64))
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """Failed sign-ins per account name, existing or not, so lockout reveals nothing."""

    __tablename__ = "login_failures"
    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PledgeAcceptance(Base):
    """An accepted confidentiality pledge (保密承诺书), kept for every version signed."""

    __tablename__ = "pledge_acceptances"
    __table_args__ = (UniqueConstraint("staff_id", "version"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str] = mapped_column(String(64))


class Building(Base):
    """A building (建筑物) inside a small area; its detailed address is encrypted."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("small_area_code", "building_no"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    building_no: Mapped[str] = mapped_column(String(8))
    key_id: Mapped[str | None] = mapped_column(String(64))
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
