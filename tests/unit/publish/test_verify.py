"""``verify_bundle``: a changed byte, an added or removed file, edited sums, a re-run gate."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from headcount.errors import HeadcountError
from headcount.publish import build_bundle, verify_bundle
from tests.unit.publish.builders import ID


@pytest.fixture
def bundle(tables_dir: Path, comm_dir: Path, out: Path) -> Path:
    build_bundle([tables_dir, comm_dir], out)
    return out


@contextmanager
def writable(root: Path) -> Iterator[None]:
    """The bundle is read-only (0444/0555); tampering needs write permission first."""
    for dirpath, _dirs, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in files:
            os.chmod(Path(dirpath) / name, 0o644)
    yield


def _first(root: Path) -> tuple[str, str]:
    check = verify_bundle(root)
    assert not check.ok
    first = check.problems[0]
    return first.code, first.details["path"]


def test_a_changed_byte_is_found(bundle: Path) -> None:
    target = bundle / "tables" / "national" / "age_sex_single_year.csv"
    with writable(bundle):
        data = bytearray(target.read_bytes())
        data[-2] ^= 1
        target.write_bytes(bytes(data))
    assert _first(bundle) == ("E1881", "tables/national/age_sex_single_year.csv")


def test_a_same_size_change_in_a_png_is_found(bundle: Path) -> None:
    target = bundle / "communique" / "charts" / "pyramid.png"
    with writable(bundle):
        data = bytearray(target.read_bytes())
        data[-20] ^= 0xFF
        target.write_bytes(bytes(data))
    assert _first(bundle) == ("E1881", "communique/charts/pyramid.png")


def test_an_added_file_is_found(bundle: Path) -> None:
    with writable(bundle):
        (bundle / "communique" / "extra.md").write_text("新增\n", "utf-8")
    assert _first(bundle) == ("E1882", "communique/extra.md")


def test_an_added_symlink_is_found(bundle: Path) -> None:
    with writable(bundle):
        (bundle / "communique" / "link").symlink_to(bundle / "tables")
    assert _first(bundle) == ("E1882", "communique/link")


def test_a_removed_file_is_found(bundle: Path) -> None:
    with writable(bundle):
        (bundle / "tables" / "province" / "population_by_province.xlsx").unlink()
    assert _first(bundle) == ("E1883", "tables/province/population_by_province.xlsx")


def test_every_problem_is_listed_first_bad_file_first(bundle: Path) -> None:
    with writable(bundle):
        (bundle / "tables" / "tables.json").unlink()
        (bundle / "communique" / "zz.md").write_text("x\n", "utf-8")
    check = verify_bundle(bundle)
    assert [(p.code, p.details["path"]) for p in check.problems] == [
        ("E1882", "communique/zz.md"),
        ("E1883", "tables/tables.json"),
    ]


def test_edited_sums_are_found(bundle: Path) -> None:
    sums = bundle / "SHA256SUMS"
    with writable(bundle):
        lines = sums.read_text("utf-8").splitlines()
        lines[1] = "0" * 64 + lines[1][64:]
        sums.write_text("\n".join(lines) + "\n", "utf-8")
    code, path = _first(bundle)
    assert code == "E1884" and path == lines[1][66:]


def test_not_a_bundle(tmp_path: Path, bundle: Path) -> None:
    for root in (tmp_path / "missing", tmp_path):
        with pytest.raises(HeadcountError) as caught:
            verify_bundle(root)
        assert caught.value.code == "E1880"
    with writable(bundle):
        (bundle / "bundle.json").write_text('{"format": "other"}', "utf-8")
    with pytest.raises(HeadcountError) as caught:
        verify_bundle(bundle)
    assert caught.value.code == "E1880"


def test_the_gate_runs_again(bundle: Path) -> None:
    """Rewrite a file and every digest to match: only the re-run scan gate can tell."""
    name = "communique/communique.md"
    with writable(bundle):
        (bundle / name).write_text(f"公报\n身份证号码：{ID}\n", "utf-8")
        manifest = json.loads((bundle / "bundle.json").read_text("utf-8"))
        data = (bundle / name).read_bytes()
        for entry in manifest["files"]:
            if entry["path"] == name:
                entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        raw = json.dumps(manifest).encode()
        (bundle / "bundle.json").write_bytes(raw)
        sums = [f"{hashlib.sha256(raw).hexdigest()}  bundle.json"]
        sums += [f"{e['sha256']}  {e['path']}" for e in manifest["files"]]
        (bundle / "SHA256SUMS").write_text("\n".join(sums) + "\n", "utf-8")
    check = verify_bundle(bundle)
    assert [(p.code, p.details["path"], p.details["reason"]) for p in check.problems] == [
        ("E1885", name, "scan: citizen_id")
    ]
    assert ID not in json.dumps(check.to_json(), ensure_ascii=False)
