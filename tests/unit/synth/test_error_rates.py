"""Raised error rates and duplicates placed in another county (issue 12's harder scoring run)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from headcount.errors import HeadcountError
from headcount.synth import generate, load_config, read_table
from headcount.synth.config import RAISED, raised


def _duplicate_counties(out: Path) -> pl.DataFrame:
    """Each injected duplicate record's county beside its person's residence county."""
    dup = (
        read_table(out, "truth_errors")
        .filter(pl.col("error_type") == "census_duplicate")
        .select("household_id", "person_key")
    )
    home = read_table(out, "truth_persons").select(
        "person_key", pl.col("residence_small_area_code").str.slice(0, 6).alias("home")
    )
    return (
        dup.join(home, on="person_key")
        .with_columns(pl.col("household_id").str.slice(0, 6).alias("copy"))
        .collect()
    )


def test_raised_rates_place_every_duplicate_in_another_county(tmp_path: Path) -> None:
    cfg = raised(chunk_persons=4_000)
    cfg = cfg.model_copy(
        update={"registers": cfg.registers.model_copy(update={"census_duplicates": 0.02})}
    )
    out = tmp_path / "pop"
    generate(persons=8_000, seed=11, out=out, config=cfg)
    dups = _duplicate_counties(out)
    assert dups.height == 160  # 2 % of 8,000
    assert (dups["copy"] != dups["home"]).all()
    errors = read_table(out, "truth_errors").group_by("error_type").len().collect()
    n = dict(errors.iter_rows())
    records = read_table(out, "persons").select(pl.len()).collect().item()  # rates are per record
    assert records * 0.04 < n["name_typo"] < records * 0.06
    assert records * 0.014 < n["bad_check_digit"] < records * 0.022  # (not for records without ID)
    no_id = read_table(out, "truth_persons").filter(pl.col("no_id_reason") == "hukou_pending")
    # pending only where not separated (about 60 % of persons), so ≈ 1.2 %, not 2 %
    assert no_id.select(pl.len()).collect().item() > 8_000 * 0.008


def test_default_placement_is_anywhere_and_recorded(tmp_path: Path) -> None:
    cfg = tmp_path / "rates.yaml"
    cfg.write_text("registers:\n  duplicate_placement: other_county\n", "utf-8")
    assert load_config(cfg).registers.duplicate_placement == "other_county"
    assert load_config(None).registers.duplicate_placement == "anywhere"
    assert raised().census_errors.name_typo == RAISED["census_errors"]["name_typo"]
    cfg.write_text("registers:\n  duplicate_placement: next_door\n", "utf-8")
    with pytest.raises(HeadcountError):
        load_config(cfg)
