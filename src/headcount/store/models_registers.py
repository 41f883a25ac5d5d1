"""Administrative registers in the store: the 公安 hukou register, 卫健 birth certificates, deaths.

One ``register_persons`` row per register record, imported by ``headcount registers import``
(store/registers.py) and encrypted like a census person: name, citizen ID, mother's ID and address
are AEAD blobs bound to table|column|row id|key id under the scope (wave × county) of the record;
the citizen ID also gets the census's full-length blind index, so a register row meets the
census records of the same number without decrypting anything. Coded columns (sex, dates, ethnic
group, counties) stay in clear. Registers contain errors: a row whose ID number is wrong is kept,
with its ``id_status`` and the first problem code of the number, and a birth date that does not
exist (a wrong month beside the right day) is kept with ``birth_date_valid`` false.

``register_imports`` holds one row per import (file name and SHA-256, row count, who, when, state).
Rows of an import that is not ``complete`` are invisible to readers; a failed import's records are
deleted and its row kept as ``failed`` (history), so the same file can be imported again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base
from headcount.store.types import UTCDateTime

REGISTER_KINDS = ("hukou", "births", "deaths")
IMPORT_STATES = ("importing", "complete", "failed")
# valid: no fault; flagged: valid with a consistency flag (address code, legacy number, sex or
# birth date disagreeing with the row); invalid: a hard fault (no blind index); missing: empty.
ID_STATES = ("valid", "flagged", "invalid", "missing")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RegisterImport(Base):
    """One import of one register file; at most one live (importing or complete) per file."""

    __tablename__ = "register_imports"
    __table_args__ = (
        CheckConstraint(_in("kind", REGISTER_KINDS), name="kind"),
        CheckConstraint(_in("state", IMPORT_STATES), name="state"),
        # The same file (same SHA-256) cannot be imported twice, even by two processes at once;
        # a failed import leaves room for the next attempt.
        Index(
            "uq_register_imports_live_file",
            "kind",
            "file_sha256",
            unique=True,
            sqlite_where=text("state <> 'failed'"),
            postgresql_where=text("state <> 'failed'"),
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Touched by every batch: an ``importing`` row that stopped moving was interrupted.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RegisterPerson(Base):
    """One register record; personal fields encrypted, codes in clear."""

    __tablename__ = "register_persons"
    __table_args__ = (
        UniqueConstraint("kind", "record_id"),
        CheckConstraint(_in("kind", REGISTER_KINDS), name="kind"),
        CheckConstraint(_in("id_status", ID_STATES), name="id_status"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[str] = mapped_column(String(40))
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("register_imports.id"), index=True)
    scope: Mapped[str] = mapped_column(String(96), index=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    citizen_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    citizen_id_bidx: Mapped[bytes | None] = mapped_column(LargeBinary, index=True)
    id_status: Mapped[str] = mapped_column(String(8))
    id_issue: Mapped[str | None] = mapped_column(String(8))  # E11xx code of the first problem
    mother_citizen_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    sex: Mapped[int] = mapped_column(SmallInteger)
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    birth_month: Mapped[int] = mapped_column(SmallInteger)
    birth_day: Mapped[int | None] = mapped_column(SmallInteger)
    # False: a date that does not exist (1991-02-31, a wrong month beside the right day), kept;
    # None: the register has no day (deaths).
    birth_date_valid: Mapped[bool | None] = mapped_column(Boolean)
    ethnic_group: Mapped[str | None] = mapped_column(String(2))
    hukou_county: Mapped[str | None] = mapped_column(String(6), index=True)
    hukou_township: Mapped[str | None] = mapped_column(String(9))
    birth_county: Mapped[str | None] = mapped_column(String(6))
    death_year: Mapped[int | None] = mapped_column(SmallInteger)
    death_month: Mapped[int | None] = mapped_column(SmallInteger)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


__all__ = [
    "ID_STATES",
    "IMPORT_STATES",
    "REGISTER_KINDS",
    "RegisterImport",
    "RegisterPerson",
]
