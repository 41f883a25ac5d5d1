"""R4: backup is a consistent snapshot; restore into a fresh instance checks counts and the head."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from headcount import errors
from headcount.errors import HeadcountError
from headcount.store import backup, heads
from headcount.store.bootstrap import CLI, prepare_empty
from headcount.store.models import TABLES_IN_ORDER, AuditEntry, Base
from headcount.store.protector import Protector
from headcount.store.session import make_engine, read_transaction
from tests.integration.conftest import Census, new_database_url, settings_for
from tests.integration.helpers import load_population, name_of, persons, session


def _counts(engine: object) -> dict[str, int]:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with read_transaction(engine) as s:
        return {
            t: int(
                s.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar() or 0
            )
            for t in TABLES_IN_ORDER
        }


@pytest.fixture
def fresh(request: pytest.FixtureRequest, census: Census, tmp_path: Path) -> object:
    """Settings of a second, empty instance sharing the key file and the auditor's public key."""
    url = new_database_url(request, census.kind, tmp_path)
    target = settings_for(
        url,
        tmp_path / "fresh",
        key_file=census.settings.key_file,
        audit_signing_key_file=census.settings.audit_signing_key_file,
    )
    prepare_empty(target)
    return target


def test_round_trip_restores_every_row_and_the_audit_chain(
    census: Census, tmp_path: Path, fresh: object
) -> None:
    load_population(census, tmp_path)
    file = tmp_path / "census.zip"
    report = backup.create(census.engine, census.settings, file, CLI)
    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["rows"] == report.rows and manifest["audit_head"]["size"] == report.audit_size
    source = _counts(census.engine)
    # The backup itself is audited, after the snapshot.
    assert source["audit_log"] == report.rows["audit_log"] + 1
    from headcount.config import Settings

    assert isinstance(fresh, Settings)
    engine = make_engine(fresh)
    try:
        restored = backup.restore(engine, fresh, file, CLI)
        assert restored == report.rows
        after = _counts(engine)
        assert after == {**report.rows, "audit_log": report.rows["audit_log"] + 1}
        protector = Protector.open(fresh, engine)
        with read_transaction(engine) as s:
            names = sorted(name_of(protector, p) for p in persons(s))
            last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
            verdict = heads.verify_database(s, heads.trusted_heads(fresh))
        assert last is not None and last.action == "backup.restore"
        assert verdict.ok and verdict.heads_checked >= 2
    finally:
        engine.dispose()
    with session(census) as s:
        assert names == sorted(name_of(census.protector, p) for p in persons(s))


def test_restore_refuses_a_database_that_is_not_empty(census: Census, tmp_path: Path) -> None:
    file = tmp_path / "census.zip"
    backup.create(census.engine, census.settings, file, CLI)
    other = census.settings.model_copy(update={"audit_head_file": tmp_path / "other-heads.jsonl"})
    with pytest.raises(HeadcountError) as caught:
        backup.restore(census.engine, other, file, CLI)
    assert caught.value.problem is errors.DATABASE_NOT_EMPTY


def test_a_tampered_backup_is_refused_and_nothing_is_restored(
    census: Census, tmp_path: Path, fresh: object
) -> None:
    load_population(census, tmp_path, households=4)
    file = tmp_path / "census.zip"
    backup.create(census.engine, census.settings, file, CLI)
    with zipfile.ZipFile(file) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    lines = members["tables/audit_log.jsonl"].decode().splitlines()
    entry = json.loads(lines[2])
    entry["actor"] = "nobody"
    lines[2] = json.dumps(entry)
    members["tables/audit_log.jsonl"] = ("\n".join(lines) + "\n").encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    from headcount.config import Settings

    assert isinstance(fresh, Settings)
    engine = make_engine(fresh)
    try:
        with pytest.raises(HeadcountError) as caught:
            backup.restore(engine, fresh, forged, CLI)
        assert caught.value.problem is errors.AUDIT_ENTRY_BAD
        assert caught.value.details["position"] == 3
        assert set(_counts(engine).values()) == {0}  # rolled back: still empty
    finally:
        engine.dispose()


def test_a_file_that_is_not_a_backup_is_a_catalogued_problem(
    census: Census, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    for path, problem in (
        (junk, errors.BACKUP_INVALID),
        (tmp_path / "missing.zip", errors.FILE_NOT_FOUND),
    ):
        with pytest.raises(HeadcountError) as caught:
            backup.read_manifest(path)
        assert caught.value.problem is problem


def test_restoring_behind_the_head_file_is_refused(
    census: Census, tmp_path: Path, fresh: object
) -> None:
    """The head file vouches for more entries than the backup holds: restoring it under that
    head file would silently roll the audit trail back."""
    from headcount.config import Settings

    file = tmp_path / "census.zip"
    backup.create(census.engine, census.settings, file, CLI)
    heads.export_current(census.settings)  # the log has grown past the backup (backup.create)
    assert isinstance(fresh, Settings)
    behind = fresh.model_copy(update={"audit_head_file": census.settings.audit_head_file})
    engine = make_engine(behind)
    try:
        with pytest.raises(HeadcountError) as caught:
            backup.restore(engine, behind, file, CLI)
        assert caught.value.problem is errors.TREE_HEAD_ROLLBACK
        assert set(_counts(engine).values()) == {0}
    finally:
        engine.dispose()


def test_a_backup_file_is_readable_by_its_owner_only(census: Census, tmp_path: Path) -> None:
    file = tmp_path / "census.zip"
    backup.create(census.engine, census.settings, file, CLI)
    assert file.stat().st_mode & 0o777 == 0o600


def test_a_corrupted_table_in_a_backup_is_refused(
    census: Census, tmp_path: Path, fresh: object
) -> None:
    from headcount.config import Settings

    file = tmp_path / "census.zip"
    backup.create(census.engine, census.settings, file, CLI)
    with zipfile.ZipFile(file) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["tables/staff.jsonl"] = b"{broken\n"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert isinstance(fresh, Settings)
    engine = make_engine(fresh)
    try:
        with pytest.raises(HeadcountError) as caught:
            backup.restore(engine, fresh, broken, CLI)
        assert caught.value.problem is errors.BACKUP_INVALID
        assert "staff line 1" in caught.value.details["reason"]
    finally:
        engine.dispose()
