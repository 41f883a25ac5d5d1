"""Canaries (D2, D7): after a load, no seeded name or ID number is anywhere in clear."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

from sqlalchemy.engine import make_url

from headcount.store import backup
from headcount.store.bootstrap import CLI
from tests.integration.conftest import Census
from tests.integration.helpers import citizen_id_of, load_population, name_of, persons, session
from tests.integration.synthetic import CANARY_IDS, CANARY_NAMES, CANARY_STRINGS


def _forms(canary: str) -> list[bytes]:
    """UTF-8, UTF-16 (either order) and JSON's \\uXXXX escapes: every way a file could hold it."""
    escaped = json.dumps(canary)[1:-1]
    return [
        canary.encode("utf-8"),
        canary.encode("utf-16-le"),
        canary.encode("utf-16-be"),
        escaped.encode("ascii"),
        escaped.lower().encode("ascii"),
    ]


def _leaks(blob: bytes) -> list[str]:
    return [c for c in CANARY_STRINGS if any(form in blob for form in _forms(c))]


def _database_bytes(census: Census) -> bytes:
    url = make_url(census.settings.database_url)
    if census.kind == "sqlite":
        base = Path(url.database or "")
        parts = [base, Path(f"{base}-wal"), Path(f"{base}-shm")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert b"CREATE TABLE public.persons" in dump.stdout  # the dump really holds the schema
    return dump.stdout


def test_loaded_canaries_are_readable_only_through_the_keys(census: Census, tmp_path: Path) -> None:
    load_population(census, tmp_path)
    with session(census) as s:
        rows = persons(s)
        names = {name_of(census.protector, p) for p in rows}
        ids = {citizen_id_of(census.protector, p) for p in rows}
    # The canaries went in and come back out through the key file …
    assert set(CANARY_NAMES) <= names and set(CANARY_IDS) <= ids
    # … yet neither the database files (or a pg_dump) nor a backup holds one in clear.
    assert _leaks(_database_bytes(census)) == []
    target = tmp_path / "backup.zip"
    backup.create(census.engine, census.settings, target, CLI)
    assert _leaks(target.read_bytes()) == []
    with zipfile.ZipFile(target) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert "tables/persons.jsonl" in members and members["tables/persons.jsonl"].count(
        b"\n"
    ) == len(rows)
    assert [name for name, data in members.items() if _leaks(data)] == []


def test_the_canary_check_would_see_a_name_in_clear(census: Census, tmp_path: Path) -> None:
    """Guard against a vacuous canary test: a clear value in the same files is found."""
    from sqlalchemy import text

    from tests.integration.helpers import raw_engine

    with raw_engine(census) as raw, raw.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO census_areas (code, county_code, name, created_at) "
                "VALUES ('110105001999', '110105', :n, CURRENT_TIMESTAMP)"
            ),
            {"n": CANARY_NAMES[0]},
        )
    assert CANARY_NAMES[0] in _leaks(_database_bytes(census))
