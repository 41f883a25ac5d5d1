"""The quality job on the hand-made extract: every finding as worked out by hand."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import polars as pl
import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.quality import run
from tests.unit.quality.handmade import SA_C, write_extract


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    extract = write_extract(root / "extract")
    run(extract, root / "out")
    return root / "out"


def _read(out: Path, kind: str) -> pl.DataFrame:
    return pl.read_parquet(out / f"{kind}.parquet")


def _records(frame: pl.DataFrame) -> set[tuple[str, int]]:
    return set(frame.select("household_id", "person_no").iter_rows())


def test_exact_duplicate_is_one_cluster_and_the_copy_is_erroneous(result: Path) -> None:
    duplicates = _read(result, "duplicates")
    assert _records(duplicates) == {("HA1", 1), ("HB1", 2)}
    assert duplicates["cluster_id"].n_unique() == 1
    assert set(duplicates["rule"]) == {"id_pseudonym"}
    erroneous = _read(result, "erroneous")
    copy = erroneous.filter(pl.col("reason") == "duplicate_residence_record")
    assert _records(copy) == {("HB1", 2)}  # listed as "other", away from its hukou township


def test_typo_without_id_is_linked_by_the_model(result: Path) -> None:
    # P2: no ID and one changed character; the hukou register row is found, so no omission.
    omissions = _read(result, "omissions")
    assert "HK2" not in set(omissions["record_id"])
    # the stranger P7 (same surname, nothing else) links to nothing
    assert ("HB1", 3) not in _records(_read(result, "duplicates"))
    assert _read(result, "review").height == 0


def test_separated_person_is_one_double_registration(result: Path) -> None:
    pairs = _read(result, "double_registration")
    assert _records(pairs) == {("HA1", 3), ("HC1", 1)}
    counted = dict(zip(pairs["household_id"], pairs["counted"], strict=True))
    assert counted == {"HA1": True, "HC1": False}  # away six months or more: counted where living
    assert _read(result, "unlinked_hukou_place").height == 0


def test_omission_goes_to_the_small_area_of_its_hukou_township(result: Path) -> None:
    omissions = _read(result, "omissions")
    assert omissions.select("register", "record_id", "small_area_code").rows() == [
        ("hukou", "HK4", SA_C)
    ]
    assert omissions["score"].to_list() == [1.0]


def test_death_before_the_reference_is_erroneous(result: Path) -> None:
    died = _read(result, "erroneous").filter(pl.col("reason") == "died_before_reference")
    assert died.select("household_id", "person_no", "register", "record_id").rows() == [
        ("HB1", 1, "deaths", "DR5")
    ]


def test_discrepancy_per_item(result: Path) -> None:
    rows = _read(result, "discrepancies").rows()
    # The last column: the field's answer (none yet: quality.field).
    assert rows == [
        ("HA1", 4, "births", "BR1", "sex", None),
        ("HA1", 4, "hukou", "HK6", "sex", None),
    ]


def test_summary_model_and_private_files(result: Path) -> None:
    summary = json.loads((result / "quality.json").read_text())
    assert summary["counts"]["duplicates"] == 2
    assert summary["thresholds"] == {"upper": 0.99, "lower": 0.5}
    assert summary["training"]["m"] == "prior"  # eight records: nothing to train on
    assert summary["source"]["digest"]
    model = json.loads((result / "model.json").read_text())
    assert model["unique_id_column_name"] == "uid"
    assert stat.S_IMODE(result.stat().st_mode) == 0o700
    files = [p for p in result.rglob("*") if p.is_file()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    folders = [p for p in result.rglob("*") if p.is_dir()]  # report/
    assert folders and {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}


def test_refusals(tmp_path: Path) -> None:
    bare = write_extract(tmp_path / "bare", registers=False)
    with pytest.raises(HeadcountError) as caught:
        run(bare, tmp_path / "out")
    assert caught.value.problem is errors.QUALITY_REGISTERS_MISSING
    with pytest.raises(HeadcountError) as caught:
        run(tmp_path / "nothing", tmp_path / "out")
    assert caught.value.problem is errors.QUALITY_NOT_EXTRACT
    full = write_extract(tmp_path / "full")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("")
    with pytest.raises(HeadcountError) as caught:
        run(full, tmp_path / "busy")
    assert caught.value.problem is errors.QUALITY_OUT_NOT_EMPTY
    with pytest.raises(HeadcountError) as caught:
        run(full, tmp_path / "out", engine="spark")
    assert caught.value.problem is errors.QUALITY_ENGINE_UNAVAILABLE
    assert not (tmp_path / "out").exists()
