"""The extract directory: private, atomic, and refused when anything in it is not as listed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import polars as pl
import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing.layout import REQUIRED, ExtractWriter, open_extract


def _write(out: Path) -> Path:
    writer = ExtractWriter(out)
    for table in REQUIRED:
        writer.write(table, pl.DataFrame({"household_id": ["a", "b"], "n": [1, 2]}))
    writer.write("persons", pl.DataFrame({"household_id": ["c"], "n": [3]}))
    writer.finish({"source": {"kind": "test"}})
    return out


def _code(exc: pytest.ExceptionInfo[HeadcountError]) -> str:
    return exc.value.problem.code


def test_written_private_and_complete(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    assert not list(tmp_path.glob(".x.partial-*"))
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600)
    extract = open_extract(out)
    assert extract.manifest["tables"]["persons"]["rows"] == 3
    assert extract.scan("persons").collect().height == 3 and len(extract.digest) == 64


def test_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(HeadcountError) as exc:
        ExtractWriter(tmp_path / "x")
    assert _code(exc) == errors.EXTRACT_OUT_NOT_EMPTY.code
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_an_aborted_extract_leaves_nothing(tmp_path: Path) -> None:
    writer = ExtractWriter(tmp_path / "x")
    writer.write("persons", pl.DataFrame({"n": [1]}))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_missing_manifest_and_bad_manifest(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as exc:
        open_extract(tmp_path)
    assert _code(exc) == errors.EXTRACT_NOT_FOUND.code
    (tmp_path / "manifest.json").write_text('{"format": "something else"}')
    with pytest.raises(HeadcountError) as exc:
        open_extract(tmp_path)
    assert _code(exc) == errors.EXTRACT_MANIFEST_INVALID.code


def test_missing_table_names_it(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["tables"]["death_forms"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(HeadcountError) as exc:
        open_extract(out)
    assert _code(exc) == errors.EXTRACT_TABLE_MISSING.code
    assert "death_forms" in exc.value.message("en")


def test_wrong_schema_names_file_and_column(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    part = out / "households" / "part-00000.parquet"
    part.chmod(0o600)
    pl.DataFrame({"household_id": ["a", "b"], "n": ["1", "2"]}).write_parquet(part)
    with pytest.raises(HeadcountError) as exc:
        open_extract(out, verify=False)  # (with digests on, the digest differs first)
    assert _code(exc) == errors.EXTRACT_SCHEMA.code
    assert "part-00000.parquet" in exc.value.message("en") and "n" in exc.value.details["column"]


def test_a_truncated_part_is_unreadable_or_a_digest_mismatch(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    part = out / "persons" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:40])
    with pytest.raises(HeadcountError) as exc:
        open_extract(out)
    assert _code(exc) == errors.EXTRACT_DIGEST.code
    with pytest.raises(HeadcountError) as exc:
        open_extract(out, verify=False)
    assert _code(exc) == errors.EXTRACT_FILE_UNREADABLE.code


def test_changed_byte_is_a_digest_mismatch(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    part = out / "persons" / "part-00001.parquet"
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))
    with pytest.raises(HeadcountError) as exc:
        open_extract(out)
    assert _code(exc) == errors.EXTRACT_DIGEST.code
    assert "persons" in exc.value.message("zh")


def test_digest_mismatch_of_a_valid_parquet_file(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    part = out / "persons" / "part-00001.parquet"
    pl.DataFrame({"household_id": ["z"], "n": [9]}).write_parquet(part)  # same schema, new rows
    with pytest.raises(HeadcountError) as exc:
        open_extract(out)
    assert _code(exc) == errors.EXTRACT_DIGEST.code


def test_an_unlisted_file_is_refused(tmp_path: Path) -> None:
    out = _write(tmp_path / "x")
    pl.DataFrame({"household_id": ["z"], "n": [9]}).write_parquet(
        out / "persons" / "part-00009.parquet"
    )
    with pytest.raises(HeadcountError) as exc:
        open_extract(out)
    assert _code(exc) == errors.EXTRACT_FILE_UNLISTED.code
