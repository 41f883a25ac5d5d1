"""The budget of a differentially private release: checked whole before any noise, spent exactly,
certified like the US 2020 release, and the mechanism's noise of the stated scale."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from headcount import errors
from headcount.cli import app
from headcount.disclosure.budget import load, parse
from headcount.disclosure.noise import discrete_gaussian
from headcount.errors import HeadcountError


def test_the_default_budget_spends_rho_and_is_certified_like_the_us_release() -> None:
    budget = load()
    rows = budget.allocation()
    assert len(rows) == 6 * 4
    assert sum(r.rho for r in rows) == pytest.approx(budget.rho, rel=1e-9)  # zCDP adds up
    certificate = budget.certificate()
    # ρ = 293764/114921 at δ = 1e-10: the US 2020 persons certificate prints ε ≈ 17.14.
    assert certificate["epsilon"] == pytest.approx(17.14, abs=0.01)
    county = next(r for r in rows if r.level == "county" and r.query == "total")
    assert county.sigma == pytest.approx(1 / math.sqrt(2 * county.rho))
    assert county.epsilon < certificate["epsilon"]


def test_the_noise_has_the_scale_the_budget_states() -> None:
    sigma = 1.5
    noisy = discrete_gaussian(np.full(40_000, 100), sigma)
    assert noisy.dtype == np.int64
    errors_ = noisy - 100
    assert abs(errors_.mean()) < 0.05
    # A discrete Gaussian of scale σ has variance slightly below σ² (exactly σ² in the limit).
    assert errors_.var() == pytest.approx(sigma**2, rel=0.05)


def _budget(**changes: object) -> bytes:
    raw: dict[str, object] = {
        "version": "t",
        "rho": 1.0,
        "delta": 1e-10,
        "geolevels": {"national": 0.5, "province": 0.5},
        "queries": {"total": 1.0},
    }
    raw.update(changes)
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"rho": -1}, errors.DP_BUDGET_RHO),
        ({"rho": "lots"}, errors.DP_BUDGET_RHO),
        ({"delta": 0}, errors.DP_BUDGET_DELTA),
        ({"geolevels": {"national": 0.5, "province": 0.4}}, errors.DP_BUDGET_SHARES),
        ({"geolevels": {"national": 1.5, "province": -0.5}}, errors.DP_BUDGET_SHARES),
        ({"geolevels": {"nation": 1.0}}, errors.DP_BUDGET_UNKNOWN),
        ({"queries": {"race": 1.0}}, errors.DP_BUDGET_UNKNOWN),
        ({"queries": {}}, errors.DP_BUDGET_UNKNOWN),
    ],
)
def test_bad_budgets_are_refused_before_any_noise(
    changes: dict[str, object], problem: object
) -> None:
    with pytest.raises(HeadcountError) as refused:
        parse(_budget(**changes))
    assert refused.value.problem == problem


def test_the_command_prints_the_certificate(tmp_path: object) -> None:
    result = CliRunner().invoke(app, ["disclose", "budget", "--json"])
    assert result.exit_code == 0, result.output
    certificate = json.loads(result.output.strip().splitlines()[-1])
    assert certificate["budget_version"] == "2020.2" and len(certificate["queries"]) == 24
    bad = CliRunner().invoke(app, ["disclose", "budget", "/nonexistent/budget.yaml"])
    assert bad.exit_code != 0 and "E2174" in bad.output
