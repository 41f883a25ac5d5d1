"""The acceptance check at 1 M persons (slow; the CI-size checks run in test_population.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from headcount.synth import generate, report


@pytest.mark.slow
def test_one_million_persons_reproduce_the_national_shares(tmp_path: Path) -> None:
    out = generate(persons=1_000_000, seed=2020, out=tmp_path / "pop", workers=2).out
    rep = report.build(out)
    tolerances = {
        "sex_ratio": 0.5,
        "age_0_14_pct": 0.3,
        "age_15_59_pct": 0.3,
        "age_60_plus_pct": 0.3,
        "age_65_plus_pct": 0.3,
        "avg_family_household_size": 0.03,
        "urban_pct": 0.5,
        "hukou_separated_pct": 0.5,
        "ethnic_minorities_pct": 0.3,
    }
    for indicator, tolerance in tolerances.items():
        row = rep.row(indicator)
        assert abs(row.difference) <= tolerance, (indicator, row.target, row.generated)
