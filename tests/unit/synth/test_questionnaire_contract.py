"""The generated frames meet the questionnaire's batch edits (the shared data contract): every hard
finding is an injected error, listed in the ground truth, or a household whose head was missed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from headcount.synth import read_table


def test_hard_findings_are_only_the_injected_errors(population: Path) -> None:
    batch = pytest.importorskip("headcount.questionnaire.batch")
    findings = batch.validate_census(
        read_table(population, "households"),
        read_table(population, "persons"),
        read_table(population, "death_forms"),
        allow_provisional=True,
    )
    hard = findings.filter((pl.col("severity") == "hard") & (pl.col("rule") != "HEAD_ONE"))
    injected = read_table(population, "truth_errors").filter(pl.col("table") == "persons").collect()
    unexplained = hard.join(
        injected.select("household_id", "person_no"), on=["household_id", "person_no"], how="anti"
    )
    assert unexplained.height == 0, unexplained.group_by("rule").len()
    assert hard.height > 0  # the injected errors are found
    head_one = findings.filter(pl.col("rule") == "HEAD_ONE")
    missed = read_table(population, "truth_persons").filter(pl.col("missed_by_census"))
    # Only households whose head the census missed (at most one per missed person).
    assert head_one.height <= missed.select(pl.len()).collect().item()
