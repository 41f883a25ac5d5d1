from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from headcount.errors import HeadcountError
from headcount.synth import SynthConfig, generate, read_table, report


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files_whatever_the_workers(tmp_path: Path) -> None:
    cfg = SynthConfig(chunk_persons=2_000)
    a = generate(persons=6_000, seed=7, out=tmp_path / "a", config=cfg).out
    b = generate(persons=6_000, seed=7, out=tmp_path / "b", config=cfg, workers=2).out
    c = generate(persons=6_000, seed=8, out=tmp_path / "c", config=cfg).out
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    # Parts of one table share a schema, so the folder reads as one table.
    assert read_table(a, "persons").select(pl.len()).collect().item() > 6_000


def test_csv_format_and_province_subset(tmp_path: Path) -> None:
    out = generate(persons=3_000, seed=1, out=tmp_path / "csv", fmt="csv", provinces="31").out
    assert (out / "persons" / "part-00000.csv").is_file()
    areas = read_table(out, "small_areas").collect()
    assert set(areas["province_code"].cast(pl.Utf8).str.zfill(2)) == {"31"}
    truth = read_table(out, "truth_persons").collect()
    assert truth.height == 3_000
    # CSV parts read back with the manifest's types: codes keep their leading zeros.
    assert truth["ethnic_group"].dtype == pl.String
    assert truth["ethnic_group"].str.len_chars().eq(2).all()
    rep = report.build(out)
    assert rep.scope == "provinces"
    assert rep.row("urban_pct").within
    # A hukou place outside the run has no hukou-place record and lies in another province.
    outside = truth.filter(pl.col("separated") & pl.col("hukou_small_area_code").is_null())
    assert outside.height > 0
    assert not set(outside["hukou_county"].cast(pl.Utf8).str.slice(0, 2)) & {"31"}
    assert outside["hukou_household_id"].is_null().all()


def test_refuses_a_non_empty_directory_and_leaves_it_alone(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious", "utf-8")
    with pytest.raises(HeadcountError) as caught:
        generate(persons=1_000, seed=1, out=out)
    assert caught.value.code == "E1302"
    assert (out / "keep.txt").read_text("utf-8") == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no partial directory left


def test_rejects_a_bad_size(tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as caught:
        generate(persons=0, seed=1, out=tmp_path / "x")
    assert caught.value.code == "E1305"


def test_an_unwritable_place_is_a_catalogued_problem(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", "utf-8")
    with pytest.raises(HeadcountError) as caught:
        generate(persons=1_000, seed=1, out=blocker / "pop")
    assert caught.value.code == "E1306"
    assert blocker.read_text("utf-8") == "not a directory"
