"""The coverage estimate end to end on a synthetic census with known truth: synth with a
simulated PES → extract → quality → pes match → pes estimate (a small version of issue 13's
20-seed run, which benchmarks/pes.py makes at 1 M)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from headcount.cli import app
from headcount.privacy.vault import MasterKey


def _cli(env: dict[str, str], *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output.strip().splitlines()[-1])
    return parsed


def test_the_estimate_meets_the_truth_of_a_synthetic_census(tmp_path: Path) -> None:
    key = tmp_path / "headcount.key"
    MasterKey.create(key, "intl")
    env = {"HEADCOUNT_KEY_FILE": str(key), "HEADCOUNT_MODE": "production"}
    synth, extract = tmp_path / "synth", tmp_path / "extract"
    _cli(env, "synth", "--persons", "60000", "--seed", "4", "--provinces", "11,44",
         "--out", str(synth), "--pes-areas", "40", "--quiet")  # fmt: skip
    _cli(env, "extract", "--from-synth", str(synth), "--registers", str(synth),
         "--out", str(extract), "--workers", "1")  # fmt: skip
    quality = tmp_path / "quality"
    result = CliRunner().invoke(app, ["quality", str(extract), "--out", str(quality)], env=env)
    assert result.exit_code == 0, result.output
    matched = _cli(env, "pes", "match", str(extract), "--quality", str(quality),
                   "--out", str(tmp_path / "match"))  # fmt: skip
    truth = matched["truth"]
    assert isinstance(truth, dict)
    assert truth["matching_precision"] >= 0.999 and truth["matching_recall"] >= 0.999
    # The components as the survey measured them in its areas: what matching decides.
    inside = truth["in_sample"]
    assert isinstance(inside, dict) and inside["omissions_true"] > 0
    assert (
        abs(inside["omissions_found"] - inside["omissions_true"]) <= 0.1 * inside["omissions_true"]
    )
    assert inside["erroneous_found"] == inside["erroneous_true"]
    estimate = _cli(env, "pes", "estimate", str(tmp_path / "match"))
    net, true_net = estimate["net_coverage_error_pct"], truth["net_coverage_error_pct"]
    assert isinstance(net, float) and isinstance(true_net, float)
    # 20,000 PES persons in 40 areas: the spread is about 0.025 pp; four of it is the bound.
    assert abs(net - true_net) < 0.1
    interval = estimate["net_coverage_error_pct_ci95"]
    assert isinstance(interval, list) and interval[0] <= true_net <= interval[1]
    assert estimate["census_count"] == matched["census_count"]
