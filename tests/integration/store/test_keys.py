"""D4 and D5: rotation leaves every row readable; shredding a scope makes it unreadable, also in
a backup taken before the shred, while other scopes still decrypt. Both are audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from headcount import errors
from headcount.audit.log import sequence_all
from headcount.errors import HeadcountError
from headcount.store import backup, keyops, registration
from headcount.store.bootstrap import CLI, prepare_empty
from headcount.store.models import AuditEntry, DataKeyRecord, FormResponse, Household, Person
from headcount.store.protector import Protector
from headcount.store.queries import keys as key_queries
from headcount.store.session import make_engine
from tests.integration.conftest import Census, new_database_url, settings_for
from tests.integration.helpers import citizen_id_of, load_population, name_of, persons, session

SHREDDED, KEPT = "2020:110105", "2020:310104"


def _readable(census_engine: object, protector: Protector, scope: str) -> tuple[int, int]:
    """(rows that decrypt, rows refused as shredded) of one scope's persons."""
    from sqlalchemy import Engine

    assert isinstance(census_engine, Engine)
    ok = refused = 0
    from headcount.store.session import session_factory

    with session_factory(census_engine)() as s, s.begin():
        for person in s.execute(select(Person).where(Person.scope == scope)).scalars():
            try:
                name_of(protector, person)
                citizen_id_of(protector, person)
                ok += 1
            except HeadcountError as exc:
                assert exc.problem is errors.SCOPE_SHREDDED
                refused += 1
    return ok, refused


def test_rotation_reencrypts_every_row_then_disables_the_old_key(
    census: Census, tmp_path: Path
) -> None:
    pop = load_population(census, tmp_path)
    with session(census) as s:
        before = {p.id: (name_of(census.protector, p), p.key_id) for p in persons(s)}
        old_keys = {k.key_id for k in key_queries.listing(s, SHREDDED)}
    report = keyops.rotate(census.engine, census.protector, CLI, SHREDDED, batch_size=3)
    assert report.reencrypted > 0 and set(report.disabled) == old_keys
    fresh = Protector.open(census.settings, census.engine)  # a new process: nothing cached
    with session(census) as s:
        after = {p.id: (name_of(fresh, p), p.key_id) for p in persons(s)}
        for key_id in old_keys:
            assert key_queries.rows_using(s, key_id) == 0
            record = s.get(DataKeyRecord, key_id)
            assert record is not None and record.state == "disabled" and record.wrapped == b""
        responses = s.execute(select(FormResponse)).scalars().all()
        households = s.execute(select(Household)).scalars().all()
        for response in responses:  # the versioned payloads were re-encrypted too
            fresh.decrypt(
                response.pi_enc, table="form_responses", column="pi_enc", row_id=str(response.id)
            )
        sequence_all(s)
        actions = s.execute(select(AuditEntry.action)).scalars().all()
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    moved = [pid for pid in before if before[pid][1] in old_keys]
    assert moved and all(after[pid][1] == report.new_key for pid in moved)
    assert all(h.key_id not in old_keys for h in households)
    assert actions.count("keys.rotate") == 1 and actions.count("keys.disable") == len(old_keys)
    assert len(pop.persons) == len(after)


def test_a_key_still_in_use_is_not_disabled(census: Census, tmp_path: Path) -> None:
    load_population(census, tmp_path, households=3)
    with session(census) as s, census.protector.bound(s):
        key_id = key_queries.active_for(s, SHREDDED)
        assert key_id is not None
        census.protector.keyring.rotate(SHREDDED)
        rows = key_queries.rows_using(s, key_id.key_id)
        assert rows > 0
        with pytest.raises(HeadcountError) as caught:
            census.protector.keyring.disable(bytes.fromhex(key_id.key_id), rows_using=rows)
    assert caught.value.problem is errors.KEY_STILL_IN_USE


def test_shredding_a_scope_reaches_backups_taken_before(
    census: Census, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    load_population(census, tmp_path)
    early = tmp_path / "before-shred.zip"
    backup.create(census.engine, census.settings, early, CLI)
    shredded_total = _readable(census.engine, census.protector, SHREDDED)[0]
    assert shredded_total > 0
    destroyed = keyops.shred(census.engine, census.protector, CLI, SHREDDED)
    assert destroyed >= 1
    assert _readable(census.engine, census.protector, SHREDDED) == (0, shredded_total)
    kept = _readable(census.engine, census.protector, KEPT)
    assert kept[0] > 0 and kept[1] == 0
    with session(census) as s:
        sequence_all(s)
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "keys.shred")).scalar_one()
        assert entry.object == SHREDDED
        cleared = s.execute(select(Person.citizen_id_bidx).where(Person.scope == SHREDDED)).all()
        assert all(row[0] is None for row in cleared)
        with pytest.raises(HeadcountError) as caught:
            registration.read(s, census.protector, CLI, "110105001001001")
        assert caught.value.problem is errors.SCOPE_SHREDDED
    # Restore the pre-shred backup into a fresh instance that uses the same (shredded) vault.
    kind = census.kind
    url = new_database_url(request, kind, tmp_path)
    restored = settings_for(
        url,
        tmp_path / "restored",
        key_file=census.settings.key_file,
        audit_signing_key_file=census.settings.audit_signing_key_file,
    )
    prepare_empty(restored)
    engine = make_engine(restored)
    try:
        backup.restore(engine, restored, early, CLI)
        protector = Protector.open(restored, engine)
        assert _readable(engine, protector, SHREDDED) == (0, shredded_total)
        assert _readable(engine, protector, KEPT) == kept
    finally:
        engine.dispose()


@pytest.mark.parametrize("rotate_keks", [False, True])
def test_master_rotation_rewraps_and_everything_still_decrypts(
    census: Census, tmp_path: Path, rotate_keks: bool
) -> None:
    load_population(census, tmp_path, households=4)
    with session(census) as s:
        before = sorted(name_of(census.protector, p) for p in persons(s))
    rewrapped = keyops.rotate_master(census.engine, census.protector, CLI, rotate_keks=rotate_keks)
    assert (rewrapped > 0) is rotate_keks
    fresh = Protector.open(census.settings, census.engine)
    with session(census) as s:
        assert sorted(name_of(fresh, p) for p in persons(s)) == before
        sequence_all(s)
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "keys.rotate_master"))
        assert entry.scalar_one().outcome == "success"
