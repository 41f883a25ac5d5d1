"""The tables' memory bound: a bad value is refused before anything is written; a small bound
gives the same tables (DuckDB spills instead of holding everything)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.tables import build
from tests.unit.tables import handmade


def test_a_bad_memory_limit_is_refused(tmp_path: Path) -> None:
    source = handmade.write_extract(tmp_path / "e")
    with pytest.raises(HeadcountError) as exc:
        build(source, tmp_path / "t", memory_limit="lots")
    assert exc.value.problem is errors.TABLES_MEMORY_LIMIT_INVALID
    assert not (tmp_path / "t").exists()


def test_a_small_bound_gives_the_same_tables(tmp_path: Path) -> None:
    source = handmade.write_extract(tmp_path / "e")
    a = build(source, tmp_path / "a", levels="national,county", formats="parquet")
    b = build(
        source, tmp_path / "b", levels="national,county", formats="parquet", memory_limit="64MB"
    )
    assert a["figures"] == b["figures"]
    for entry in a["tables"]:
        left = pl.read_parquet(tmp_path / "a" / entry["files"]["parquet"])
        right = pl.read_parquet(tmp_path / "b" / entry["files"]["parquet"])
        assert left.equals(right), entry["id"]
