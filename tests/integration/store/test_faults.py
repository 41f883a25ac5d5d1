"""Storage faults named by their own codes, from real faults of real databases (issue: a full
disk, a read-only disk and a lock all logged as "OperationalError", and the server started on a
read-only disk)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from headcount.errors import HeadcountError
from headcount.store import faults
from headcount.store.bootstrap import initialise
from headcount.store.session import require_writable
from tests.integration.conftest import Census, settings_for
from tests.integration.web.test_auth_support import app_for, client_for, error_code, new_clock

HEADCOUNT = shutil.which("headcount", path=str(Path(sys.executable).parent))


def _raised(url: str, *statements: str, **connect: object) -> DBAPIError:
    engine = create_engine(url, connect_args=connect)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
            conn.commit()
    except DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{statements} did not fail")


def _sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "f.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x BLOB)")
    return path


def test_sqlite_faults_are_told_apart(tmp_path: Path) -> None:
    path = _sqlite_file(tmp_path)
    read_only = _raised(f"sqlite:///file:{path}?mode=ro&uri=true", "INSERT INTO t VALUES (1)")
    assert faults.classify(read_only).code == "E1621"
    # A database that may not grow past its pages: SQLite's own "database or disk is full".
    full = _raised(
        f"sqlite:///{path}", "PRAGMA max_page_count = 3", "INSERT INTO t VALUES (zeroblob(9000))"
    )
    assert faults.classify(full).code == "E1622"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked = _raised(f"sqlite:///{path}", "INSERT INTO t VALUES (2)", timeout=0)
        error = faults.classify(locked)
        assert error.code == "E1623" and error.details["retry_after"] > 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert faults.classify(RuntimeError("anything else")).code == "E2004"


def test_a_read_only_database_is_refused_before_serving(tmp_path: Path) -> None:
    path = _sqlite_file(tmp_path)
    require_writable(create_engine(f"sqlite:///{path}"))  # writable: nothing to say
    read_only = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(HeadcountError) as refused:
        require_writable(read_only)
    assert refused.value.code == "E1621"
    read_only.dispose()


@pytest.mark.postgres
def test_postgresql_faults_are_told_apart(census: Census) -> None:
    if census.kind != "postgresql":
        pytest.skip("PostgreSQL only")
    url = census.engine.url.render_as_string(hide_password=False)
    standby = create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    with pytest.raises(HeadcountError) as refused:
        require_writable(standby)
    assert refused.value.code == "E1621"
    standby.dispose()
    read_only = _raised(url, "SET TRANSACTION READ ONLY", "CREATE TABLE probe_ro (x int)")
    assert faults.classify(read_only).code == "E1621"
    owner = create_engine(url)
    with owner.connect() as holder:
        holder.execute(text("LOCK TABLE staff IN ACCESS EXCLUSIVE MODE"))
        locked = _raised(url, "SET lock_timeout = '50ms'", "SELECT count(*) FROM staff")
        holder.rollback()
    owner.dispose()
    assert faults.classify(locked).code == "E1623"


def test_a_read_only_database_is_answered_by_name_not_as_an_outage(census: Census) -> None:
    if census.kind != "sqlite":
        pytest.skip("the read-only file is SQLite's; PostgreSQL's standby is tested above")
    app = app_for(census, new_clock())
    with client_for(app) as client:
        path = census.engine.url.database
        app.state.engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        answer = client.post("/api/auth/login", json={"username": "a", "password": "b"})
        assert answer.status_code == 503 and error_code(answer) == "E1621"
        app.state.engine.dispose()
        app.state.engine = census.engine


@pytest.mark.slow
@pytest.mark.skipif(HEADCOUNT is None, reason="the headcount console script is not installed")
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root")
def test_serve_refuses_a_read_only_disk(tmp_path: Path) -> None:
    """A real read-only mount (a private mount namespace, so nothing else sees it)."""
    data = tmp_path / "data"
    data.mkdir()
    settings = settings_for(f"sqlite:///{data / 'census.db'}", tmp_path)
    initialise(settings)
    serve = " ".join(
        [
            str(HEADCOUNT),
            "serve",
            "--port",
            "1",
            f"--database-url {settings.database_url}",
            f"--key-file {settings.key_file}",
            "--public-url http://127.0.0.1:1",
        ]
    )
    script = f"mount --bind {data} {data} && mount -o remount,ro,bind {data} && exec {serve}"
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "mount:" in result.stderr and "E16" not in result.stderr:
        pytest.skip(f"this machine cannot make a read-only mount: {result.stderr[:200]}")
    assert result.returncode == 2, result.stderr
    assert "E1621" in result.stderr and "Traceback" not in result.stderr
