"""Post-processing: noisy measurements to non-negative integers that add up, exactly.

Two shapes of problem, both solved for every parent of a level at once (numpy, no Python loop
over parents):

- **Children's totals** (``project`` then ``round_groups``): children x ≥ lo, ≤ hi, summing to the
  parent's solved value, nearest to their estimates z in the weighted L2 norm (weights 1/var):
  x = clip(z + μ·var, lo, hi) with one μ per parent, found by bisection. Projecting the whole
  child vector onto the parent's sum spreads the mass that non-negativity adds to small children
  over all of them, instead of adding it (clipping alone put a province 59 persons off in a
  trial). Then a largest-remainder rounding per parent keeps the sum and the bounds.
- **Children's histograms** (``fit_table`` then ``round_table``): a children × cells matrix whose
  rows must add to the children's solved totals and whose columns to the parent's solved cells.
  Least squares over {margins} ∩ {x ≥ 0} by Dykstra's alternating projections (the projection on
  the margins is closed-form; at most 60 steps: it converges linearly, and further steps move
  cells by hundredths). The rounding keeps both margins exactly: each cell goes to its nearest
  integer, then one maximum flow (scipy's Dinic) over all parents moves units between floors and
  ceilings — a transportation problem with integer margins has an integral solution next to any
  fractional one (total unimodularity) — and a second flow absorbs what the fit's clipped last
  hundredths left over.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from scipy.sparse.csgraph import maximum_flow  # type: ignore[import-untyped]

_BISECTIONS = 80
_DYKSTRA_STEPS = 60
_TOLERANCE = 1e-9
_CONVERGED = 1e-7  # Dykstra stops when no cell is below −this


def _group_sum(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=n)


def project(
    z: np.ndarray,
    var: np.ndarray,
    group: np.ndarray,
    target: np.ndarray,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
) -> np.ndarray:
    """argmin Σ (x − z)²/var subject to lo ≤ x ≤ hi and Σ_group x = target (per group)."""
    n = target.size
    lo = np.zeros_like(z) if lo is None else lo.astype(np.float64)
    hi = np.full_like(z, np.inf) if hi is None else hi.astype(np.float64)
    cap = np.minimum(hi, target[group])
    mu_lo = np.full(n, np.inf)
    np.minimum.at(mu_lo, group, (lo - z) / var)
    mu_hi = np.full(n, -np.inf)
    np.maximum.at(mu_hi, group, (cap - z) / var)
    empty = ~np.isfinite(mu_lo)  # a group without members: nothing to solve
    mu_lo[empty], mu_hi[empty] = 0.0, 0.0
    for _ in range(_BISECTIONS):
        mu = (mu_lo + mu_hi) / 2
        x = np.clip(z + mu[group] * var, lo, hi)
        over = _group_sum(x, group, n) > target
        mu_hi = np.where(over, mu, mu_hi)
        mu_lo = np.where(over, mu_lo, mu)
    return np.asarray(np.clip(z + ((mu_lo + mu_hi) / 2)[group] * var, lo, hi))


def round_groups(
    x: np.ndarray, group: np.ndarray, target: np.ndarray, hi: np.ndarray | None = None
) -> np.ndarray:
    """Integers next to x (floor or ceiling) adding up to the integer ``target`` of each group:
    the largest remainders go up. ``hi`` (integers) is never exceeded."""
    x = np.maximum(x, 0.0)
    if hi is not None:
        x = np.minimum(x, hi)
    base = np.floor(x + _TOLERANCE).astype(np.int64)  # 2.9999999999 is 3
    frac = np.clip(x - base, 0.0, None)
    deficit = target.astype(np.int64) - np.bincount(group, weights=base, minlength=target.size)
    deficit = np.rint(deficit).astype(np.int64)
    room = np.ones(x.size, dtype=bool) if hi is None else base < hi
    order = np.lexsort((-frac, ~room, group))  # by group, those with room first, largest first
    starts = np.searchsorted(group[order], np.arange(target.size))
    rank = np.arange(x.size) - starts[group[order]]
    up = np.zeros(x.size, dtype=np.int64)
    up[order] = rank < deficit[group[order]]
    return base + up


def _column_sums(y: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Σ over each parent's children (children sorted by parent; parents may have none)."""
    out = np.zeros((n, y.shape[1]), dtype=y.dtype)
    if y.shape[0]:
        present, starts = np.unique(parent, return_index=True)
        out[present] = np.add.reduceat(y, starts, axis=0)
    return out


def _margins_projection(
    y: np.ndarray, rows: np.ndarray, cols: np.ndarray, parent: np.ndarray, n_children: np.ndarray
) -> np.ndarray:
    """The nearest matrix (L2) with row sums ``rows`` and column sums per parent ``cols``."""
    k = y.shape[1]
    row_gap = rows - y.sum(axis=1)
    col_sum = _column_sums(y, parent, cols.shape[0])
    gap_total = np.bincount(parent, weights=row_gap, minlength=cols.shape[0])
    col_gap = cols - col_sum - (gap_total / k)[:, None]
    return np.asarray(y + (row_gap / k)[:, None] + (col_gap / n_children[:, None])[parent])


def fit_table(z: np.ndarray, rows: np.ndarray, cols: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Children's histograms nearest to z (n × k), non-negative, with the given margins.

    ``rows`` (n) the children's totals, ``cols`` (parents × k) the parents' cells, ``parent`` the
    parent of each child (children sorted by parent); every margin integral and consistent
    (Σ rows = Σ cols per parent)."""
    rows = rows.astype(np.float64)
    cols = cols.astype(np.float64)
    n_children = np.bincount(parent, minlength=cols.shape[0])
    out = cols[parent].copy()  # an only child is its parent
    many = n_children[parent] > 1
    if many.any():
        kept, compact = np.unique(parent[many], return_inverse=True)
        out[many] = _fit_many(z[many].astype(np.float64), rows[many], cols[kept], compact)
    return np.asarray(out)


def _fit_many(z: np.ndarray, rows: np.ndarray, cols: np.ndarray, parent: np.ndarray) -> np.ndarray:
    n_children = np.bincount(parent, minlength=cols.shape[0]).astype(np.float64)
    x = _margins_projection(z, rows, cols, parent, n_children)
    q = np.zeros_like(x)
    for _ in range(_DYKSTRA_STEPS):
        if x.min(initial=0.0) >= -_CONVERGED:
            break
        y = np.maximum(x + q, 0.0)
        q = x + q - y
        x = _margins_projection(y, rows, cols, parent, n_children)
    # Linear convergence: the last steps move cells by hundredths. What is left (small negatives,
    # so margins off by as much) is clipped here and absorbed exactly by the rounding.
    return np.asarray(np.maximum(x, 0.0))


def _repair(
    cur: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    parent: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """Move units so that ``cur`` meets the margins, by one maximum flow: a unit goes up in a cell
    (capacity ``up``) or down (capacity ``down``); rows and (parent, cell) columns are nodes."""
    n, k = cur.shape
    row_need = rows - cur.sum(axis=1)  # > 0: the row needs more
    col_need = (cols - _column_sums(cur, parent, cols.shape[0])).ravel()
    if not row_need.any() and not col_need.any():
        return cur, True
    row_node = 2 + np.arange(n)  # 0 source, 1 sink
    col_node = (2 + n + parent[:, None] * k + np.arange(k)[None, :]).ravel()
    col_nodes = 2 + n + np.arange(col_need.size)
    cell_row = np.repeat(row_node, k)
    up, down = up.ravel(), down.ravel()
    zeros_n, ones_n = np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    zeros_c, ones_c = np.zeros(col_need.size, dtype=np.int64), np.ones(col_need.size, np.int64)
    tail = np.concatenate([zeros_n, row_node, zeros_c, col_nodes, cell_row, col_node])
    head = np.concatenate([row_node, ones_n, col_nodes, ones_c, col_node, cell_row])
    cap = np.concatenate([
        np.maximum(row_need, 0), np.maximum(-row_need, 0), np.maximum(-col_need, 0),
        np.maximum(col_need, 0), up, down,
    ])  # fmt: skip
    keep = cap > 0
    size = 2 + n + col_need.size
    graph = sparse.csr_array(
        (np.minimum(cap[keep], 2**30).astype(np.int32), (tail[keep], head[keep])),
        shape=(size, size),
    )
    result = maximum_flow(graph, 0, 1)
    flow = result.flow.tocsr()
    cells = np.flatnonzero((up > 0) | (down > 0))
    change = np.zeros(n * k, dtype=np.int64)
    change[cells] = np.asarray(flow[cell_row[cells], col_node[cells]]).ravel()
    supply = int(np.maximum(row_need, 0).sum() + np.maximum(-col_need, 0).sum())
    return cur + change.reshape(n, k), int(result.flow_value) == supply


def round_table(
    x: np.ndarray, rows: np.ndarray, cols: np.ndarray, parent: np.ndarray
) -> np.ndarray:
    """Non-negative integers next to x (n × k) with row sums ``rows`` and column sums per parent
    ``cols``, exactly.

    First each cell goes to its nearest integer, and one maximum flow moves units between floors
    and ceilings to meet the margins: enough when x meets the margins (a transportation problem
    with integer margins has an integral solution next to any fractional one). When x meets them
    only nearly (the fit's last clipped hundredths), a second flow over the parents still off
    may move any cell up, or down to zero — a non-negative integer table with consistent margins
    always exists."""
    x = np.maximum(x, 0.0)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    base = np.floor(x + _TOLERANCE).astype(np.int64)
    frac = np.clip(x - base, 0.0, None)
    frac[frac < _TOLERANCE] = 0.0
    start = (frac >= 0.5).astype(np.int64)
    up = ((start == 0) & (frac > 0)).astype(np.int64)
    cur, done = _repair(base + start, rows, cols, parent, up, start)
    if done:
        return cur
    col_off = (cols - _column_sums(cur, parent, cols.shape[0])).any(axis=1)
    off = np.zeros(cols.shape[0], dtype=bool)
    off[parent[cur.sum(axis=1) != rows]] = True
    off |= col_off
    rows_off = np.flatnonzero(off[parent])
    kept, compact = np.unique(parent[rows_off], return_inverse=True)
    part = cur[rows_off]
    big = np.full(part.shape, int(np.abs(rows[rows_off]).sum() + 1), dtype=np.int64)
    fixed, done = _repair(part, rows[rows_off], cols[kept], compact, big, part)
    if not done:  # cannot happen: margins are non-negative integers with equal totals
        raise ArithmeticError("controlled rounding found no integral table")
    cur[rows_off] = fixed
    return cur


__all__ = ["fit_table", "project", "round_groups", "round_table"]
