"""R2: refuse to start on settings that can lose acknowledged submissions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from headcount import errors
from headcount.errors import HeadcountError
from headcount.store.session import check_postgres_durability, make_engine
from tests.integration.conftest import settings_for


def test_sqlite_below_full_is_refused_in_production(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'census.db'}"
    for level in ("NORMAL", "OFF"):
        with pytest.raises(HeadcountError) as caught:
            make_engine(settings_for(url, tmp_path, sqlite_synchronous=level))
        assert caught.value.problem is errors.DATABASE_NOT_DURABLE
        assert caught.value.details["setting"] == "synchronous"


def test_sqlite_below_full_is_only_a_warning_in_development(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'census.db'}"
    engine = make_engine(
        settings_for(url, tmp_path, sqlite_synchronous="NORMAL", mode="development")
    )
    engine.dispose()
    assert any("E1602" in r.getMessage() for r in caplog.records)


def test_sqlite_runs_wal_full_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(settings_for(f"sqlite:///{tmp_path / 'census.db'}", tmp_path))
    try:
        with engine.connect() as conn:
            read = {
                n: conn.exec_driver_sql(f"PRAGMA {n}").scalar()
                for n in ("journal_mode", "synchronous", "foreign_keys")
            }
    finally:
        engine.dispose()
    assert read == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        ({"fsync": "off", "synchronous_commit": "on", "full_page_writes": "on"}, "fsync"),
        (
            {"fsync": "on", "synchronous_commit": "off", "full_page_writes": "on"},
            "synchronous_commit",
        ),
        (
            {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "off"},
            "full_page_writes",
        ),
        ({"fsync": "on", "synchronous_commit": "on"}, "full_page_writes"),
    ],
)
def test_postgres_check_refuses_what_it_reads(values: dict[str, str], bad: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        check_postgres_durability(values)
    assert caught.value.problem is errors.DATABASE_NOT_DURABLE
    assert caught.value.details["setting"] == bad


@pytest.mark.parametrize("sync", ["on", "local", "remote_write", "remote_apply"])
def test_postgres_check_accepts_durable_values(sync: str) -> None:
    check_postgres_durability({"fsync": "on", "synchronous_commit": sync, "full_page_writes": "on"})


@pytest.mark.postgres
def test_the_real_server_is_checked_at_start(pg_server: object, tmp_path: Path) -> None:
    from sqlalchemy.engine import URL

    assert isinstance(pg_server, URL)
    settings = settings_for(pg_server.render_as_string(hide_password=False), tmp_path)
    engine = make_engine(settings, role="connect")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
    finally:
        engine.dispose()


def test_unreachable_or_malformed_databases_are_catalogued(tmp_path: Path) -> None:
    cases = {
        "mysql://x@y/z": errors.DATABASE_URL_INVALID,
        "sqlite://": errors.DATABASE_URL_INVALID,
        "not a url": errors.DATABASE_URL_INVALID,
        "postgresql+psycopg://nobody@127.0.0.1:1/none": errors.DATABASE_UNREACHABLE,
    }
    for url, problem in cases.items():
        with pytest.raises(HeadcountError) as caught:
            make_engine(settings_for(url, tmp_path))
        assert caught.value.problem is problem, url
