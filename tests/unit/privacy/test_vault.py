"""The vault file: creation, loading refusals, shredding, master rotation, repr (C3)."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from headcount.errors import HeadcountError
from headcount.privacy import vault
from headcount.privacy.crypto import Profile
from headcount.privacy.keys import MasterKey


def _code(exc: pytest.ExceptionInfo[HeadcountError]) -> str:
    return exc.value.code


def test_create_writes_0600_and_refuses_to_overwrite(vault_path: Path, profile: Profile) -> None:
    master = MasterKey.create(vault_path, profile)
    assert stat.S_IMODE(os.stat(vault_path).st_mode) == 0o600
    assert master.profile == profile and not master.is_demo
    before = vault_path.read_bytes()
    with pytest.raises(HeadcountError) as caught:
        MasterKey.create(vault_path, profile)
    assert _code(caught) == "E1408"
    assert vault_path.read_bytes() == before


def test_file_is_small_versioned_json(master: MasterKey, vault_path: Path) -> None:
    doc = json.loads(vault_path.read_text())
    assert doc["format"] == "headcount-key-vault" and doc["version"] == 1
    assert doc["profile"] == master.profile


def test_load_refuses_group_or_world_readable(master: MasterKey, vault_path: Path) -> None:
    os.chmod(vault_path, 0o640)
    with pytest.raises(HeadcountError) as caught:
        MasterKey.load(vault_path)
    assert _code(caught) == "E1409" and "0o640" in caught.value.message("en")


def test_load_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as caught:
        MasterKey.load(tmp_path / "absent.key")
    assert _code(caught) == "E1415"


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[]", b'{"format": "other"}', b'{"format": "headcount-key-vault"}'],
)
def test_load_refuses_malformed_files(vault_path: Path, content: bytes) -> None:
    fd = os.open(vault_path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content)
    os.close(fd)
    with pytest.raises(HeadcountError) as caught:
        MasterKey.load(vault_path)
    assert _code(caught) == "E1410"


def test_load_refuses_wrong_key_length_and_bad_base64(master: MasterKey, vault_path: Path) -> None:
    doc = json.loads(vault_path.read_text())
    for bad in ("AAAA", "%%%"):
        doc["master"]["key"] = bad
        vault_path.write_text(json.dumps(doc))
        with pytest.raises(HeadcountError) as caught:
            MasterKey.load(vault_path)
        assert _code(caught) == "E1410"
        assert bad not in caught.value.message("en")


def test_placeholder_key_is_refused(master: MasterKey, vault_path: Path, profile: Profile) -> None:
    import base64

    doc = json.loads(vault_path.read_text())
    doc["master"]["key"] = base64.b64encode(b"\0" * len(base64.b64decode(doc["master"]["key"])))
    doc["master"]["key"] = doc["master"]["key"].decode()
    vault_path.write_text(json.dumps(doc))
    with pytest.raises(HeadcountError) as caught:
        MasterKey.load(vault_path, mode="demo")
    assert _code(caught) == "E1412"


def test_demo_key_only_in_demo_mode(vault_path: Path, profile: Profile) -> None:
    created = MasterKey.create(vault_path, profile, demo=True)
    assert created.is_demo
    assert MasterKey.load(vault_path, mode="demo").is_demo
    for mode in ("production", "development"):
        with pytest.raises(HeadcountError) as caught:
            MasterKey.load(vault_path, mode=mode)
        assert _code(caught) == "E1411"


def test_demo_key_constant_is_what_demo_files_hold(vault_path: Path) -> None:
    import base64

    MasterKey.create(vault_path, "intl", demo=True)
    doc = json.loads(vault_path.read_text())
    assert base64.b64decode(doc["master"]["key"]) == vault.DEMO_MASTER_KEY


def test_kek_is_created_once_and_survives_reload(master: MasterKey, vault_path: Path) -> None:
    kek_id, kek = master.kek("2020:110101")
    assert master.kek("2020:110101") == (kek_id, kek)
    assert MasterKey.load(vault_path).kek("2020:110101") == (kek_id, kek)
    assert master.scopes() == ["2020:110101"]
    assert stat.S_IMODE(os.stat(vault_path).st_mode) == 0o600


def test_invalid_scope_is_refused(master: MasterKey) -> None:
    for bad in ("", "110101", "2020:", "2020:11 01", "a:b:c", "../x:y"):
        with pytest.raises(HeadcountError) as caught:
            master.kek(bad)
        assert _code(caught) == "E1414"


def test_shred_is_seen_by_another_process_view(master: MasterKey, vault_path: Path) -> None:
    master.kek("2020:110101")
    other = MasterKey.load(vault_path)  # e.g. a web worker that loaded the vault earlier
    master.shred("2020:110101")
    assert other.is_shredded("2020:110101")
    with pytest.raises(HeadcountError) as caught:
        other.kek("2020:110101")
    assert _code(caught) == "E1407"
    assert "2020:110101" in master.shredded()
    assert "2020:110101" not in vault_path.read_text().split('"shredded"')[0]


def test_rotate_master_keeps_keks_and_index_key(master: MasterKey, vault_path: Path) -> None:
    kek = master.kek("2020:110101")
    index_root = master.index_root()
    old_id = master.key_id
    master.rotate_master()
    assert master.key_id != old_id
    reloaded = MasterKey.load(vault_path)
    assert reloaded.kek("2020:110101") == kek
    assert reloaded.index_root() == index_root


def test_no_key_material_in_repr_str_or_logs(
    master: MasterKey, vault_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import base64

    doc = json.loads(vault_path.read_text())
    secret_b64 = doc["master"]["key"]
    secret = base64.b64decode(secret_b64)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("vault %s %r", master, master)
    for text in (repr(master), str(master), caplog.text):
        assert secret_b64 not in text
        assert secret.hex() not in text
        assert repr(secret) not in text


def _first_use(path: str, scopes: list[str], out: Any, start: Any) -> None:
    master = MasterKey.load(path)
    start.wait()  # all workers loaded: now their first uses really race
    out.put({scope: master.kek(scope)[0].hex() for scope in scopes})


def test_processes_sharing_the_vault_agree_on_every_kek(tmp_path: Path) -> None:
    vault_path = tmp_path / "shared.key"
    MasterKey.create(vault_path, "intl")
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork is unsafe in threaded runners
    queue = context.Queue()
    start = context.Barrier(3)
    # Three workers, overlapping scopes: every first use races with another process.
    plans = [[f"2020:1101{(w + i) % 8:02d}" for i in range(6)] for w in range(3)]
    workers = [
        context.Process(target=_first_use, args=(str(vault_path), plan, queue, start))
        for plan in plans
    ]
    for worker in workers:
        worker.start()
    seen = [queue.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    final = MasterKey.load(vault_path)
    assert set(final.scopes()) == {s for plan in plans for s in plan}
    for result in seen:
        for scope, kek_id in result.items():
            assert final.kek(scope)[0].hex() == kek_id
