"""Field encryption (D1, D4, D5): bound to its place, tamper-evident, rotatable, shreddable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.fields import FieldCipher
from headcount.privacy.keys import KeyRing, MasterKey, MemoryKeyStore

A = "2020:110101"
B = "2020:110102"
PLACE: dict[str, Any] = {"table": "person", "column": "name", "row_id": 7}


@pytest.fixture
def cipher(keyring: KeyRing) -> FieldCipher:
    return FieldCipher(keyring, keyring.profile)


def _code(caught: pytest.ExceptionInfo[HeadcountError]) -> str:
    return caught.value.code


def test_round_trip_and_header(cipher: FieldCipher, keyring: KeyRing) -> None:
    blob = cipher.encrypt("张三", scope=A, **PLACE)
    assert cipher.decrypt(blob, **PLACE) == "张三"
    assert cipher.key_id_of(blob) == keyring.data_key_for(A)[0]
    assert "张三".encode() not in blob


@pytest.mark.parametrize(
    "moved",
    [
        {"table": "person", "column": "name", "row_id": 8},
        {"table": "person", "column": "address", "row_id": 7},
        {"table": "household", "column": "name", "row_id": 7},
        {"table": "person", "column": "name", "row_id": "7 "},
    ],
)
def test_ciphertext_moved_elsewhere_does_not_belong_there(
    cipher: FieldCipher, moved: dict[str, str | int]
) -> None:
    blob = cipher.encrypt("110101199003077777", scope=A, **PLACE)
    with pytest.raises(HeadcountError) as caught:
        cipher.decrypt(blob, **moved)  # type: ignore[arg-type]
    assert _code(caught) == "E1403"
    assert "does not belong here" in caught.value.message("en")
    assert "110101" not in str(caught.value.to_dict())


def test_every_flipped_bit_is_detected(cipher: FieldCipher) -> None:
    blob = cipher.encrypt("13812345678", scope=A, **PLACE)
    for position in range(len(blob)):
        for bit in (0, 7):
            bad = bytearray(blob)
            bad[position] ^= 1 << bit
            with pytest.raises(HeadcountError) as caught:
                cipher.decrypt(bytes(bad), **PLACE)
            # Header bits name another suite or key; binding bits look misplaced; the rest damaged.
            assert _code(caught) in {"E1403", "E1404", "E1405", "E1406"}


def test_body_bit_flip_is_reported_damaged(cipher: FieldCipher) -> None:
    blob = bytearray(cipher.encrypt("value", scope=A, **PLACE))
    blob[crypto.HEADER_BYTES] ^= 1
    with pytest.raises(HeadcountError) as caught:
        cipher.decrypt(bytes(blob), **PLACE)
    assert _code(caught) == "E1404"


def test_truncated_or_foreign_blob(cipher: FieldCipher) -> None:
    blob = cipher.encrypt("value", scope=A, **PLACE)
    for bad in (blob[:20], b"", b"plain text that was never encrypted here"):
        with pytest.raises(HeadcountError) as caught:
            cipher.decrypt(bad, **PLACE)
        assert _code(caught) in {"E1404", "E1405", "E1406"}


def test_profile_must_match_the_vault(keyring: KeyRing) -> None:
    other: Profile = "gm" if keyring.profile == "intl" else "intl"
    with pytest.raises(HeadcountError) as caught:
        FieldCipher(keyring, other)
    assert _code(caught) == "E1416"


def test_after_rotation_every_row_decrypts_and_reencrypt_moves_rows(
    cipher: FieldCipher, keyring: KeyRing, store: MemoryKeyStore
) -> None:
    rows = {
        i: cipher.encrypt(f"姓名{i}", scope=A, table="person", column="name", row_id=i)
        for i in range(20)
    }
    old_id = keyring.data_key_for(A)[0]
    new_id = keyring.rotate(A)
    for i, blob in rows.items():
        assert cipher.decrypt(blob, table="person", column="name", row_id=i) == f"姓名{i}"
    moved = {
        i: cipher.reencrypt(b, scope=A, table="person", column="name", row_id=i)
        for i, b in rows.items()
    }
    assert {cipher.key_id_of(b) for b in moved.values()} == {new_id}
    still_old = sum(cipher.key_id_of(b) == old_id for b in moved.values())
    keyring.disable(old_id, rows_using=still_old)
    fresh = FieldCipher(KeyRing(keyring.master, store))
    for i, blob in moved.items():
        assert fresh.decrypt(blob, table="person", column="name", row_id=i) == f"姓名{i}"
        assert cipher.reencrypt(blob, scope=A, table="person", column="name", row_id=i) is blob
    with pytest.raises(HeadcountError) as caught:
        fresh.decrypt(rows[0], table="person", column="name", row_id=0)
    assert _code(caught) == "E1417"


def test_after_shredding_scope_rows_are_gone_other_scopes_remain(
    cipher: FieldCipher, keyring: KeyRing, store: MemoryKeyStore, vault_path: Path
) -> None:
    a_blob = cipher.encrypt("甲", scope=A, **PLACE)
    b_blob = cipher.encrypt("乙", scope=B, table="person", column="name", row_id=8)
    backup = store.snapshot()
    keyring.shred(A)
    for ring in (keyring, KeyRing(MasterKey.load(vault_path), backup)):
        reader = FieldCipher(ring)
        with pytest.raises(HeadcountError) as caught:
            reader.decrypt(a_blob, **PLACE)
        assert _code(caught) == "E1407"
        assert reader.decrypt(b_blob, table="person", column="name", row_id=8) == "乙"


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=200), row_id=st.integers(min_value=0, max_value=2**63))
def test_any_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, value: str, row_id: int
) -> None:
    ring = _ring(tmp_path_factory)
    cipher = FieldCipher(ring)
    blob = cipher.encrypt(value, scope=A, table="t", column="c", row_id=row_id)
    assert cipher.decrypt(blob, table="t", column="c", row_id=row_id) == value


_RINGS: dict[str, KeyRing] = {}


def _ring(factory: pytest.TempPathFactory) -> KeyRing:
    if "ring" not in _RINGS:
        path = factory.mktemp("vault") / "k.key"
        _RINGS["ring"] = KeyRing(MasterKey.create(path, "gm"), MemoryKeyStore())
    return _RINGS["ring"]
