"""The accuracy report of a release: its errors against the confidential counts, and its checks.

Errors are release − truth per cell: mean absolute error (MAE), mean error (ME: a systematic bias
shows here, not in MAE), root mean square and the largest, per level × query and per level ×
query × population-size bin (the unit's true total: 0–9, 10–99, 100–999, 1,000–9,999, 10,000+).
The largest errors name the unit, the cell and the unit's true total: the report is confidential
(error and release give the true count back) — for the census office, never published with the
release (``dp --report`` writes it beside the release, not in it).

Checks, each pass or fail: every count non-negative and an integer; children add up to their
parent in every cell (levels); every unit's urban/rural and sex × age add up to its total, and its
households by type × size to its households (queries); no household of children alone (no unit
has more households than adults); and, reported the same way, whether the households' sizes fit
the unit's persons (Σ size × households ≤ persons, the 10+ class counted as 10) — a constraint
the post-processing does not impose (docs/dp.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from headcount import errors
from headcount.disclosure.topdown import queries as q
from headcount.disclosure.topdown.release import CELLS, FORMAT
from headcount.errors import HeadcountError

BINS = ((0, 9), (10, 99), (100, 999), (1000, 9999), (10000, None))
_LARGEST = 5


def bin_label(low: int, high: int | None) -> str:
    return f"{low:,}+" if high is None else f"{low:,}–{high:,}"


def read_release(path: Path) -> tuple[dict[str, Any], dict[str, pl.DataFrame]]:
    """release.json and every level's long table, each file's digest checked."""
    try:
        made: dict[str, Any] = json.loads((path / "release.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HeadcountError(
            errors.DP_RELEASE_UNREADABLE, path=str(path), reason="release.json"
        ) from exc
    if not isinstance(made, dict) or made.get("format") != FORMAT:
        raise HeadcountError(errors.DP_RELEASE_UNREADABLE, path=str(path), reason="format")
    for name, digest in dict(made.get("files", {})).items():
        try:
            actual = hashlib.sha256((path / name).read_bytes()).hexdigest()
        except OSError:
            actual = ""
        if actual != digest:
            raise HeadcountError(errors.DP_RELEASE_UNREADABLE, path=str(path), reason=name)
    tables = {lv: pl.read_parquet(path / f"{lv}.parquet") for lv in made.get("levels", {})}
    return made, tables


def _matrix(frame: pl.DataFrame, codes: np.ndarray, query: str) -> np.ndarray:
    """A level's released histogram as (units, cells), in the geography's order."""
    cells = CELLS[query]
    part = frame.filter(pl.col("query") == query)
    keys = pl.DataFrame({"geocode": codes.astype(str), "_row": np.arange(codes.size)})
    names = pl.DataFrame({"cell": list(cells), "_col": np.arange(len(cells))})
    placed = part.join(keys, on="geocode").join(names, on="cell")
    if placed.height != part.height:
        raise HeadcountError(
            errors.DP_RELEASE_UNREADABLE, path=query, reason="unknown unit or cell"
        )
    dtype = np.int64 if part["count"].dtype.is_integer() else np.float64
    out = np.zeros((codes.size, len(cells)), dtype=dtype)
    out[placed["_row"].to_numpy(), placed["_col"].to_numpy()] = placed["count"].to_numpy()
    return out


def _truth(data: q.Confidential, index: int) -> dict[str, np.ndarray]:
    return {
        "total": data.persons[index].sum(axis=1, keepdims=True),
        "urban_rural": data.persons[index],
        "sex_age": data.sex_age[index],
        "household_type_size": data.households[index],
    }


def _stats(err: np.ndarray) -> dict[str, Any]:
    if err.size == 0:
        return {"cells": 0, "mae": None, "me": None, "rmse": None, "max_abs": None}
    return {
        "cells": int(err.size),
        "mae": float(np.abs(err).mean()),
        "me": float(err.mean()),
        "rmse": float(np.sqrt((err.astype(np.float64) ** 2).mean())),
        "max_abs": int(np.abs(err).max()),
    }


def _children_add_up(levels: tuple[q.Level, ...], released: list[dict[str, np.ndarray]]) -> int:
    bad = 0
    for index in range(1, len(levels)):
        parent = levels[index].parent
        for query, values in released[index].items():
            sums = np.zeros_like(released[index - 1][query])
            np.add.at(sums, parent, values)
            bad += int((sums != released[index - 1][query]).sum())
    return bad


def _size_floor(households: np.ndarray) -> np.ndarray:
    sizes = np.tile(np.arange(1, q.MAX_SIZE + 1), len(q.HOUSEHOLD_TYPES))
    return households @ sizes


def report(release_dir: Path, source: Path) -> dict[str, Any]:
    made, tables = read_release(release_dir)
    data = q.confidential(source)
    if made.get("source", {}).get("digest") != data.source_digest:
        raise HeadcountError(
            errors.DP_RELEASE_OTHER_SOURCE,
            expected=str(made.get("source", {}).get("digest", ""))[:16],
            path=str(source),
        )
    released: list[dict[str, np.ndarray]] = []
    levels_out: list[dict[str, Any]] = []
    integer = True
    for index, level in enumerate(data.levels):
        frame = tables[level.name]
        integer &= frame["count"].dtype.is_integer()
        mine = {query: _matrix(frame, level.codes, query) for query in CELLS}
        released.append(mine)
        truth = _truth(data, index)
        size = truth["total"][:, 0]
        queries_out = []
        for query in CELLS:
            err = mine[query] - truth[query]
            flat = np.abs(err).ravel()
            top = np.argsort(-flat, kind="stable")[:_LARGEST]
            k = err.shape[1]
            largest = [
                {"geocode": str(level.codes[i // k]), "cell": CELLS[query][i % k],
                 "error": int(err.ravel()[i]), "true_total": int(size[i // k])}
                for i in top
            ]  # fmt: skip
            bins = []
            for low, high in BINS:
                units = (size >= low) & (size <= (high if high is not None else size.max()))
                if units.any():
                    bins.append({"bin": bin_label(low, high), "units": int(units.sum()),
                                 **_stats(err[units])})  # fmt: skip
            queries_out.append({"query": query, **_stats(err), "largest": largest, "bins": bins})
        levels_out.append({"level": level.name, "units": level.size, "queries": queries_out})
    counts = [v for r in released for v in r.values()]
    adults = [r["sex_age"][:, q.ADULT].sum(axis=1) for r in released]
    homes = [r["household_type_size"].sum(axis=1) for r in released]
    across = sum(
        int((r["sex_age"].sum(axis=1) != r["total"][:, 0]).sum())
        + int((r["urban_rural"].sum(axis=1) != r["total"][:, 0]).sum())
        for r in released
    )
    alone = sum(int((h > a).sum()) for h, a in zip(homes, adults, strict=True))
    oversize = sum(
        int((_size_floor(r["household_type_size"]) > r["total"][:, 0]).sum()) for r in released
    )
    checks: list[dict[str, Any]] = [
        {"check": "non_negative", "failures": sum(int((c < 0).sum()) for c in counts)},
        {"check": "integer", "failures": 0 if integer else 1},
        {"check": "levels_add_up", "failures": _children_add_up(data.levels, released)},
        {"check": "queries_add_up", "failures": across},
        {"check": "no_households_of_children_alone", "failures": alone},
        {"check": "household_sizes_fit_persons", "failures": oversize, "imposed": False},
    ]
    for check in checks:
        check["passed"] = check["failures"] == 0
    return {
        "format": "headcount-dp-accuracy",
        "version": 1,
        "release": str(release_dir),
        "draw_id": made.get("draw_id"),
        "rho": made.get("budget", {}).get("rho"),
        "levels": levels_out,
        "checks": checks,
        "passed": all(c["passed"] for c in checks if c.get("imposed", True)),
    }


__all__ = ["BINS", "bin_label", "read_release", "report"]
