"""Signed tree heads: Ed25519 signing, export as JSON lines, loading, signing-key files."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from headcount.audit import merkle
from headcount.audit.heads import (
    SignedTreeHead,
    SigningKey,
    load_heads,
    load_public_key,
    sign_head,
    verify_head,
)
from headcount.errors import HeadcountError

WHEN = datetime(2020, 11, 1, 0, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return SigningKey.create(tmp_path / "audit-signing.key")


def _root(n: int) -> bytes:
    return merkle.root([merkle.leaf_hash(str(i).encode()) for i in range(n)])


def test_sign_verify_and_tamper(key: SigningKey) -> None:
    head = key.sign(10, _root(10), WHEN)
    assert head.verify(key.public_key)
    verify_head(head, key.public_key)
    other = SigningKey(bytes(range(32)))
    assert not head.verify(other.public_key)
    for forged in (
        SignedTreeHead(11, head.root, head.timestamp, head.key_id, head.signature),
        SignedTreeHead(10, _root(9), head.timestamp, head.key_id, head.signature),
        SignedTreeHead(
            10, head.root, head.timestamp + timedelta(seconds=1), head.key_id, head.signature
        ),
    ):
        assert not forged.verify(key.public_key)
        with pytest.raises(HeadcountError) as caught:
            verify_head(forged, key.public_key)
        assert caught.value.code == "E1503"


def test_export_and_load_round_trip(key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "heads.jsonl"
    beijing = timezone(timedelta(hours=8))
    heads = [
        key.sign(n, _root(n), WHEN.astimezone(beijing) + timedelta(minutes=n)) for n in (0, 3, 3, 8)
    ]
    for head in heads:
        head.export(path)
    loaded = load_heads(path)
    assert loaded == heads
    assert all(h.verify(key.public_key) for h in loaded)
    assert len(path.read_text().splitlines()) == 4
    assert loaded[1].timestamp.utcoffset() == timedelta(0)


def test_export_refuses_rollback_and_fork(key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "heads.jsonl"
    key.sign(8, _root(8), WHEN).export(path)
    for size, root in ((5, _root(5)), (8, _root(7))):
        with pytest.raises(HeadcountError) as caught:
            key.sign(size, root, WHEN).export(path)
        assert caught.value.code == "E1505"
    assert len(load_heads(path)) == 1


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("not json", "Expecting value"),
        ("[]", "JSON object"),
        (
            '{"size": -1, "root": "", "timestamp": "", "key_id": "", "signature": ""}',
            "non-negative",
        ),
        (
            '{"size": 1, "root": "AA==", "timestamp": "2020-11-01T00:00:00+00:00", '
            '"key_id": "x", "signature": ""}',
            "32 bytes",
        ),
        ('{"size": 1}', "missing field root"),
    ],
)
def test_malformed_head_file_names_the_line(
    key: SigningKey, tmp_path: Path, line: str, fragment: str
) -> None:
    path = tmp_path / "heads.jsonl"
    key.sign(1, _root(1), WHEN).export(path)
    with path.open("a") as out:
        out.write(line + "\n")
    with pytest.raises(HeadcountError) as caught:
        load_heads(path)
    assert caught.value.code == "E1502"
    assert caught.value.details["line"] == 2
    assert fragment in caught.value.details["reason"]


def test_missing_head_file(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as caught:
        load_heads(tmp_path / "none.jsonl")
    assert caught.value.code == "E1001"


def test_sign_head_checks_arguments(key: SigningKey) -> None:
    with pytest.raises(HeadcountError):
        sign_head(key, 1, b"short", WHEN)
    with pytest.raises(HeadcountError):
        sign_head(key, 1, _root(1), datetime(2020, 11, 1))  # naive time is ambiguous


def test_signing_key_file(key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "audit-signing.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = SigningKey.load(path)
    assert again.public_key == key.public_key and again.key_id == key.key_id
    with pytest.raises(HeadcountError) as caught:
        SigningKey.create(path)
    assert caught.value.code == "E1408"
    os.chmod(path, 0o644)
    with pytest.raises(HeadcountError) as caught:
        SigningKey.load(path)
    assert caught.value.code == "E1409"
    os.chmod(path, 0o600)
    doc = json.loads(path.read_text())
    doc["public_key"] = doc["public_key"][::-1]
    path.write_text(json.dumps(doc))
    with pytest.raises(HeadcountError) as caught:
        SigningKey.load(path)
    assert caught.value.code == "E1504"
    with pytest.raises(HeadcountError) as caught:
        SigningKey.load(tmp_path / "missing.key")
    assert caught.value.code == "E1504"


def test_public_key_export_for_auditors(key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "audit.pub"
    key.export_public(path)
    assert load_public_key(path) == key.public_key
    assert "private" not in path.read_text()
    with pytest.raises(HeadcountError):
        load_public_key(tmp_path / "audit-signing.key")


def test_private_key_never_in_repr(key: SigningKey) -> None:
    for text in (repr(key), str(key)):
        assert key.private_key.hex() not in text
        assert "private" not in text.lower()
