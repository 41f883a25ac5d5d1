"""Every SQLite/PostgreSQL difference in one place (like splink's dialect objects).

Callers ask the dialect for an insert that ignores conflicts, for the audit writer's lock, for a
consistent read snapshot and for database creation; nothing else in the store tests the backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Session

from headcount import errors
from headcount.errors import HeadcountError

# Arbitrary constant naming the audit append lock (pg_advisory_xact_lock key space is shared).
AUDIT_LOCK_KEY = 0x48434155  # "HCAU"


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str

    @classmethod
    def of(cls, bind: Session | Connection | Engine) -> Dialect:
        engine = bind.get_bind() if isinstance(bind, Session) else bind
        return cls(engine.dialect.name)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def insert_ignore(self, model: type[DeclarativeBase], *conflict_columns: str) -> Any:
        """INSERT … ON CONFLICT (columns) DO NOTHING, in the backend's own syntax."""
        table = model.__table__  # Core: the ORM's bulk path costs per row and gains nothing here
        assert isinstance(table, Table)
        if self.is_postgres:
            return postgresql.insert(table).on_conflict_do_nothing(
                index_elements=list(conflict_columns)
            )
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))

    def lock_audit(self, session: Session) -> None:
        """Serialise audit appends until commit so sequence numbers have no gaps (L2).

        SQLite needs nothing: every transaction began with BEGIN IMMEDIATE (one writer).
        """
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})

    def begin_snapshot(self, conn: Connection) -> None:
        """Make the current transaction a consistent, read-only snapshot of every table."""
        if self.is_postgres:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # SQLite: a read transaction in WAL mode already reads one consistent snapshot.


def create_database_if_missing(url: URL) -> bool:
    """Create the database named in ``url``; True when it was created, False when it existed."""
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        return not existed
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}
            ).scalar()
            if exists:
                return False
            conn.exec_driver_sql(f'CREATE DATABASE "{_ident(url.database or "")}"')
            return True
    except (OperationalError, ProgrammingError) as exc:
        raise HeadcountError(
            errors.DATABASE_UNREACHABLE, reason=str(exc.orig).splitlines()[0]
        ) from None
    finally:
        maintenance.dispose()


def drop_database(url: URL) -> None:
    """Drop a PostgreSQL database (tests and benchmarks only) or delete a SQLite file."""
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{_ident(url.database or "")}" (FORCE)')
    finally:
        maintenance.dispose()


def _ident(name: str) -> str:
    if not name or not all(c.isalnum() or c == "_" for c in name):
        raise HeadcountError(errors.DATABASE_URL_INVALID, reason=f"unsafe identifier {name!r}")
    return name
