"""The destruction certificate: signed with the installation's key; refused when changed or
foreign."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.retention import certificate

BODY: dict[str, Any] = {
    "run_id": "6f1c",
    "installation": {"signing_key_id": "x"},
    "schedule": {"name": "census-2020", "revision": 1, "sha256": "00" * 32},
    "as_of": "2022-06-01",
    "executed_at": "2022-06-01T02:00:00+00:00",
    "actions": [
        {"kind": "shred_scope", "target": "2020:110101", "data_keys": [{"key_id": "ab"}]},
        {"kind": "delete_rows", "target": "2020:110101", "rows_deleted": {"persons": 12}},
    ],
    "audit": {"entries": [{"seq": 44, "action": "keys.shred"}], "head": {}},
}
KEY = crypto.signing_key_new()
PUBLIC = crypto.signing_public_key(KEY)


def refused(doc: Any, public: bytes = PUBLIC) -> errors.Problem:
    with pytest.raises(HeadcountError) as caught:
        certificate.check(doc, public)
    return caught.value.problem


def test_a_signed_certificate_checks_and_names_its_key() -> None:
    doc = certificate.sign(copy.deepcopy(BODY), KEY)
    assert certificate.check(doc, PUBLIC) is doc
    assert doc["format"] == certificate.FORMAT and doc["signature"]["algorithm"] == "Ed25519"
    assert "private" not in str(doc) and KEY.hex() not in str(doc)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["actions"][1]["rows_deleted"].update(persons=11),
        lambda d: d["actions"].pop(0),
        lambda d: d.update(as_of="2021-06-01"),
        lambda d: d["audit"]["entries"][0].update(seq=45),
        lambda d: d.update(note="added later"),
        lambda d: d["signature"].update(value="AAAA"),
        lambda d: d["signature"].update(value="not base64!"),
    ],
)
def test_any_change_breaks_the_signature(change: Any) -> None:
    doc = certificate.sign(copy.deepcopy(BODY), KEY)
    change(doc)
    assert refused(doc) is errors.RETENTION_CERTIFICATE_TAMPERED


def test_a_certificate_of_another_installation_is_named_as_such() -> None:
    other = crypto.signing_key_new()
    doc = certificate.sign(copy.deepcopy(BODY), other)
    assert refused(doc) is errors.RETENTION_CERTIFICATE_FOREIGN
    # Intact under its own key: the refusal is about whose it is, not about its content.
    assert certificate.check(doc, crypto.signing_public_key(other)) is doc


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"format": "headcount-backup"},
        {**BODY, "format": certificate.FORMAT, "version": 2},
        {"format": certificate.FORMAT, "version": 1, "run_id": "x"},
        {**BODY, "format": certificate.FORMAT, "version": 1, "signature": "x"},
    ],
)
def test_malformed_certificates_are_refused(doc: Any) -> None:
    assert refused(doc) is errors.RETENTION_CERTIFICATE_INVALID


def test_reading_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(HeadcountError) as caught:
        certificate.read(path)
    assert caught.value.problem is errors.RETENTION_CERTIFICATE_INVALID
    with pytest.raises(HeadcountError):
        certificate.read(tmp_path / "absent.json")
