"""Post-processing: projections that keep sums and bounds, roundings that keep them exactly."""

from __future__ import annotations

import numpy as np
import pytest

from headcount.disclosure.topdown.postprocess import fit_table, project, round_groups, round_table


def _groups(rng: np.random.Generator, parents: int) -> np.ndarray:
    return np.repeat(np.arange(parents), rng.integers(1, 12, parents))


def test_projection_keeps_each_parents_sum_and_the_bounds() -> None:
    rng = np.random.default_rng(5)
    group = _groups(rng, 300)
    truth = rng.poisson(4, group.size)
    target = np.bincount(group, weights=truth).astype(np.int64)
    z = truth + rng.normal(0, 3, group.size)
    var = rng.uniform(0.5, 4, group.size)
    hi = truth + 2
    x = project(z, var, group, target.astype(float), hi=hi)
    assert np.bincount(group, weights=x) == pytest.approx(target, abs=1e-6)
    assert x.min() >= 0 and (x <= hi + 1e-9).all()
    rounded = round_groups(x, group, target, hi)
    assert (np.bincount(group, weights=rounded) == target).all()
    assert rounded.min() >= 0 and (rounded <= hi).all()
    assert (np.abs(rounded - x) < 1).all()  # each value its floor or its ceiling


def test_projection_spreads_clipped_mass_instead_of_adding_it() -> None:
    # Many empty children with noise: clipping alone would push the sum up; the projection
    # onto the parent's sum takes the mass from the others, so the mean error stays at zero.
    rng = np.random.default_rng(6)
    group = np.repeat(np.arange(2000), 10)
    truth = np.where(rng.random(group.size) < 0.7, 0, rng.poisson(20, group.size))
    target = np.bincount(group, weights=truth).astype(np.int64)
    z = truth + rng.normal(0, 2, group.size)
    clipped = np.maximum(z, 0)
    assert (clipped - truth).mean() > 0.3
    x = round_groups(project(z, np.ones_like(z), group, target.astype(float)), group, target)
    assert abs((x - truth).mean()) < 1e-12
    assert np.abs(x - truth).mean() < np.abs(clipped - truth).mean()


def test_tables_keep_both_margins_exactly() -> None:
    rng = np.random.default_rng(7)
    parent = _groups(rng, 200)
    truth = rng.poisson(0.8, (parent.size, 30))
    rows = truth.sum(axis=1)
    cols = np.zeros((200, 30), dtype=np.int64)
    np.add.at(cols, parent, truth)
    z = truth + rng.normal(0, 2.5, truth.shape)
    x = fit_table(z, rows, cols, parent)
    assert x.min() >= 0
    assert x.sum(axis=1) == pytest.approx(rows, abs=0.5)  # nearly: the rounding makes it exact
    table = round_table(x, rows, cols, parent)
    sums = np.zeros_like(cols)
    np.add.at(sums, parent, table)
    assert (table.sum(axis=1) == rows).all() and (sums == cols).all()
    assert table.min() >= 0 and (np.abs(table - x) < 1).mean() > 0.999
    assert abs((table - truth).mean()) < 0.05
    # Least squares beats the raw measurements.
    assert np.abs(table - truth).mean() < np.abs(z - truth).mean()


def test_rounding_meets_margins_the_fit_only_nearly_meets() -> None:
    # Margins off by a few units (as a clipped fit leaves them): still met exactly, non-negative.
    rng = np.random.default_rng(8)
    parent = np.repeat(np.arange(50), 6)
    truth = rng.poisson(0.5, (parent.size, 12))
    rows = truth.sum(axis=1)
    cols = np.zeros((50, 12), dtype=np.int64)
    np.add.at(cols, parent, truth)
    x = np.maximum(truth + rng.normal(0, 0.8, truth.shape), 0)
    table = round_table(x, rows, cols, parent)
    sums = np.zeros_like(cols)
    np.add.at(sums, parent, table)
    assert (table.sum(axis=1) == rows).all() and (sums == cols).all() and table.min() >= 0


def test_an_only_child_is_its_parent() -> None:
    parent = np.array([0, 1, 1])
    cols = np.array([[3, 0, 2], [1, 4, 0]])
    rows = np.array([5, 2, 3])
    z = np.array([[9.0, -3, 0], [0, 2, 0], [1, 2, 0]])
    table = round_table(fit_table(z, rows, cols, parent), rows, cols, parent)
    assert table[0].tolist() == [3, 0, 2]
    assert (table[1:].sum(axis=0) == cols[1]).all() and (table.sum(axis=1) == rows).all()
