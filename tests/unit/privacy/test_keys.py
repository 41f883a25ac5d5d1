"""KeyRing: DEK creation, rotation, disabling, shredding (also against a restored backup)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.keys import DataKey, KeyRing, MasterKey, MemoryKeyStore, scope_of

A = "2020:110101"
B = "2020:110102"


def test_first_use_creates_one_active_wrapped_key(keyring: KeyRing, store: MemoryKeyStore) -> None:
    key_id, raw = keyring.data_key_for(A)
    assert len(key_id) == 16 and len(raw) == crypto.KEY_BYTES[keyring.profile]
    assert keyring.data_key_for(A) == (key_id, raw)
    (stored,) = store.list(A)
    assert stored.state == "active" and stored.id == key_id
    assert raw not in stored.wrapped
    assert keyring.data_key_for(B)[0] != key_id


def test_a_fresh_process_unwraps_from_store_and_vault(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    key_id, raw = keyring.data_key_for(A)
    fresh = KeyRing(MasterKey.load(vault_path), store)
    assert fresh.unwrap(key_id) == raw


def test_wrapped_key_moved_to_another_scope_does_not_unwrap(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    a_id, _ = keyring.data_key_for(A)
    keyring.data_key_for(B)
    a = store.get(a_id)
    assert a is not None
    store.keys[a_id] = DataKey(a.id, B, a.wrapped, "retired", a.created)
    with pytest.raises(HeadcountError) as caught:
        KeyRing(MasterKey.load(vault_path), store).unwrap(a_id)
    assert caught.value.code == "E1406"  # B's KEK is not the one named in the wrapped key


def test_unknown_key_id(keyring: KeyRing) -> None:
    with pytest.raises(HeadcountError) as caught:
        keyring.unwrap(b"\x01" * 16)
    assert caught.value.code == "E1406"


def test_rotate_retires_old_key_which_still_unwraps(
    keyring: KeyRing, store: MemoryKeyStore
) -> None:
    old_id, old_raw = keyring.data_key_for(A)
    new_id = keyring.rotate(A)
    assert new_id != old_id
    assert keyring.data_key_for(A)[0] == new_id
    states = {k.id: k.state for k in store.list(A)}
    assert states == {old_id: "retired", new_id: "active"}
    assert KeyRing(keyring.master, store).unwrap(old_id) == old_raw


def test_disable_only_when_no_row_uses_the_key(keyring: KeyRing, store: MemoryKeyStore) -> None:
    old_id, _ = keyring.data_key_for(A)
    with pytest.raises(HeadcountError) as caught:
        keyring.disable(old_id, rows_using=0)  # still the active key
    assert caught.value.code == "E1413"
    keyring.rotate(A)
    with pytest.raises(HeadcountError) as caught:
        keyring.disable(old_id, rows_using=3)
    assert caught.value.code == "E1413" and "3" in caught.value.message("en")
    keyring.disable(old_id, rows_using=0)
    dek = store.get(old_id)
    assert dek is not None and dek.state == "disabled" and dek.wrapped == b""
    with pytest.raises(HeadcountError) as caught:
        KeyRing(keyring.master, store).unwrap(old_id)
    assert caught.value.code == "E1417"


def test_shred_destroys_scope_but_not_others(keyring: KeyRing, store: MemoryKeyStore) -> None:
    a_old, _ = keyring.data_key_for(A)
    a_new = keyring.rotate(A)
    b_id, b_raw = keyring.data_key_for(B)
    assert keyring.shred(A) == 2
    for key_id in (a_old, a_new):
        dek = store.get(key_id)
        assert dek is not None and dek.state == "shredded" and dek.wrapped == b""
        with pytest.raises(HeadcountError) as caught:
            keyring.unwrap(key_id)
        assert caught.value.code == "E1407" and "shredded" in caught.value.message("en")
    with pytest.raises(HeadcountError):
        keyring.data_key_for(A)
    with pytest.raises(HeadcountError):
        keyring.rotate(A)
    assert keyring.unwrap(b_id) == b_raw


def test_shred_holds_against_a_backup_restored_from_before(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    a_id, _ = keyring.data_key_for(A)
    b_id, b_raw = keyring.data_key_for(B)
    backup = store.snapshot()  # the database backup, wrapped DEKs and all
    keyring.shred(A)
    restored = KeyRing(MasterKey.load(vault_path), backup)
    dek = backup.get(a_id)
    assert dek is not None and dek.state == "active" and dek.wrapped  # the backup still has it
    with pytest.raises(HeadcountError) as caught:
        restored.unwrap(a_id)
    assert caught.value.code == "E1407"
    # Even bypassing the shredded list, nothing in the vault can unwrap it any more.
    with pytest.raises(HeadcountError):
        restored.master.kek(A, crypto.key_id_of(dek.wrapped))
    assert restored.unwrap(b_id) == b_raw


def test_shred_takes_effect_in_a_process_with_cached_keys(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    a_id, _ = keyring.data_key_for(A)
    other = KeyRing(MasterKey.load(vault_path), store)
    other.unwrap(a_id)  # cached in the other process
    KeyRing(MasterKey.load(vault_path), store).shred(A)
    with pytest.raises(HeadcountError) as caught:
        other.unwrap(a_id)
    assert caught.value.code == "E1407"


def test_routine_master_rotation_keeps_backups_restorable(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path, master: MasterKey
) -> None:
    a_id, a_raw = keyring.data_key_for(A)
    keyring.data_key_for(B)
    backup = store.snapshot()
    old_master = master.key_id
    report = keyring.rotate_master()
    assert report == (2, False, 0)
    fresh = MasterKey.load(vault_path)
    assert fresh.key_id != old_master
    assert KeyRing(fresh, backup).unwrap(a_id) == a_raw


def test_master_rotation_with_new_keks_rewraps_every_live_key(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    a_old, a_old_raw = keyring.data_key_for(A)
    a_new = keyring.rotate(A)
    b_id, b_raw = keyring.data_key_for(B)
    keyring.data_key_for("2020:110105")
    keyring.shred("2020:110105")
    before = {k.id: k.wrapped for k in store.list()}
    backup = store.snapshot()
    report = keyring.rotate_master(rotate_keks=True)
    assert report == (2, True, 3)
    assert all(before[k.id] != k.wrapped for k in store.list() if k.state != "shredded")
    fresh = KeyRing(MasterKey.load(vault_path), store)
    assert fresh.unwrap(a_old) == a_old_raw
    assert fresh.unwrap(b_id) == b_raw
    assert fresh.data_key_for(A)[0] == a_new
    # The old KEKs are gone: keys wrapped before the rotation no longer unwrap.
    with pytest.raises(HeadcountError) as caught:
        KeyRing(MasterKey.load(vault_path), backup).unwrap(b_id)
    assert caught.value.code == "E1406"


def test_scope_of_builds_wave_area() -> None:
    assert scope_of("2020", "110101") == "2020:110101"
    with pytest.raises(HeadcountError):
        scope_of("2020", "11 01")


def test_no_key_material_in_repr_or_logs(
    keyring: KeyRing, store: MemoryKeyStore, caplog: pytest.LogCaptureFixture
) -> None:
    key_id, raw = keyring.data_key_for(A)
    dek = store.get(key_id)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("%r %s %r", keyring, dek, store)
    for text in (repr(keyring), repr(dek), caplog.text):
        assert raw.hex() not in text and repr(raw) not in text
    assert dek is not None and dek.wrapped.hex() not in repr(dek)


def test_a_key_created_in_a_rolled_back_transaction_is_never_used(
    keyring: KeyRing, store: MemoryKeyStore
) -> None:
    before = store.snapshot()
    phantom, _ = keyring.data_key_for(A)  # the transaction that created it then rolls back
    store.keys = before.keys
    key_id, raw = keyring.data_key_for(A)
    assert key_id != phantom
    assert store.get(key_id) is not None and store.get(phantom) is None
    assert keyring.unwrap(key_id) == raw


def test_rotation_by_another_process_is_seen_at_once(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    first, _ = keyring.data_key_for(A)
    new_id = KeyRing(MasterKey.load(vault_path), store).rotate(A)
    assert keyring.data_key_for(A)[0] == new_id != first


def test_wrapped_key_pasted_onto_another_key_row_does_not_unwrap(
    keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    old_id, _ = keyring.data_key_for(A)
    new_id = keyring.rotate(A)
    old, new = store.get(old_id), store.get(new_id)
    assert old is not None and new is not None
    store.keys[old_id] = DataKey(old.id, A, new.wrapped, old.state, old.created)
    with pytest.raises(HeadcountError) as caught:
        KeyRing(MasterKey.load(vault_path), store).unwrap(old_id)
    assert caught.value.code == "E1403" and "data_keys" in caught.value.message("en")
