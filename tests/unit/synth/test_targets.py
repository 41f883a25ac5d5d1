from __future__ import annotations

import numpy as np
import pytest

from headcount.synth import targets


def _weighted(get: object) -> float:
    prov = targets.provinces().values()
    total = sum(p.population for p in prov)
    return sum(get(p) * p.population for p in prov) / total  # type: ignore[operator]


def test_unknown_cells_fall_back_to_a_residual_that_reproduces_the_national_share() -> None:
    nat = targets.national()
    assert _weighted(lambda p: p.male_pct) == pytest.approx(nat["sex_male_pct"], abs=1e-9)
    for k in targets.AGE_GROUPS:
        assert _weighted(lambda p, k=k: p.age_pct[k]) == pytest.approx(
            nat[f"age_{k}_pct"], abs=0.01
        )
    for lvl in targets.EDUCATION_LEVELS:
        key = f"edu_{lvl}_per_100k"
        assert _weighted(lambda p, lvl=lvl: p.education_per_100k[lvl]) == pytest.approx(nat[key])
    assert _weighted(lambda p: p.minority_pct) == pytest.approx(nat["ethnic_minorities_pct"])


def test_empty_cells_are_never_zero_and_published_cells_are_kept() -> None:
    prov = targets.provinces()
    assert prov["11"].age_pct["0_14"] == 11.84  # published
    assert prov["11"].uses_national == ()
    assert "male_pct" in prov["65"].uses_national  # 新疆 has no published male share
    assert prov["65"].male_pct > 50
    for p in prov.values():
        assert all(v > 0 for v in p.age_pct.values())
        assert all(v > 0 for v in p.education_per_100k.values())


def test_age_distribution_hits_the_broad_groups() -> None:
    t = targets.provinces()["21"]  # 辽宁: all four age cells published
    dist = targets.age_distribution(t)
    assert dist.sum() == pytest.approx(1.0)
    assert dist[:15].sum() * 100 == pytest.approx(t.age_pct["0_14"])
    assert dist[65:].sum() * 100 == pytest.approx(t.age_pct["65_plus"])
    p_male = targets.male_probability(t, dist)
    assert float((dist * p_male).sum()) * 100 == pytest.approx(t.male_pct, abs=0.05)
    assert p_male[0] == pytest.approx(111.3 / 211.3)
    assert np.all((p_male > 0.2) & (p_male < 0.7))
