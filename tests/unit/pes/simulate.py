"""A small census with a known population, an independent PES capture and perfect matching: what
the estimator is scored against (the synth's simulated PES, issue 13 part 3, will replace it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from headcount.pes.design import FrameArea, draw

KEYS = ("age_group", "sex", "urban")


@dataclass(frozen=True)
class World:
    areas: pl.DataFrame
    p_sample: pl.DataFrame
    e_sample: pl.DataFrame
    census: pl.DataFrame
    truth: int  # the population
    census_count: int
    omitted: int  # persons the census missed


def simulate(
    seed: int,
    *,
    areas: int = 160,
    sampled: int = 40,
    erroneous_rate: float = 0.01,
    duplicate_rate: float = 0.005,
    pes_capture: float = 0.95,
    correlated: float = 0.0,
) -> World:
    """``correlated`` > 0: the persons the census missed are that much less likely to be found by
    the PES too (the correlation bias the sex-ratio run is for), men more than women."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(120, 320, areas)
    codes = [f"{11 + (i % 2) * 33}0101{i // 40:03d}{i % 40:06d}" for i in range(areas)]
    kinds = ["111" if i % 3 else "220" for i in range(areas)]
    area_of = np.repeat(np.arange(areas), sizes)
    n = len(area_of)
    sex = rng.integers(1, 3, n)
    age = rng.integers(0, 4, n)
    urban = np.array([k.startswith("1") for k in kinds])[area_of].astype(int)
    miss = np.where((sex == 1) & (age == 1), 0.06, 0.02) + np.where(urban == 1, 0.01, 0.0)
    counted = rng.random(n) >= miss
    # Missed men are hardest to find again; missed women a little harder too.
    hard = np.where(sex == 1, correlated, correlated / 4)
    pes_p = np.where(counted, pes_capture, pes_capture * (1 - hard))
    in_pes = rng.random(n) < pes_p
    # Census records: each counted person once, some twice, and erroneous records (persons who
    # should not be there: counted where they do not live, or not alive at the reference).
    dup = counted & (rng.random(n) < duplicate_rate)
    n_err = rng.binomial(int(counted.sum()), erroneous_rate)
    err_idx = rng.integers(0, n, n_err)  # erroneous records look like the area's persons
    persons = pl.DataFrame(
        {"area": area_of, "sex": sex, "age_group": age, "urban": urban, "counted": counted,
         "in_pes": in_pes, "dup": dup}
    )  # fmt: skip
    census_records = pl.concat(
        [
            persons.filter(pl.col("counted")).with_columns(pl.lit("correct").alias("status")),
            persons.filter(pl.col("dup")).with_columns(pl.lit("duplicate").alias("status")),
            persons[err_idx.tolist()].with_columns(pl.lit("erroneous").alias("status")),
        ]
    )
    census = census_records.group_by(*KEYS).agg(pl.len().cast(pl.Int64).alias("count"))
    frame = [FrameArea(codes[i], int(sizes[i]), kinds[i]) for i in range(areas)]
    sample = draw(frame, areas=sampled, seed=seed)
    chosen = {a.small_area_code for a in sample.areas}
    index = {codes[i]: i for i in range(areas)}
    chosen_idx = [index[c] for c in chosen]
    code_col = pl.col("area").map_elements(lambda i: codes[i], return_dtype=pl.String)
    p_sample = (
        persons.filter(pl.col("area").is_in(chosen_idx) & pl.col("in_pes"))
        .with_columns(
            code_col.alias("small_area_code"),
            pl.when(pl.col("counted")).then(pl.lit("match")).otherwise(pl.lit("nonmatch"))
            .alias("status"),
        )
        .select("small_area_code", *KEYS, "status")
    )  # fmt: skip
    e_sample = (
        census_records.filter(pl.col("area").is_in(chosen_idx))
        .with_columns(code_col.alias("small_area_code"))
        .select("small_area_code", *KEYS, "status")
    )
    areas_frame = pl.DataFrame(
        {
            "small_area_code": [a.small_area_code for a in sample.areas],
            "stratum": [a.stratum for a in sample.areas],
            "inclusion_probability": [a.inclusion_probability for a in sample.areas],
        }
    )
    return World(
        areas_frame, p_sample, e_sample, census, n, census_records.height, int((~counted).sum())
    )
