"""Published tables as one linear system: every cell a variable, every known sum an equation.

``build(tables)`` numbers the cells of every table (in long form, margins included) and writes
down every relation an attacker can use, as rows of ``A`` with ``A x = 0`` or ``A x ≥ 0``:

* within a table, for every dimension with a ``total`` (and the nested categories of
  ``structure.TREES``): the parent cell minus the sum of its children, for every combination of
  the other dimensions;
* across geographic levels, for each table present at two consecutive levels: the coarse area's
  cell minus the sum of its sub-areas' cells (a sub-area belongs to the coarse area whose code
  prefixes its own; every area belongs to the nation);
* across tables, at one level and area: the shared margins and arithmetic of ``structure.LINKS``.

Counts are non-negative; that is the only bound. The model is the same whether the values are
the true ones (suppression) or the published ones with unknowns (the attack, the bundle's check).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import polars as pl
import scipy.sparse as sp  # type: ignore[import-untyped]

from headcount.disclosure.suppression.long_form import COUNT, GEOCODE, MARGIN, STATUS, LongTable
from headcount.disclosure.suppression.structure import LINKS, TREES, Side
from headcount.tables.index import LEVELS

__all__ = ["Model", "build"]

_CELL = "_cell"
_EQ = "_eq"
Triplets = pl.DataFrame  # _eq (local), _cell, coef


@dataclass(frozen=True, slots=True)
class Model:
    tables: tuple[LongTable, ...]
    offsets: tuple[int, ...]  # first cell of each table
    values: npt.NDArray[np.float64]  # NaN where unknown (suppressed in a published table)
    status: npt.NDArray[np.str_]
    A: sp.csr_matrix  # rows: equations over all cells
    inequality: npt.NDArray[np.bool_]  # per row: A x ≥ 0 (else A x = 0)
    margin: npt.NDArray[np.int64]  # per cell: how many of its dimensions are ``total``
    depth: npt.NDArray[np.int64]  # per cell: its level's position in LEVELS (0 national)

    @property
    def size(self) -> int:
        return int(self.values.shape[0])

    def locate(self, cell: int) -> tuple[LongTable, int]:
        """The table of a cell and its row in that table's frame."""
        at = int(np.searchsorted(np.asarray(self.offsets), cell, side="right")) - 1
        return self.tables[at], cell - self.offsets[at]

    def key(self, cell: int) -> dict[str, str]:
        table, row = self.locate(cell)
        values = table.frame.row(row, named=True)
        return {k: str(values[k]) for k in (GEOCODE, *table.dims)}


def _tree_equations(table: LongTable, frame: pl.DataFrame) -> list[Triplets]:
    out: list[Triplets] = []
    for dim in table.dims:
        tree = dict(TREES.get((table.id, dim), {}))
        values = set(frame[dim].unique().to_list())
        if MARGIN in values:
            tree[MARGIN] = tuple(sorted(values - {MARGIN}))
        others = [GEOCODE, *(d for d in table.dims if d != dim)]
        for parent, children in tree.items():
            up = frame.filter(pl.col(dim) == parent).select(*others, pl.col(_CELL).alias("_p"))
            down = frame.filter(pl.col(dim).is_in(list(children))).select(*others, _CELL)
            out.append(_sum_equations(up, down, others))
    return out


def _sum_equations(up: pl.DataFrame, down: pl.DataFrame, on: list[str]) -> Triplets:
    """parent − Σ children = 0 for every parent row of ``up`` (``_p``) and its rows in ``down``."""
    joined = up.join(down, on=on, how="inner").select("_p", _CELL)
    parents = joined.select("_p").unique(maintain_order=True).with_row_index(_EQ)
    joined = joined.join(parents, on="_p")
    children = joined.select(_EQ, _CELL, pl.lit(1.0).alias("coef"))
    heads = parents.select(_EQ, pl.col("_p").alias(_CELL), pl.lit(-1.0).alias("coef"))
    return pl.concat([heads.cast({_EQ: pl.Int64}), children.cast({_EQ: pl.Int64})])


def _parent_codes(fine: pl.Series, coarse: pl.Series, coarse_level: str) -> pl.Series:
    if coarse_level == "national":
        return pl.Series([coarse[0]] * fine.len(), dtype=pl.String)
    longest = coarse.str.len_chars().max()
    width = int(longest) if isinstance(longest, int) else 0
    return fine.str.slice(0, width)


def _geography(coarse: pl.DataFrame, fine: pl.DataFrame, table: LongTable) -> Triplets:
    on = [GEOCODE, *table.dims]
    parent = _parent_codes(fine[GEOCODE], coarse[GEOCODE], table.level)
    children = fine.with_columns(parent.alias(GEOCODE)).select(*on, _CELL)
    return _sum_equations(coarse.select(*on, pl.col(_CELL).alias("_p")), children, on)


def _side(frame: pl.DataFrame, side: Side, dims: tuple[str, ...]) -> pl.DataFrame | None:
    named = {*side.where, *side.key, *([side.coefficient[0]] if side.coefficient else [])}
    if not named <= set(dims):
        return None
    chosen = frame
    for dim, values in side.where.items():
        chosen = chosen.filter(pl.col(dim).is_in(list(values)))
    keys = []
    for n, (dim, mapping) in enumerate(side.key.items()):
        column = (
            pl.col(dim) if mapping is None else pl.col(dim).replace_strict(mapping, default=None)
        )
        keys.append(column.alias(f"_k{n}"))
    weight = pl.lit(1.0)
    if side.coefficient is not None:
        dim, weights = side.coefficient
        weight = pl.col(dim).replace_strict(dict(weights), default=None, return_dtype=pl.Float64)
    return chosen.select(GEOCODE, *keys, _CELL, weight.alias("coef")).drop_nulls()


def _link_equations(
    by_level: dict[str, dict[str, tuple[LongTable, pl.DataFrame]]],
) -> list[Triplets]:
    out: list[Triplets] = []
    for tables in by_level.values():
        for link in LINKS:
            if link.left.table not in tables or link.right.table not in tables:
                continue
            lt, lf = tables[link.left.table]
            rt, rf = tables[link.right.table]
            left, right = _side(lf, link.left, lt.dims), _side(rf, link.right, rt.dims)
            if left is None or right is None or len(link.left.key) != len(link.right.key):
                continue
            on = [GEOCODE, *(f"_k{n}" for n in range(len(link.left.key)))]
            keys = left.select(on).unique().join(right.select(on).unique(), on=on)
            keys = keys.with_row_index(_EQ).cast({_EQ: pl.Int64})
            plus = left.join(keys, on=on).select(_EQ, _CELL, "coef")
            minus = right.join(keys, on=on).select(_EQ, _CELL, -pl.col("coef"))
            out.append(
                pl.concat([plus, minus]).with_columns(pl.lit(link.sense == ">=").alias("_ge"))
            )
    return out


def build(tables: Sequence[LongTable]) -> Model:
    """The linear system of ``tables`` (long form, any levels, any of the standard tables)."""
    framed: list[pl.DataFrame] = []
    offsets: list[int] = []
    start = 0
    for table in tables:
        offsets.append(start)
        framed.append(table.frame.with_row_index(_CELL, offset=start).cast({_CELL: pl.Int64}))
        start += table.frame.height
    parts: list[Triplets] = []
    by_level: dict[str, dict[str, tuple[LongTable, pl.DataFrame]]] = {}
    by_id: dict[str, dict[str, tuple[LongTable, pl.DataFrame]]] = {}
    for table, frame in zip(tables, framed, strict=True):
        parts.extend(
            t.with_columns(pl.lit(False).alias("_ge")) for t in _tree_equations(table, frame)
        )
        by_level.setdefault(table.level, {})[table.id] = (table, frame)
        by_id.setdefault(table.id, {})[table.level] = (table, frame)
    for levels in by_id.values():
        present = [lv for lv in LEVELS if lv in levels]
        for coarse, fine in pairwise(present):
            (table, cf), (_ft, ff) = levels[coarse], levels[fine]
            parts.append(_geography(cf, ff, table).with_columns(pl.lit(False).alias("_ge")))
    parts.extend(_link_equations(by_level))
    return _assemble(tuple(tables), tuple(offsets), framed, parts, start)


def _assemble(
    tables: tuple[LongTable, ...],
    offsets: tuple[int, ...],
    framed: list[pl.DataFrame],
    parts: list[Triplets],
    size: int,
) -> Model:
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    coefs: list[npt.NDArray[np.float64]] = []
    ge: list[npt.NDArray[np.bool_]] = []
    base = 0
    for part in parts:
        if part.height == 0:
            continue
        eq = part[_EQ].to_numpy().astype(np.int64)
        count = int(eq.max()) + 1
        rows.append(eq + base)
        cols.append(part[_CELL].to_numpy().astype(np.int64))
        coefs.append(part["coef"].to_numpy().astype(np.float64))
        flags = np.zeros(count, dtype=bool)
        flags[eq] = part["_ge"].to_numpy()
        ge.append(flags)
        base += count
    matrix = sp.csr_matrix(
        (np.concatenate(coefs) if coefs else [], (np.concatenate(rows) if rows else [],
         np.concatenate(cols) if cols else [])),
        shape=(base, size),
    )  # fmt: skip
    matrix.sum_duplicates()
    values = np.concatenate(
        [f[COUNT].cast(pl.Float64).fill_null(np.nan).to_numpy() for f in framed]
    )
    status = np.concatenate([f[STATUS].to_numpy().astype(str) for f in framed])
    margin = np.concatenate(
        [
            np.sum([(f[d] == MARGIN).to_numpy() for d in t.dims], axis=0).astype(np.int64)
            for t, f in zip(tables, framed, strict=True)
        ]
    )
    depth = np.concatenate(
        [
            np.full(f.height, LEVELS.index(t.level), dtype=np.int64)
            for t, f in zip(tables, framed, strict=True)
        ]
    )
    inequality = np.concatenate(ge) if ge else np.zeros(0, dtype=bool)
    return Model(tables, offsets, values, status, matrix, inequality, margin, depth)
