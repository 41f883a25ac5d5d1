"""The census store's tables (SQLAlchemy 2 typed declarative models).

Personal fields (names, citizen IDs, phones, detailed addresses, free text) exist only as AEAD blobs
in ``*_enc`` columns, bound to table|column|row id|key id; rows get client-side UUIDs so the binding
is known before the insert. Coded answers stay in clear so checks and dashboards can query them.
Citizen IDs also get a keyed blind index (``*_bidx``): UNIQUE in ``person_identities``, deliberately
not unique in ``persons`` (double registration is real and goes to the dedup queue).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from headcount.auth.roles import Role
from headcount.privacy.keys import KEY_STATES
from headcount.store.types import UTCDateTime, json_type

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

STAFF_ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CensusArea(Base):
    """普查区: a village-level unit aligned with the 2020 statistical divisions."""

    __tablename__ = "census_areas"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # 城乡分类代码 (111 … 220) of the statistical division: urban when it starts with 1.
    urban_rural_class: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SmallArea(Base):
    """普查小区: the enumeration block; ``code`` is unique in the census."""

    __tablename__ = "small_areas"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    census_area_code: Mapped[str] = mapped_column(ForeignKey("census_areas.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    expected_persons: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Staff(Base):
    """A staff account. Only the password hash (argon2id) is stored; names are encrypted."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="role"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str | None] = mapped_column(String(16))
    must_change_password: Mapped[bool] = mapped_column(Boolean)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    key_id: Mapped[str | None] = mapped_column(String(64))
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Assignment(Base):
    """Which staff member works which small area, and in which duty."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("staff_id", "small_area_code", "duty"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    duty: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Household(Base):
    """A registered household; its answers live in versioned ``form_responses``."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("small_area_code", "household_no"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), unique=True)
    small_area_code: Mapped[str] = mapped_column(ForeignKey("small_areas.code"), index=True)
    household_no: Mapped[str] = mapped_column(String(8))
    form: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(96), index=True)
    household_type: Mapped[int | None] = mapped_column(SmallInteger)
    persons_present: Mapped[int | None] = mapped_column(Integer)
    persons_hukou_here_absent: Mapped[int | None] = mapped_column(Integer)
    current_version: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(64), index=True)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    destroy_after: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FormResponse(Base):
    """One version of a household's answers. Never updated: a change is a new version."""

    __tablename__ = "form_responses"
    __table_args__ = (UniqueConstraint("household_ref", "version"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_ref: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    submission_uuid: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True)
    # Keyed digest of the canonical payload: detects a changed retry without storing PI in clear.
    payload_digest: Mapped[bytes] = mapped_column(LargeBinary)
    answers: Mapped[dict[str, Any]] = mapped_column(json_type())
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    pi_enc: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonIdentity(Base):
    """One real person, known by the full-length blind index of the citizen ID (UNIQUE)."""

    __tablename__ = "person_identities"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    citizen_id_bidx: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    scope: Mapped[str] = mapped_column(String(96), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """A person as recorded on the household's current version (raw collection record)."""

    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("household_ref", "person_no"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_ref: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    person_no: Mapped[int] = mapped_column(SmallInteger)
    scope: Mapped[str] = mapped_column(String(96), index=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    citizen_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    citizen_id_bidx: Mapped[bytes | None] = mapped_column(LargeBinary, index=True)
    identity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person_identities.id"), index=True
    )
    relationship: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[int | None] = mapped_column(SmallInteger)
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    birth_month: Mapped[int | None] = mapped_column(SmallInteger)
    ethnic_group: Mapped[str | None] = mapped_column(String(2))
    residence_at_reference: Mapped[int | None] = mapped_column(SmallInteger)
    hukou_place: Mapped[int | None] = mapped_column(SmallInteger)
    residence_county: Mapped[str | None] = mapped_column(String(6))
    hukou_county: Mapped[str | None] = mapped_column(String(6))
    answers: Mapped[dict[str, Any]] = mapped_column(json_type())


class SelfReportCredential(Base):
    """A household's self-report login: a random login id and an argon2id-hashed secret."""

    __tablename__ = "self_report_credentials"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_ref: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    login_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    key_id: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DataKeyRecord(Base):
    """A wrapped data-encryption key (hex id). Its wrapping KEK lives in the key file, never here;
    ``wrapped`` is empty once the key is disabled or its scope shredded."""

    __tablename__ = "data_keys"
    __table_args__ = (
        CheckConstraint(_in("state", KEY_STATES), name="state"),
        # At most one active key per scope, even when two processes create it at once.
        Index(
            "uq_data_keys_active_scope",
            "scope",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(96), index=True)
    state: Mapped[str] = mapped_column(String(16))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for statements that need none of the ORM's bookkeeping."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class AuditEntry(Base):
    """One append-only audit record; ``canonical`` is the Merkle leaf input, ``leaf_hash`` its hash.

    The application role may only INSERT and SELECT here (PostgreSQL grants set by ``init``).
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditPending(Base):
    """An audit entry committed with its change and not yet numbered into ``audit_log``.

    Writers insert here without a lock (numbering under a lock held to COMMIT serialised every
    write); the sequencer (audit/log.py ``sequence``) moves committed entries into the log in
    batches, numbering them without gaps. Readers of the log sequence first. The application role
    may INSERT, SELECT and DELETE (the move), never UPDATE.
    """

    __tablename__ = "audit_pending"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


__all__ = [
    "KEY_STATES",
    "STAFF_ROLES",
    "TABLES_IN_ORDER",
    "Assignment",
    "AuditEntry",
    "AuditPending",
    "Base",
    "CensusArea",
    "DataKeyRecord",
    "FormResponse",
    "Household",
    "Person",
    "PersonIdentity",
    "SelfReportCredential",
    "SmallArea",
    "Staff",
]
from headcount.store import models_access as _models_access  # noqa: E402, F401
from headcount.store import models_fieldwork as _models_fieldwork  # noqa: E402, F401
from headcount.store import models_pes as _models_pes  # noqa: E402, F401
from headcount.store import models_registers as _models_registers  # noqa: E402, F401
from headcount.store import models_selfreport as _models_selfreport  # noqa: E402, F401

# Tables in dependency order (parents first): backup, restore and emptiness checks walk this. It is
# computed here, after every model module above is imported, or their tables would be left out.
TABLES_IN_ORDER = [t.name for t in Base.metadata.sorted_tables]
