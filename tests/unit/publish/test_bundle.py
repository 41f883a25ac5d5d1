"""Building a bundle: a clean one is written and verifies; a leak anywhere refuses it whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from headcount import errors
from headcount.audit.heads import SigningKey
from headcount.errors import HeadcountError
from headcount.publish import PublicationRefused, build_bundle, verify_bundle
from tests.unit.publish.builders import (
    ID,
    MASKED_ID,
    Edit,
    png,
    write_communique,
    write_tables,
)
from tests.unit.publish.conftest import leftovers


def _refused(sources: list[Path], out: Path) -> PublicationRefused:
    with pytest.raises(PublicationRefused) as caught:
        build_bundle(sources, out)
    assert not os.path.lexists(out)
    assert leftovers(out) == []  # not even the staging directory
    text = json.dumps(caught.value.report, ensure_ascii=False) + str(caught.value)
    assert ID not in text  # masked previews only
    return caught.value


def test_clean_bundle_is_written_read_only_and_verifies(
    tables_dir: Path, comm_dir: Path, out: Path
) -> None:
    published = build_bundle([tables_dir, comm_dir], out)
    assert published.path == out
    manifest = json.loads((out / "bundle.json").read_text("utf-8"))
    assert manifest["format"] == "headcount-publication" and manifest["version"] == 1
    assert manifest["created_at"].endswith("Z")
    tables = manifest["source"]["tables"]
    assert tables["source"] == {"kind": "synth", "digest": "ab" * 32, "key_id": "cd" * 8}
    assert tables["counting_rule_version"] == "2020.1"
    assert manifest["source"]["folders"] == ["tables", "communique"]
    assert manifest["gates"]["scan"]["verdict"] == "pass"
    disclosure = manifest["gates"]["disclosure"]
    assert disclosure["verdict"] == "pass"
    assert disclosure["checks"][0]["name"] == "min_cell"
    assert disclosure["checks"][0]["threshold"] == 3
    assert manifest["derived"] == {"communique/charts/pyramid.png": "communique/charts/pyramid.svg"}
    paths = [f["path"] for f in manifest["files"]]
    assert "tables/tables.json" in paths and "tables/national/age_sex_single_year.parquet" in paths
    assert "communique/charts/pyramid.png" in paths and "communique/communique.md" in paths
    for entry in manifest["files"]:
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
    for dirpath, _dirs, files in os.walk(out):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o555
        for name in files:
            assert stat.S_IMODE(os.stat(Path(dirpath) / name).st_mode) == 0o444
    assert leftovers(out) == [out.name]
    check = verify_bundle(out)
    assert check.ok, [p.to_dict() for p in check.problems]
    assert check.files == len(paths)


def test_sha256sums_is_coreutils_format(tables_dir: Path, comm_dir: Path, out: Path) -> None:
    build_bundle([tables_dir, comm_dir], out)
    lines = (out / "SHA256SUMS").read_text("utf-8").splitlines()
    assert lines[0].endswith("  bundle.json")
    assert all(len(line.split("  ", 1)[0]) == 64 for line in lines)
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "--check", "--strict", "SHA256SUMS"],
            cwd=out,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (Edit("csv", "households_by_type", 1, "household_type", ID), "csv"),
        (Edit("xlsx", "households_by_type", 2, "household_type", ID), "xlsx"),
        (Edit("parquet", "population_by_province", 0, "area_code", ID), "parquet"),
    ],
    ids=["csv", "xlsx", "parquet"],
)
def test_one_id_in_one_table_cell_refuses_everything(
    tmp_path: Path, comm_dir: Path, out: Path, edit: Edit, where: str
) -> None:
    tables = write_tables(tmp_path / "src" / "TABLES", edit=edit)
    refused = _refused([tables, comm_dir], out)
    assert refused.code == "E1870"
    blocking = refused.report["blocking"]
    assert len(blocking) == 1
    (finding,) = blocking
    assert finding["gate"] == "scan" and finding["type"] == "citizen_id"
    assert finding["file"].endswith(f".{where}") and finding["file"].startswith("tables/")
    assert finding["preview"].startswith("1") and "*" in finding["preview"]
    assert finding["location"]


def test_id_in_a_markdown_line_refuses(tmp_path: Path, tables_dir: Path, out: Path) -> None:
    comm = write_communique(tmp_path / "src" / "comm", markdown_extra=f"联系人证件号 {ID}\n")
    refused = _refused([tables_dir, comm], out)
    assert refused.code == "E1870"
    found = [b for b in refused.report["blocking"] if b["type"] == "citizen_id"]
    assert found[0]["file"] == "comm/communique.md" and found[0]["location"]["line"] == 4


def test_id_in_an_svg_comment_refuses_the_svg_and_its_png(
    tmp_path: Path, tables_dir: Path, out: Path
) -> None:
    comm = write_communique(tmp_path / "src" / "comm", svg_comment=f"身份证 {ID}")
    refused = _refused([tables_dir, comm], out)
    files = {(b["file"], b["type"]) for b in refused.report["blocking"]}
    assert ("comm/charts/pyramid.svg", "citizen_id") in files
    assert ("comm/charts/pyramid.png", "unscannable") in files  # its SVG did not pass


def test_masked_id_passes(tmp_path: Path, out: Path) -> None:
    edit = Edit("csv", "households_by_type", 1, "household_type", MASKED_ID)
    tables = write_tables(tmp_path / "src" / "TABLES", edit=edit)
    comm = write_communique(tmp_path / "src" / "comm", markdown_extra=f"示例：{MASKED_ID}\n")
    published = build_bundle([tables, comm], out)
    assert published.manifest["gates"]["scan"]["notes"] == 2
    assert verify_bundle(out).ok


def test_png_without_its_svg_is_refused(tmp_path: Path, tables_dir: Path, out: Path) -> None:
    comm = write_communique(tmp_path / "src" / "comm", svg=False)
    refused = _refused([tables_dir, comm], out)
    (item,) = refused.report["blocking"]
    assert item["file"] == "comm/charts/pyramid.png" and item["code"] == "E1876"


def test_png_text_chunk_is_scanned(tmp_path: Path, tables_dir: Path, out: Path) -> None:
    image = png({"Software": "headcount", "Author": f"ID {ID}"})
    comm = write_communique(tmp_path / "src" / "comm", chart_png=image)
    refused = _refused([tables_dir, comm], out)
    (item,) = refused.report["blocking"]
    assert item["type"] == "citizen_id" and item["location"]["part"] == "tEXt Author"


def test_unscannable_kinds_are_refused(tables_dir: Path, comm_dir: Path, out: Path) -> None:
    (comm_dir / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not checked")
    (comm_dir / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    refused = _refused([tables_dir, comm_dir], out)
    codes = {(b["file"], b["code"]) for b in refused.report["blocking"]}
    assert codes == {("communique/photo.jpg", "E1875"), ("communique/.DS_Store", "E1875")}


def test_damaged_parquet_is_refused(tables_dir: Path, comm_dir: Path, out: Path) -> None:
    (comm_dir / "extra.parquet").write_bytes(b"PAR1 not really")
    refused = _refused([tables_dir, comm_dir], out)
    (item,) = refused.report["blocking"]
    assert item["code"] == "E1703"


def test_usage_problems_write_nothing(tmp_path: Path, tables_dir: Path, comm_dir: Path) -> None:
    out = tmp_path / "public" / "b"
    out.parent.mkdir()
    cases: list[tuple[list[Path], str]] = [
        ([comm_dir], "E1872"),  # no tables.json
        ([tables_dir, tables_dir], "E1874"),  # two tables directories
        ([tables_dir, tmp_path / "missing"], "E1874"),
    ]
    for sources, code in cases:
        with pytest.raises(HeadcountError) as caught:
            build_bundle(sources, out)
        assert caught.value.code == code
        assert leftovers(out) == []
    out.mkdir()
    with pytest.raises(HeadcountError) as caught:
        build_bundle([tables_dir], out)
    assert caught.value.code == "E1873"
    assert list(out.iterdir()) == []


def test_table_file_changed_after_tables_json_is_refused(tables_dir: Path, out: Path) -> None:
    path = tables_dir / "province" / "population_by_province.csv"
    path.write_text(path.read_text("utf-8") + "32,1,1,1\n", "utf-8")
    with pytest.raises(HeadcountError) as caught:
        build_bundle([tables_dir], out)
    assert caught.value.code == "E1878"
    assert caught.value.details["path"] == "province/population_by_province.csv"
    assert leftovers(out) == []


def test_symbolic_links_are_refused(tables_dir: Path, comm_dir: Path, out: Path) -> None:
    (comm_dir / "link.md").symlink_to(comm_dir / "communique.md")
    with pytest.raises(HeadcountError) as caught:
        build_bundle([tables_dir, comm_dir], out)
    assert caught.value.code == "E1874"


def test_signed_bundle_verifies_with_its_key_only(
    tmp_path: Path, tables_dir: Path, comm_dir: Path, out: Path
) -> None:
    key = SigningKey.create(tmp_path / "audit-signing.key")
    other = SigningKey.create(tmp_path / "other.key")
    build_bundle([tables_dir, comm_dir], out, signing_key=key)
    assert (out / "bundle.sig").is_file()
    check = verify_bundle(out, public_key=key.public_key)
    assert check.ok and check.signature == "valid" and check.signed_by == key.key_id
    assert verify_bundle(out).signature == "present (not checked)"
    wrong = verify_bundle(out, public_key=other.public_key)
    assert not wrong.ok and wrong.problems[0].code == errors.BUNDLE_SIGNATURE_INVALID.code


def test_unsigned_bundle_fails_when_a_key_is_required(
    tmp_path: Path, tables_dir: Path, out: Path
) -> None:
    key = SigningKey.create(tmp_path / "audit-signing.key")
    build_bundle([tables_dir], out)
    check = verify_bundle(out, public_key=key.public_key)
    assert not check.ok and check.problems[0].code == "E1886"
