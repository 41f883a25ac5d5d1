"""The simulated PES of ``synth --pes-areas``: reproducible, the design's sample, captures at the
rates asked, correlated misses when asked, its truth complete."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.synth import generate
from headcount.synth.pes import PesOptions, digest_of, simulate


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pes") / "synth"
    generate(persons=30_000, seed=9, out=out, fmt="parquet", provinces="11")
    return out


def _copy(census: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(census, tmp_path / name))


def test_the_same_options_give_the_same_bytes(census: Path, tmp_path: Path) -> None:
    one, two = _copy(census, tmp_path, "one"), _copy(census, tmp_path, "two")
    assert simulate(one, PesOptions(areas=12, seed=3)) == simulate(
        two, PesOptions(areas=12, seed=3)
    )
    assert digest_of(one) == digest_of(two)


def test_captures_and_truth(census: Path, tmp_path: Path) -> None:
    root = _copy(census, tmp_path, "capture")
    made = simulate(root, PesOptions(areas=12, seed=3, capture=0.9, no_id=0.0, name_typo=0.0))
    areas = pl.read_parquet(root / "pes_areas" / "*.parquet")
    persons = pl.read_parquet(root / "pes_persons" / "*.parquet")
    truth = pl.read_parquet(root / "truth_pes" / "*.parquet")
    assert areas.height == 12 == made["pes_areas"] and persons.height == truth.height
    assert set(persons["small_area_code"]) <= set(areas["small_area_code"])
    everyone = pl.read_parquet(root / "truth_persons" / "*.parquet")
    residents = everyone.filter(
        pl.col("residence_small_area_code").is_in(areas["small_area_code"].to_list())
        & ~pl.col("abroad")
    )
    assert persons.height / residents.height == pytest.approx(0.9, abs=0.02)
    # The truth names real persons of the sampled areas, each once.
    assert truth["person_key"].n_unique() == truth.height
    assert set(truth["person_key"]) <= set(residents["person_key"])
    manifest = (root / "manifest.json").read_text("utf-8")
    assert '"pes_persons"' in manifest and '"capture": 0.9' in manifest


def test_correlated_misses_are_found_less_often(census: Path, tmp_path: Path) -> None:
    root = _copy(census, tmp_path, "corr")
    simulate(root, PesOptions(areas=30, seed=5, capture=0.95, correlation=1.0))
    truth = pl.read_parquet(root / "truth_pes" / "*.parquet")
    people = pl.read_parquet(root / "truth_persons" / "*.parquet")
    found = people.filter(pl.col("person_key").is_in(truth["person_key"].to_list()))
    assert found["missed_by_census"].sum() == 0  # correlation 1: a census miss is a PES miss


def test_bad_options_are_refused(census: Path, tmp_path: Path) -> None:
    with pytest.raises(HeadcountError) as bad:
        simulate(_copy(census, tmp_path, "bad"), PesOptions(areas=12, capture=1.5))
    assert bad.value.problem == errors.ARGUMENT_INVALID
