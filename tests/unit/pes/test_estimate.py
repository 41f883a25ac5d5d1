"""The dual-system estimate on simulated censuses with a known population: close to the truth,
intervals that cover it, components that add up, and bad input refused."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount import errors
from headcount.cli import app
from headcount.errors import HeadcountError
from headcount.pes.estimate import Z95, Estimate, estimate, sex_ratio_adjusted
from tests.unit.pes.simulate import KEYS, World, simulate


def _run(world: World) -> Estimate:
    return estimate(world.areas, world.p_sample, world.e_sample, world.census, post_strata=KEYS)


def test_the_estimate_is_near_the_true_population_and_its_parts_add_up() -> None:
    world = simulate(1)
    result = _run(world)
    assert result.census_count == world.census_count
    assert abs(result.dse.estimate - world.truth) / world.truth < 0.01
    truth_net = 100 * (world.census_count - world.truth) / world.truth
    assert result.net_coverage_error_pct.estimate == pytest.approx(truth_net, abs=1.0)
    assert result.omission_rate_pct.estimate == pytest.approx(
        100 * world.omitted / world.truth, abs=1.0
    )
    # C = correct enumerations + erroneous + duplicates; DSE = correct + omissions.
    parts = result.correct_enumerations + result.erroneous + result.duplicates
    assert parts == pytest.approx(result.census_count, rel=1e-9)
    assert result.correct_enumerations + result.omissions == pytest.approx(result.dse.estimate)
    assert result.dse.se > 0 and result.replicates == len(world.areas)
    summary = result.summary()
    assert summary["ci95"][0] < summary["dse_total"] < summary["ci95"][1]


def test_the_95_percent_intervals_cover_the_truth_about_95_times_in_100() -> None:
    runs = 40
    covered = 0
    for seed in range(runs):
        world = simulate(100 + seed)
        low, high = _run(world).dse.ci(Z95)
        covered += low <= world.truth <= high
    assert covered >= 34  # 95 % of 40 is 38; binomial 2.5 % tail at about 35, a margin of one


def test_correlation_bias_and_the_sex_ratio_run() -> None:
    world = simulate(7, correlated=0.5)
    result = _run(world)
    assert result.dse.estimate < world.truth  # both captures miss the same men: biased low
    by_group = world_truth_ratios(world)
    adjusted = sex_ratio_adjusted(result, by_group)
    assert abs(adjusted - world.truth) < abs(result.dse.estimate - world.truth)


def world_truth_ratios(world: World) -> dict[str, float]:
    """Demographic analysis stands in: the true men per woman of each age group (simulated
    populations draw sex at random, so about one)."""
    del world
    return {str(a): 1.0 for a in range(4)}


def test_unresolved_cases_are_refused() -> None:
    world = simulate(2)
    p = world.p_sample.with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(pl.lit("unresolved")).otherwise("status")
        .alias("status")
    )  # fmt: skip
    with pytest.raises(HeadcountError) as refused:
        estimate(world.areas, p, world.e_sample, world.census, post_strata=KEYS)
    assert refused.value.problem == errors.PES_MATCHING_INCOMPLETE
    assert "3" in refused.value.message("en")


def test_a_post_stratum_without_matches_is_refused_not_infinite() -> None:
    world = simulate(3)
    p = world.p_sample.with_columns(
        pl.when((pl.col("age_group") == 0) & (pl.col("sex") == 1) & (pl.col("urban") == 1))
        .then(pl.lit("nonmatch")).otherwise("status").alias("status")
    )  # fmt: skip
    with pytest.raises(HeadcountError) as refused:
        estimate(world.areas, p, world.e_sample, world.census, post_strata=KEYS)
    assert refused.value.problem == errors.PES_POST_STRATUM_EMPTY


def test_a_stratum_of_one_random_area_is_collapsed_and_bad_statuses_are_refused() -> None:
    world = simulate(4)
    first = world.areas["stratum"][0]
    keep = world.areas.filter(pl.col("stratum") == first)["small_area_code"][0]
    alone = world.areas.filter((pl.col("stratum") != first) | (pl.col("small_area_code") == keep))
    inside = pl.col("small_area_code").is_in(alone["small_area_code"].to_list())
    p, e = world.p_sample.filter(inside), world.e_sample.filter(inside)
    result = estimate(alone, p, e, world.census, post_strata=KEYS)
    assert len(result.notes) == 1 and result.notes[0].startswith(f"stratum {first} collapsed")
    assert result.dse.se > 0
    one = alone.head(1)
    only = pl.col("small_area_code") == one["small_area_code"][0]
    with pytest.raises(HeadcountError) as single:
        estimate(one, p.filter(only), e.filter(only), world.census, post_strata=KEYS)
    assert single.value.problem in (errors.PES_STRATUM_SINGLE, errors.PES_POST_STRATUM_EMPTY)
    odd = world.e_sample.with_columns(pl.lit("maybe").alias("status"))
    with pytest.raises(HeadcountError) as status:
        estimate(world.areas, world.p_sample, odd, world.census, post_strata=KEYS)
    assert status.value.problem == errors.PES_INPUT_INVALID


def test_the_command_prints_one_object_other_programs_can_read(tmp_path: Path) -> None:
    world = simulate(5)
    for name in ("areas", "p_sample", "e_sample", "census"):
        getattr(world, name).write_parquet(tmp_path / f"{name}.parquet")
    (tmp_path / "ratios.json").write_text(json.dumps({str(a): 1.0 for a in range(4)}))
    result = CliRunner().invoke(
        app,
        ["pes", "estimate", str(tmp_path), "--json", "--sex-ratios", str(tmp_path / "ratios.json"),
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["census_count"] == world.census_count
    assert len(summary["ci95"]) == 2 and summary["ci95"][0] < summary["dse_total"]
    for key in ("net_coverage_error_pct", "omission_rate_pct", "sex_ratio_adjusted_total"):
        assert isinstance(summary[key], float)
    assert (tmp_path / "out" / "post_strata.parquet").is_file()
    chart = (tmp_path / "out" / "coverage.svg").read_text("utf-8")
    assert chart.startswith("<?xml") and len(chart) > 5_000
    assert (tmp_path / "out" / "coverage.png").stat().st_size > 5_000
    (tmp_path / "p_sample.parquet").unlink()
    missing = CliRunner().invoke(app, ["pes", "estimate", str(tmp_path), "--json"])
    assert missing.exit_code != 0 and "E2169" in missing.output
