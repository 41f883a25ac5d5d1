"""Bad input never escapes as a traceback: only catalogued problems (the project's bar)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headcount.audit.heads import load_heads
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.fields import FieldCipher
from headcount.privacy.keys import KeyRing, MasterKey, MemoryKeyStore

_STATE: dict[str, Any] = {}


def _setup(factory: pytest.TempPathFactory) -> tuple[FieldCipher, bytes, Path]:
    if not _STATE:
        base = factory.mktemp("robust")
        ring = KeyRing(MasterKey.create(base / "k.key", "intl"), MemoryKeyStore())
        cipher = FieldCipher(ring)
        key_id, _ = ring.data_key_for("2020:110101")
        _STATE.update(cipher=cipher, key_id=key_id, base=base)
    return _STATE["cipher"], _STATE["key_id"], _STATE["base"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=st.binary(max_size=120), keep_key=st.booleans(), suite=st.sampled_from([1, 2, 9]))
def test_decrypting_garbage_raises_only_catalogued_problems(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes, keep_key: bool, suite: int
) -> None:
    cipher, key_id, _ = _setup(tmp_path_factory)
    if keep_key and len(blob) > 20:
        blob = bytes([suite]) + key_id + blob[17:]
    with pytest.raises(HeadcountError) as caught:
        cipher.decrypt(blob, table="person", column="name", row_id=1)
    assert caught.value.code in {"E1403", "E1404", "E1405", "E1406"}


FIELDS = [
    "format",
    "version",
    "profile",
    "created",
    "master",
    "master.id",
    "master.key",
    "index_key",
    "keks",
    "shredded",
    "keks.2020:110101",
]


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_malformed_vault_files_raise_only_catalogued_problems(
    tmp_path_factory: pytest.TempPathFactory, field: str, value: Any
) -> None:
    _, _, base = _setup(tmp_path_factory)
    path = base / "fuzz.key"
    doc = json.loads((base / "k.key").read_text())
    parent, _, child = field.partition(".")
    if child and isinstance(doc.get(parent), dict):
        doc[parent][child] = value
    else:
        doc[parent] = value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, json.dumps(doc).encode())
    os.close(fd)
    try:
        master = MasterKey.load(path)
        master.kek("2020:110101")
    except HeadcountError as exc:
        assert exc.code in {"E1404", "E1405", "E1406", "E1403", "E1410", "E1412", "E1411"}


@settings(max_examples=100, deadline=None)
@given(line=json_values)
def test_malformed_head_lines_raise_only_e1502(
    tmp_path_factory: pytest.TempPathFactory, line: Any
) -> None:
    _, _, base = _setup(tmp_path_factory)
    path = base / "heads.jsonl"
    path.write_text(json.dumps(line) + "\n")
    try:
        load_heads(path)
    except HeadcountError as exc:
        assert exc.code == "E1502"


def test_parse_sealed_accepts_memoryview() -> None:
    blob = crypto.seal("intl", bytes(32), bytes(16), b"x", b"aad")
    assert crypto.parse_sealed(memoryview(blob)).key_id == bytes(16)
