"""Integration fixtures: every store test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL comes from HEADCOUNT_TEST_PG_URL (default: the local server, user postgres). Each test
gets its own empty database named after this session's prefix (emptied afterwards and handed to
a later test); all of them and their roles are dropped when the session ends. If
HEADCOUNT_TEST_PG_URL is set and the server cannot be reached, the PostgreSQL tests FAIL; without
it they are skipped when no local server answers.

Every test captures all log records (DEBUG, SQL echo included) and fails if a canary name or ID
number shows up in one (checklist D7).
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from headcount.config import Settings
from headcount.store.bootstrap import InitResult, initialise
from headcount.store.protector import Protector
from headcount.store.session import make_engine
from tests.integration.synthetic import CANARY_STRINGS

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_PREFIX = f"hc_test_{os.getpid()}_{secrets.token_hex(3)}"
_COUNTER = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[URL]:
    explicit = os.environ.get("HEADCOUNT_TEST_PG_URL")
    url = make_url(explicit or PG_DEFAULT)
    if url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    probe = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        if explicit:
            pytest.fail(f"HEADCOUNT_TEST_PG_URL is set but PostgreSQL is unreachable: {reason}")
        pytest.skip(f"no PostgreSQL server at {url.render_as_string(hide_password=True)}")
    finally:
        probe.dispose()
    yield url
    _drop_leftovers(url)


def _drop_leftovers(server: URL) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{_PREFIX}%"}
            ).scalars()
            for name in list(names):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" (FORCE)')
            roles = conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{_PREFIX}%"}
            ).scalars()
            for role in list(roles):
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        admin.dispose()


_FREE: list[URL] = []  # PostgreSQL databases of this session, emptied and ready for reuse


def _empty_pg(url: URL) -> None:
    """Return a test database to the state of a fresh one (CREATE DATABASE costs ~1.5 s)."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO PUBLIC")
        _FREE.append(url)
    finally:
        admin.dispose()


def new_database_url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """A URL naming a database that does not exist yet, or exists and is empty (reused)."""
    n = next(_COUNTER)
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'census-{n}.db'}"
    server: URL = request.getfixturevalue("pg_server")
    url = _FREE.pop() if _FREE else server.set(database=f"{_PREFIX}_{n}")
    request.addfinalizer(lambda: _empty_pg(url))
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_database_url(request, str(request.param), tmp_path)


def settings_for(database_url: str, home: Path, **overrides: object) -> Settings:
    """Key file, signing key and head file outside the database, in a per-test directory."""
    (home / "keys").mkdir(parents=True, exist_ok=True)
    (home / "auditor").mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {
        "database_url": database_url,
        "key_file": home / "keys" / "headcount.key",
        "audit_signing_key_file": home / "keys" / "audit-signing.key",
        "audit_head_file": home / "auditor" / "audit-heads.jsonl",
        "mode": "production",
        "public_url": "https://testserver",  # the TestClient's address (tests use https)
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path)


@dataclass
class Census:
    settings: Settings
    engine: Engine
    protector: Protector
    init: InitResult

    @property
    def kind(self) -> str:
        return self.engine.dialect.name


@pytest.fixture
def census(settings: Settings) -> Iterator[Census]:
    """An initialised store: migrated schema, key file, first administrator, app-role engine."""
    result = initialise(settings)
    engine = make_engine(settings)
    try:
        yield Census(settings, engine, Protector.open(settings, engine), result)
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def _no_canary_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    # Every phase's records (caplog.records in a teardown holds the teardown's only), with
    # their exception text; not the test's own HTTP client, which logs the URLs it asks for.
    formatter = logging.Formatter()
    texts = [
        record.getMessage()
        + (formatter.formatException(record.exc_info) if record.exc_info else "")
        for phase in ("setup", "call", "teardown")
        for record in caplog.get_records(phase)
        if not record.name.startswith(("httpx", "httpcore"))
    ]
    leaked = sorted({canary for text in texts for canary in CANARY_STRINGS if canary in text})
    assert not leaked, f"canary personal data in {len(leaked)} log record(s)"
