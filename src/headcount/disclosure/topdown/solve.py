"""TopDown: from the noisy measurements to every level's consistent non-negative integer tables.

1. **Persons by urban/rural class** (the totals). Urban/rural is a property of the small area
   (public), so a unit's persons split into an urban and a rural node, each a tree over the
   geography; a unit's total is their sum. Each node's own estimate combines its unit's
   ``total`` and ``urban_rural`` measurements (generalised least squares of the two cells given
   the three measurements). Bottom-up, every node's estimate is combined with the sum of its
   children's (inverse-variance weights: Hay et al. 2010); top-down, children are projected onto
   their parent's solved value (non-negative, weighted by their variances) and rounded keeping the
   sum. Invariant levels (the budget's ``invariants``) take their exact totals; their class split
   is solved within bounds the exact totals of the deepest invariant level imply.
2. **Per level, top-down:** sex × age (rows: the units' persons; columns: the parent's cells);
   then the households — their number bounded by the unit's adults (no household without an
   adult: no household of children alone, and never more households than persons), estimated
   like the totals; then households by type × size (rows: the units' households).

Every parent's children add up to it in every cell, every unit's histograms to its total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from headcount.disclosure.topdown.measure import Measurement
from headcount.disclosure.topdown.postprocess import fit_table, project, round_groups, round_table
from headcount.disclosure.topdown.queries import ADULT, Level


@dataclass(frozen=True, slots=True)
class Solved:
    """Every level's released histograms (int64)."""

    persons: tuple[np.ndarray, ...]  # (n, 2) urban, rural
    sex_age: tuple[np.ndarray, ...]
    households: tuple[np.ndarray, ...]

    def total(self, index: int) -> np.ndarray:
        return np.asarray(self.persons[index].sum(axis=1))


def _own_class_estimates(
    level: Level, total: Measurement, split: Measurement
) -> tuple[np.ndarray, np.ndarray]:
    """Each (unit, class) node's estimate and variance from its unit's two measurements."""
    t = total.noisy[:, 0].astype(np.float64)
    y = split.noisy.astype(np.float64)
    tau2, s2 = total.sigma**2, split.sigma**2
    both = level.classes.all(axis=1)
    z = np.zeros_like(y)
    v = np.full_like(y, np.inf)
    gain = s2 / (2 * s2 + tau2)
    z[both] = y[both] + gain * (t[both] - y[both].sum(axis=1))[:, None]
    v[both] = s2 - s2 * gain
    for c in (0, 1):
        only = level.classes[:, c] & ~both
        z[only, c] = (y[only, c] / s2 + t[only] / tau2) / (1 / s2 + 1 / tau2)
        v[only, c] = 1 / (1 / s2 + 1 / tau2)
    return z, v


def _bottom_up(
    levels: tuple[Level, ...], own: list[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each node's estimate combined with its subtree's (inverse-variance weights)."""
    out = list(own)
    for index in range(len(levels) - 2, -1, -1):
        child_z, child_v = out[index + 1]
        parent = levels[index + 1].parent
        n = levels[index].size
        finite = np.isfinite(child_v)
        sums = np.zeros((n, *child_z.shape[1:]))
        variances = np.zeros((n, *child_z.shape[1:]))
        np.add.at(sums, parent, np.where(finite, child_z, 0.0))
        np.add.at(variances, parent, np.where(finite, child_v, 0.0))
        z, v = own[index]
        with np.errstate(divide="ignore", invalid="ignore"):
            own_w = np.where(np.isfinite(v), 1 / v, 0.0)
            below_w = np.where(variances > 0, 1 / variances, 0.0)
            precision = own_w + below_w
            combined = (np.where(own_w > 0, z, 0.0) * own_w + sums * below_w) / precision
        keep = precision > 0
        out[index] = (
            np.where(keep, combined, 0.0),
            np.where(keep, 1 / np.where(keep, precision, 1.0), np.inf),
        )
    return out


def _persons(
    levels: tuple[Level, ...],
    m: dict[tuple[str, str], Measurement],
    exact: list[np.ndarray],
) -> list[np.ndarray]:
    """Persons by class at every level; ``exact`` the invariant levels' true totals (top ones)."""
    own = [
        _own_class_estimates(lv, m[(lv.name, "total")], m[(lv.name, "urban_rural")])
        for lv in levels
    ]
    tree = _bottom_up(levels, own)
    deepest = len(exact) - 1
    bounds = _class_bounds(levels, exact) if exact else []
    solved: list[np.ndarray] = []
    for index, level in enumerate(levels):
        z, v = tree[index]
        x = np.zeros((level.size, 2), dtype=np.int64)
        if index <= deepest:
            lo, hi = bounds[index]
            total = exact[index]
            # The urban share given the exact total: both nodes' estimates, weighted.
            with np.errstate(divide="ignore", invalid="ignore"):
                w_u, w_r = 1 / v[:, 0], 1 / v[:, 1]
                a = (z[:, 0] * w_u + (total - z[:, 1]) * w_r) / (w_u + w_r)
                var = 1 / (w_u + w_r)
            a = np.where(np.isfinite(a), a, lo)
            var = np.where(np.isfinite(var) & (var > 0), var, 1.0)
            if index == 0:
                urban = np.clip(np.rint(a), lo, hi).astype(np.int64)
            else:
                parent = level.parent
                target = solved[index - 1][:, 0]
                fit = project(a, var, parent, target.astype(np.float64), lo, hi)
                urban = round_groups(fit, parent, target, hi)
            x[:, 0], x[:, 1] = urban, total - urban
        elif index == 0:
            x = np.where(level.classes, np.maximum(np.rint(z), 0), 0).astype(np.int64)
        else:
            for c in (0, 1):
                has = np.flatnonzero(level.classes[:, c])
                parent = level.parent[has]
                target = solved[index - 1][:, c]
                fit = project(z[has, c], v[has, c], parent, target.astype(np.float64))
                x[has, c] = round_groups(fit, parent, target)
        solved.append(x)
    return solved


def _class_bounds(
    levels: tuple[Level, ...], exact: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Urban persons' bounds at each invariant level, from the deepest one's exact totals."""
    deepest = len(exact) - 1
    level = levels[deepest]
    lo = np.where(level.classes[:, 0] & ~level.classes[:, 1], exact[deepest], 0)
    hi = np.where(level.classes[:, 0], exact[deepest], 0)
    out = [(lo.astype(np.int64), hi.astype(np.int64))]
    for index in range(deepest, 0, -1):
        parent = levels[index].parent
        n = levels[index - 1].size
        lo = np.bincount(parent, weights=lo, minlength=n).astype(np.int64)
        hi = np.bincount(parent, weights=hi, minlength=n).astype(np.int64)
        out.append((lo, hi))
    return out[::-1]


def _histogram(
    level: Level, index: int, noisy: np.ndarray, rows: np.ndarray, above: np.ndarray | None
) -> np.ndarray:
    """A level's histogram: its units' rows add to ``rows``, its children to ``above``."""
    if index == 0:
        z = noisy[0].astype(np.float64)
        group = np.zeros(z.size, dtype=np.int64)
        fit = project(z, np.ones_like(z), group, rows.astype(np.float64))
        return round_groups(fit, group, rows)[None, :]
    assert above is not None
    fit = fit_table(noisy.astype(np.float64), rows, above, level.parent)
    return round_table(fit, rows, above, level.parent)


def solve(
    levels: tuple[Level, ...],
    m: dict[tuple[str, str], Measurement],
    exact: list[np.ndarray],
) -> Solved:
    """Every level's tables from the measurements ``m`` (keyed (level, query))."""
    persons = _persons(levels, m, exact)
    k = m[(levels[0].name, "household_type_size")].noisy.shape[1]
    own_h = []
    for level in levels:
        noisy = m[(level.name, "household_type_size")]
        own_h.append(
            (noisy.noisy.sum(axis=1).astype(np.float64), np.full(level.size, k * noisy.sigma**2))
        )
    tree_h = _bottom_up(levels, own_h)
    sex_age: list[np.ndarray] = []
    households: list[np.ndarray] = []
    for index, level in enumerate(levels):
        total = persons[index].sum(axis=1)
        above = sex_age[index - 1] if index else None
        sex_age.append(_histogram(level, index, m[(level.name, "sex_age")].noisy, total, above))
        adults = sex_age[index][:, ADULT].sum(axis=1)
        z, v = tree_h[index]
        if index == 0:
            homes = np.clip(np.rint(z), 0, adults).astype(np.int64)
        else:
            target = households[index - 1].sum(axis=1)
            fit = project(z, v, level.parent, target.astype(np.float64), hi=adults)
            homes = round_groups(fit, level.parent, target, adults)
        above_h = households[index - 1] if index else None
        noisy_h = m[(level.name, "household_type_size")].noisy
        households.append(_histogram(level, index, noisy_h, homes, above_h))
    return Solved(tuple(persons), tuple(sex_age), tuple(households))


__all__ = ["Solved", "solve"]
