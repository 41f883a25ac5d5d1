"""Dependency and code policy (checklist C2, C3): no gmssl, no ECB/CBC, no key material shown."""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import re
from pathlib import Path

import pytest

from headcount.audit.heads import SigningKey
from headcount.privacy.blind_index import BlindIndexer
from headcount.privacy.fields import FieldCipher
from headcount.privacy.keys import KeyRing, MasterKey, MemoryKeyStore

SRC = Path(__file__).resolve().parents[3] / "src"
# Unauthenticated or pattern-leaking modes, spelled any way the cryptography API allows.
FORBIDDEN_MODES = re.compile(
    r"\b(?:modes\.)?(?:ECB|CBC)\s*\(|\bMODE_(?:ECB|CBC)\b|\bfrom\s+\S+\s+"
    r"import\s+.*\b(?:ECB|CBC)\b"
)


def test_gmssl_is_not_installed() -> None:
    # gmssl draws SM2 nonces from random.choice (Mersenne Twister) and offers SM4 in ECB/CBC only.
    assert importlib.util.find_spec("gmssl") is None


def test_no_module_under_src_uses_ecb_or_cbc() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if FORBIDDEN_MODES.search(line)
    ]
    assert not offenders, offenders


@pytest.mark.parametrize(
    "line",
    [
        "Cipher(algorithms.AES(k), modes.ECB())",
        "Cipher(algorithms.SM4(k), modes.CBC(iv))",
        "from cryptography.hazmat.primitives.ciphers.modes import CBC",
        "AES.new(k, AES.MODE_ECB)",
    ],
)
def test_the_mode_check_would_catch(line: str) -> None:
    assert FORBIDDEN_MODES.search(line)


def test_only_crypto_module_calls_ciphers() -> None:
    calls = re.compile(r"\b(?:AESGCM|Cipher|algorithms\.\w+)\s*\(")
    users = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if calls.search(path.read_text("utf-8"))
    }
    assert users <= {"headcount/privacy/crypto.py"}, users


def test_no_key_material_in_repr_str_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    master = MasterKey.create(tmp_path / "k.key", "gm")
    signing = SigningKey.create(tmp_path / "s.key")
    ring = KeyRing(master, MemoryKeyStore())
    _, dek = ring.data_key_for("2020:110101")
    objects = [master, ring, FieldCipher(ring), BlindIndexer(master, "gm"), signing]
    vault = json.loads((tmp_path / "k.key").read_text())
    secrets = [
        base64.b64decode(vault["master"]["key"]),
        master.index_root(),
        master.kek("2020:110101")[1],
        dek,
        signing.private_key,
    ]
    caplog.set_level(logging.DEBUG)
    for obj in objects:
        logging.getLogger("headcount.test").debug("object %s / %r", obj, obj)
    shown = "\n".join([*(repr(o) for o in objects), *(str(o) for o in objects), caplog.text])
    for secret in secrets:
        for form in (secret.hex(), base64.b64encode(secret).decode(), repr(secret)):
            assert form not in shown
