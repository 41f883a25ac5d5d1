"""Engines and sessions from Settings, with the durability checks of checklist R2.

SQLite (embedded default): WAL, synchronous=FULL, foreign keys on, read back after every connect;
every transaction starts with BEGIN IMMEDIATE so writers queue instead of failing half-way.
PostgreSQL (production): refuse to start when fsync, synchronous_commit or full_page_writes is off;
sessions run as the database's application role (``<db>_app``) when ``headcount init`` created it,
so UPDATE/DELETE/TRUNCATE on the audit log are refused by the server itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from headcount import errors
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store import faults

log = logging.getLogger(__name__)

Kind = Literal["sqlite", "postgresql"]
Role = Literal["app", "owner", "connect"]

READ_ONLY = "headcount_read_only"
SQLITE_PRAGMAS = {"journal_mode": "wal", "synchronous": "FULL", "foreign_keys": "1"}
_SYNC_LEVELS = {"0": "OFF", "1": "NORMAL", "2": "FULL", "3": "EXTRA"}


def parse_url(database_url: str) -> URL:
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise HeadcountError(errors.DATABASE_URL_INVALID, reason=str(exc)) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise HeadcountError(
            errors.DATABASE_URL_INVALID, reason=f"unsupported backend {url.get_backend_name()}"
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise HeadcountError(errors.DATABASE_URL_INVALID, reason="SQLite needs a file path")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    return url


def kind_of(url: URL) -> Kind:
    return "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"


def role_names(url: URL) -> dict[str, str]:
    """The owner and application role names of one PostgreSQL database (unique per database)."""
    base = re.sub(r"[^a-z0-9_]", "_", (url.database or "headcount").lower())[:50]
    return {"owner": f"{base}_owner", "app": f"{base}_app"}


def check_sqlite_pragmas(values: Mapping[str, str], *, strict: bool = True) -> None:
    """Raise E1602 unless journal_mode is WAL and synchronous is FULL or EXTRA (R2)."""
    journal = str(values.get("journal_mode", "")).lower()
    sync = _SYNC_LEVELS.get(str(values.get("synchronous", "")), str(values.get("synchronous")))
    problems = []
    if journal != "wal":
        problems.append(("journal_mode", journal, "WAL"))
    if sync.upper() not in ("FULL", "EXTRA"):
        problems.append(("synchronous", sync, "FULL"))
    if str(values.get("foreign_keys", "1")) != "1":
        problems.append(("foreign_keys", str(values.get("foreign_keys")), "ON"))
    for setting, value, required in problems:
        error = HeadcountError(
            errors.DATABASE_NOT_DURABLE, setting=setting, value=value, required=required
        )
        if strict:
            raise error
        log.warning("%s (allowed outside production mode)", error)


def check_postgres_durability(values: Mapping[str, str], *, strict: bool = True) -> None:
    """Raise E1602 when fsync, synchronous_commit or full_page_writes is off (R2)."""
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        value = str(values.get(setting, "")).lower()
        if value == "off" or not value:
            error = HeadcountError(
                errors.DATABASE_NOT_DURABLE, setting=setting, value=value or "?", required="on"
            )
            if strict:
                raise error
            log.warning("%s (allowed outside production mode)", error)


def _sqlite_engine(url: URL, settings: Settings) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30})
    sync = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sync}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        read = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_PRAGMAS}
        cursor.close()
        check_sqlite_pragmas(
            {k: str(v) for k, v in read.items()}, strict=settings.mode == "production"
        )
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front; readers (read_transaction) use a WAL snapshot
        # and never wait for a writer.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL, settings: Settings, role: Role) -> Engine:
    # The pool matches the web server's worker threads (anyio's default 40), so a burst queues in
    # the threads instead of failing on a pool timeout (a first key use takes a second one).
    # Twenty stay open: under steady load, overflow connections that close on return meant a new
    # server backend (fork, authentication, SET ROLE) every few requests. No pre-ping (a round
    # trip per checkout): a connection found dead fails its request with 503, and SQLAlchemy
    # then discards the whole pool, so one retry reaches a fresh connection.
    engine = create_engine(url, pool_size=20, max_overflow=20, pool_timeout=15, pool_recycle=1800)
    try:
        with engine.connect() as conn:
            values = {
                name: str(conn.exec_driver_sql(f"SHOW {name}").scalar())
                for name in ("fsync", "synchronous_commit", "full_page_writes")
            }
            wanted = role_names(url).get(role) if role != "connect" else None
            usable = wanted is not None and bool(
                conn.execute(
                    text(
                        "SELECT 1 FROM pg_roles WHERE rolname = :r "
                        "AND pg_has_role(current_user, rolname, 'MEMBER')"
                    ),
                    {"r": wanted},
                ).scalar()
            )
    except OperationalError as exc:
        engine.dispose()
        raise HeadcountError(errors.DATABASE_UNREACHABLE, reason=_short(exc)) from None
    check_postgres_durability(values, strict=settings.mode == "production")
    if wanted and usable:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET ROLE "{wanted}"')
            dbapi_connection.commit()

        engine.dispose()  # connections opened before the hook must not be reused
    elif wanted:
        log.warning("database role %s does not exist; running as the connecting user", wanted)
    return engine


def make_engine(settings: Settings, *, role: Role = "app", url: str | None = None) -> Engine:
    """An engine for ``settings.database_url`` that has passed the durability checks."""
    parsed = parse_url(url or settings.database_url)
    if kind_of(parsed) == "sqlite":
        engine = _sqlite_engine(parsed, settings)
        try:
            with engine.connect():
                pass
        except OperationalError as exc:
            engine.dispose()
            if parsed.database and faults.read_only_mount(parsed.database):
                raise HeadcountError(errors.DATABASE_READ_ONLY, where=parsed.database) from None
            raise HeadcountError(errors.DATABASE_UNREACHABLE, reason=_short(exc)) from None
        except HeadcountError:
            engine.dispose()
            raise
        return engine
    return _postgres_engine(parsed, settings, role)


def require_writable(engine: Engine) -> None:
    """Refuse to serve a database that cannot take a write (a read-only disk or file, a
    PostgreSQL standby): E1621 at start-up rather than a failure on every household's save.

    SQLite grants BEGIN IMMEDIATE on a read-only file; rewriting the header's user_version with
    its own value is the smallest real write, rolled back at once. Other faults (a full disk, a
    lock) are named by their own codes (``store.faults``).
    """
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                with conn.begin() as probe:
                    version = conn.exec_driver_sql("PRAGMA user_version").scalar()
                    conn.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
                    probe.rollback()
            elif str(conn.exec_driver_sql("SHOW transaction_read_only").scalar()) == "on":
                raise HeadcountError(errors.DATABASE_READ_ONLY, where="PostgreSQL standby")
    except DBAPIError as exc:
        raise faults.classify(exc, where=engine.url.database or "database") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with session_factory(engine)() as session, session.begin():
        yield session


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work: on SQLite a WAL snapshot that never waits for the writer."""
    with (
        engine.connect().execution_options(**{READ_ONLY: True}) as conn,
        Session(bind=conn, expire_on_commit=False, autoflush=False) as session,
        session.begin(),
    ):
        yield session


def _short(exc: Exception) -> str:
    # Driver messages can quote connection strings; keep the first line, without credentials.
    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc)
    return re.sub(r"://[^@\s]*@", "://***@", str(first))[:300]
