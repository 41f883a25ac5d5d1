"""The dual-system estimate of the population from the census and the post-enumeration survey.

Inputs, each one row per record (long form, so the matching can write them):

- ``areas``: the PES sample — ``small_area_code`` (the primary unit), ``stratum``,
  ``inclusion_probability``;
- ``p_sample``: the PES persons — ``small_area_code``, the post-stratum columns, ``status``
  ``match`` (found in the census) or ``nonmatch``;
- ``e_sample``: the census persons of the sampled areas — ``small_area_code``, the post-stratum
  columns, ``status`` ``correct``, ``erroneous`` (should not have been counted there) or
  ``duplicate``;
- ``census``: the census count per post-stratum (``count``; whole-person imputations excluded).

Per post-stratum g, with weights 1/π of the areas (Horvitz–Thompson sums ``P``, ``M``, ``E``,
``CE``): DSE_g = C_g × (CE_g / E_g) × (P_g / M_g) — the census's correct enumerations scaled by the
PES's capture rate, the Petersen–Lincoln estimator within cells where capture is assumed
independent and homogeneous. Totals add over post-strata. Net coverage error = (C − DSE) / DSE
(negative: a net undercount); omissions = DSE − C × CE/E; the omission rate (漏登率, as the NBS
publishes it) = omissions / DSE. Variances by the stratified delete-one-area jackknife (JKn:
the area's weight set to 0, its stratum's other areas scaled by n_h/(n_h − 1)); an area taken
with certainty is a stratum of its own and adds no sampling variance.

A stratum left with a single area drawn at random (its others taken with certainty) is collapsed
with another of the same province, else the next one (the standard remedy, reported in
``notes``); only a sample with one random area in all is refused (E2168). Refused too, never a
silent zero or infinity: unresolved cases (E2166: matching not complete), a post-stratum with no
match or no E-sample person where the census counted persons (E2167), and statuses or columns not
listed above (E2169).

The sex-ratio adjustment (``sex_ratio_adjusted``) is the correlation-bias sensitivity run: where
the same people are hard to find in both captures, the DSE misses them too, mostly men; the
demographic-analysis sex ratio per age group sets the men's estimate to ratio × women's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

P_STATUSES = ("match", "nonmatch")
E_STATUSES = ("correct", "erroneous", "duplicate")
Z90, Z95 = 1.6448536269514722, 1.959963984540054
# The measures summed per area and post-stratum: P, M, E, CE, erroneous, duplicates.
_P, _M, _E, _CE, _ERR, _DUP = range(6)


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    se: float

    def ci(self, z: float) -> tuple[float, float]:
        return (self.estimate - z * self.se, self.estimate + z * self.se)


@dataclass(frozen=True, slots=True)
class Estimate:
    census_count: int
    dse: Interval
    net_coverage_error_pct: Interval
    omission_rate_pct: Interval
    correct_enumerations: float
    erroneous: float
    duplicates: float
    omissions: float
    post_strata: pl.DataFrame  # one row per post-stratum: keys, census, dse, rates
    replicates: int
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        return {
            "census_count": self.census_count,
            "dse_total": self.dse.estimate,
            "dse_se": self.dse.se,
            "ci90": list(self.dse.ci(Z90)),
            "ci95": list(self.dse.ci(Z95)),
            "net_coverage_error_pct": self.net_coverage_error_pct.estimate,
            "net_coverage_error_pct_ci95": list(self.net_coverage_error_pct.ci(Z95)),
            "omission_rate_pct": self.omission_rate_pct.estimate,
            "omission_rate_pct_ci95": list(self.omission_rate_pct.ci(Z95)),
            "components": {
                "correct_enumerations": self.correct_enumerations,
                "erroneous": self.erroneous,
                "duplicates": self.duplicates,
                "omissions": self.omissions,
            },
            "post_strata": self.post_strata.height,
            "jackknife_replicates": self.replicates,
            "notes": list(self.notes),
        }


def _require(frame: pl.DataFrame, name: str, columns: Sequence[str]) -> None:
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        raise HeadcountError(errors.PES_INPUT_INVALID, table=name, reason=f"no column {lacking[0]}")


def _statuses(frame: pl.DataFrame, name: str, allowed: Sequence[str]) -> None:
    seen = set(frame["status"].unique().to_list())
    if "unresolved" in seen:
        count = frame.filter(pl.col("status") == "unresolved").height
        raise HeadcountError(errors.PES_MATCHING_INCOMPLETE, table=name, count=str(count))
    unknown = sorted(str(s) for s in seen - set(allowed))
    if unknown:
        raise HeadcountError(errors.PES_INPUT_INVALID, table=name, reason=f"status {unknown[0]}")


def _cells(p_sample: pl.DataFrame, e_sample: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Counts per (area, post-stratum) of the six measures."""
    p = p_sample.group_by("small_area_code", *keys).agg(
        pl.len().alias("p"), (pl.col("status") == "match").sum().alias("m")
    )
    e = e_sample.group_by("small_area_code", *keys).agg(
        pl.len().alias("e"),
        (pl.col("status") == "correct").sum().alias("ce"),
        (pl.col("status") == "erroneous").sum().alias("err"),
        (pl.col("status") == "duplicate").sum().alias("dup"),
    )
    return p.join(e, on=["small_area_code", *keys], how="full", coalesce=True).fill_null(0)


def _correct_cells(totals: np.ndarray, census: np.ndarray) -> np.ndarray:
    """The census's correct enumerations per post-stratum: C × CE/E (0 where C is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(census > 0, census * totals[:, _CE] / totals[:, _E], 0.0)


def _dse_cells(totals: np.ndarray, census: np.ndarray) -> np.ndarray:
    """The DSE of each post-stratum: C × CE/E × P/M (0 where the census counted nobody)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = _correct_cells(totals, census) * (totals[:, _P] / totals[:, _M])
    return np.where(census > 0, cells, 0.0)


def _point(totals: np.ndarray, census: np.ndarray) -> tuple[float, float, float]:
    """(DSE, net coverage error %, omission rate %) from totals[g, measure] and census[g]."""
    dse = float(_dse_cells(totals, census).sum())
    c = float(census.sum())
    correct = float(_correct_cells(totals, census).sum())
    return dse, 100.0 * (c - dse) / dse, 100.0 * (dse - correct) / dse


def _collapse(stratum_of: np.ndarray) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Collapsed strata: a stratum left with one area drawn at random (its others taken with
    certainty) joins another of the same province, else the next in code order, so the
    jackknife has two areas to compare (the standard remedy; each collapse is reported)."""
    out = stratum_of.astype(object).copy()
    collapsed: list[tuple[str, str]] = []
    while True:
        random = [s for s in np.unique(out) if not str(s).startswith("certainty:")]
        sizes = {s: int((out == s).sum()) for s in random}
        singles = [s for s in random if sizes[s] == 1]
        if not singles or len(random) < 2:
            return out, collapsed
        single = singles[0]
        others = [s for s in random if s != single]
        province = str(single).split("-")[0]
        same = [s for s in others if str(s).split("-")[0] == province]
        target = (same or sorted(others, key=lambda s: (str(s) < str(single), str(s))))[0]
        out[out == single] = target
        collapsed.append((str(single), str(target)))


def estimate(
    areas: pl.DataFrame,
    p_sample: pl.DataFrame,
    e_sample: pl.DataFrame,
    census: pl.DataFrame,
    *,
    post_strata: Sequence[str],
) -> Estimate:
    """The dual-system estimate with its jackknife standard errors (see the module docstring)."""
    keys = list(post_strata)
    _require(areas, "areas", ("small_area_code", "stratum", "inclusion_probability"))
    for name, frame in (("p_sample", p_sample), ("e_sample", e_sample)):
        _require(frame, name, ("small_area_code", "status", *keys))
    _require(census, "census", (*keys, "count"))
    _statuses(p_sample, "p_sample", P_STATUSES)
    _statuses(e_sample, "e_sample", E_STATUSES)
    outside = set(p_sample["small_area_code"]) | set(e_sample["small_area_code"])
    outside -= set(areas["small_area_code"])
    if outside:
        raise HeadcountError(
            errors.PES_INPUT_INVALID, table="areas", reason=f"area {sorted(outside)[0]} not sampled"
        )
    cells = _cells(p_sample, e_sample, keys)
    strata = census.select(keys).unique().sort(keys)
    cells = cells.join(strata.with_row_index("g"), on=keys, how="inner")
    units = areas.sort("small_area_code").with_row_index("u")
    cells = cells.join(units.select("small_area_code", "u"), on="small_area_code")
    n_units, n_cells = units.height, strata.height
    x = np.zeros((n_units, n_cells, 6))
    measures = ("p", "m", "e", "ce", "err", "dup")
    for k, column in enumerate(measures):
        np.add.at(
            x[:, :, k], (cells["u"].to_numpy(), cells["g"].to_numpy()), cells[column].to_numpy()
        )
    weights = 1.0 / units["inclusion_probability"].to_numpy().astype(float)
    counts = strata.join(census, on=keys, how="left")["count"].fill_null(0).to_numpy().astype(float)
    totals = np.einsum("u,ugk->gk", weights, x)
    empty = [
        g for g in range(n_cells) if counts[g] > 0 and (totals[g, _M] <= 0 or totals[g, _E] <= 0)
    ]
    if empty:
        label = ", ".join(f"{k}={strata[k][empty[0]]}" for k in keys)
        raise HeadcountError(
            errors.PES_POST_STRATUM_EMPTY, post_stratum=label, count=str(len(empty))
        )
    dse, net, omitted = _point(totals, counts)

    # Stratified delete-one-area jackknife; a certainty area is its own stratum (no variance).
    certain = units["inclusion_probability"].to_numpy() >= 1.0
    stratum_of = np.where(certain, "certainty:" + units["small_area_code"], units["stratum"])
    stratum_of, collapsed = _collapse(stratum_of)
    replicates: list[tuple[float, float, float, float]] = []  # (factor, dse, net, omitted)
    per_cell = np.zeros(len(counts))  # the jackknife variance of each post-stratum's DSE
    dse_g = _dse_cells(totals, counts)
    for stratum in np.unique(stratum_of):
        members = np.flatnonzero(stratum_of == stratum)
        if str(stratum).startswith("certainty:"):
            continue
        n_h = len(members)
        if n_h < 2:
            raise HeadcountError(errors.PES_STRATUM_SINGLE, stratum=str(stratum))
        for dropped in members:
            w = weights.copy()
            w[members] *= n_h / (n_h - 1)
            w[dropped] = 0.0
            replicate = np.einsum("u,ugk->gk", w, x)
            if np.any((counts > 0) & ((replicate[:, _M] <= 0) | (replicate[:, _E] <= 0))):
                raise HeadcountError(
                    errors.PES_POST_STRATUM_EMPTY,
                    post_stratum=f"(without area {units['small_area_code'][int(dropped)]})",
                    count="1",
                )
            replicates.append(((n_h - 1) / n_h, *_point(replicate, counts)))
            per_cell += (n_h - 1) / n_h * (_dse_cells(replicate, counts) - dse_g) ** 2
    variance = np.zeros(3)
    for factor, *values in replicates:
        variance += factor * (np.array(values) - np.array([dse, net, omitted])) ** 2
    se = np.sqrt(variance)
    correct = float(_correct_cells(totals, counts).sum())
    scale = counts / totals[:, _E]
    per = strata.with_columns(
        pl.Series("census", counts),
        pl.Series("dse", dse_g),
        pl.Series("dse_se", np.sqrt(per_cell)),
        pl.Series("p_weighted", totals[:, _P]),
        pl.Series("match_rate", totals[:, _M] / totals[:, _P]),
        pl.Series("correct_rate", totals[:, _CE] / totals[:, _E]),
    ).with_columns(
        ((pl.col("census") - pl.col("dse")) / pl.col("dse") * 100).alias("net_pct"),
        # C/DSE's standard error is C × se(DSE) / DSE², to first order.
        (pl.col("census") * pl.col("dse_se") / pl.col("dse") ** 2 * 100).alias("net_pct_se"),
    )
    return Estimate(
        census_count=int(counts.sum()),
        dse=Interval(dse, float(se[0])),
        net_coverage_error_pct=Interval(net, float(se[1])),
        omission_rate_pct=Interval(omitted, float(se[2])),
        correct_enumerations=correct,
        erroneous=float((scale * totals[:, _ERR]).sum()),
        duplicates=float((scale * totals[:, _DUP]).sum()),
        omissions=dse - correct,
        post_strata=per,
        replicates=len(replicates),
        notes=tuple(f"stratum {a} collapsed with {b} (one area at random)" for a, b in collapsed),
    )


def sex_ratio_adjusted(
    result: Estimate, ratios: Mapping[str, float], *, age: str = "age_group", sex: str = "sex"
) -> float:
    """The total with each age group's men set to ``ratios[age group]`` × its women (demographic
    analysis); groups without a ratio keep their DSE. Sex codes: 1 men, 2 women."""
    frame = result.post_strata
    by = frame.group_by(age, sex).agg(pl.col("dse").sum())
    total = 0.0
    for group in by[age].unique().to_list():
        rows = by.filter(pl.col(age) == group)
        men = float(rows.filter(pl.col(sex).cast(pl.Int64) == 1)["dse"].sum())
        women = float(rows.filter(pl.col(sex).cast(pl.Int64) == 2)["dse"].sum())
        ratio = ratios.get(str(group))
        total += women + (ratio * women if ratio is not None else men)
    return float(total)


__all__ = ["E_STATUSES", "P_STATUSES", "Estimate", "Interval", "estimate", "sex_ratio_adjusted"]
