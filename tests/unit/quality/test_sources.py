"""``quality --registers``: registers extracted apart from the census are linked exactly as if they
were in the extract, and refused when their key, encoding or columns differ — before anything is
written."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing.layout import digest_file
from headcount.quality import run
from tests.unit.quality.handmade import write_extract, write_registers

KINDS = ("duplicates", "omissions", "erroneous", "discrepancies", "double_registration")


def _frames(out: Path) -> dict[str, list[tuple[object, ...]]]:
    return {k: sorted(pl.read_parquet(out / f"{k}.parquet").rows()) for k in KINDS}


def test_registers_apart_give_the_same_findings(tmp_path: Path) -> None:
    run(write_extract(tmp_path / "together"), tmp_path / "one")
    census = write_extract(tmp_path / "census", registers=False)
    run(census, tmp_path / "two", registers=write_registers(tmp_path / "registers"))
    assert _frames(tmp_path / "two") == _frames(tmp_path / "one")
    summary = json.loads((tmp_path / "two" / "quality.json").read_text("utf-8"))
    assert summary["source"]["registers"]["path"] == str(tmp_path / "registers")


def _refused(tmp_path: Path, registers: Path, source: Path | None = None) -> HeadcountError:
    census = source or write_extract(tmp_path / "census", registers=False)
    with pytest.raises(HeadcountError) as refused:
        run(census, tmp_path / "out", registers=registers)
    assert not (tmp_path / "out").exists()  # nothing written, not even the directory
    return refused.value


def test_registers_under_another_key_are_refused(tmp_path: Path) -> None:
    other = write_registers(tmp_path / "registers", secret=b"x" * 32, key_id="ff" * 8)
    error = _refused(tmp_path, other)
    assert error.problem == errors.QUALITY_REGISTERS_KEY
    assert "ff" * 8 in error.message("en")


def test_registers_in_another_encoding_are_refused(tmp_path: Path) -> None:
    registers = write_registers(tmp_path / "registers")
    manifest = json.loads((registers / "manifest.json").read_text("utf-8"))
    manifest["encoding"]["name"] = "Bloom filter, 1024 bits, k=4"
    (registers / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    assert _refused(tmp_path, registers).problem == errors.QUALITY_REGISTERS_ENCODING


def test_registers_with_unknown_columns_are_refused(tmp_path: Path) -> None:
    registers = write_registers(tmp_path / "registers")
    # A clear name column slipped into a register part (its manifest entry kept consistent, so
    # only the column check can catch it).
    part = registers / "registers_hukou" / "part-00000.parquet"
    frame = pl.read_parquet(part).with_columns(pl.lit("某某").alias("name"))
    part.chmod(0o600)
    frame.write_parquet(part)
    manifest = json.loads((registers / "manifest.json").read_text("utf-8"))
    entry = manifest["tables"]["registers_hukou"]
    entry["schema"] = {k: str(v) for k, v in frame.schema.items()}
    entry["files"][0]["sha256"] = digest_file(part)
    (registers / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    error = _refused(tmp_path, registers)
    assert error.problem == errors.QUALITY_REGISTERS_COLUMNS
    assert "name" in error.message("en") and "某某" not in error.message("en")


def test_registers_twice_and_a_census_extract_as_registers_are_refused(tmp_path: Path) -> None:
    together = write_extract(tmp_path / "together")
    registers = write_registers(tmp_path / "registers")
    error = _refused(tmp_path, registers, source=together)
    assert error.problem == errors.QUALITY_REGISTERS_TWICE
    census = write_extract(tmp_path / "census", registers=False)
    assert _refused(tmp_path, census, source=census).problem == errors.QUALITY_NOT_EXTRACT
