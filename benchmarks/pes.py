"""The post-enumeration survey: matching and estimation throughput, and the estimate's accuracy.

    python benchmarks/pes.py [PERSONS] [--pes-areas N] [--seeds K] [--first-seed S]
        [--correlation C] [--keep DIR]

For each of K seeds (default 1): ``headcount synth`` of PERSONS (default 1,000,000) with a
simulated PES of N areas (default: one area per 4,200 persons and 140 at least, two for each of
the ~60 strata: about 100,000 PES persons at 1 M), ``extract --from-synth --registers`` and
``quality`` (the census's own quality run: not part of the figure), then the matching and the
estimate of ``pes match`` and ``pes estimate``, timed in this process. Each seed prints the
estimated and true net coverage error and omission rate, the 95 % interval and the matching's
precision and recall; with K > 1 a summary: how many estimates lie within ±0.02 pp of the truth
and how many intervals cover it (issue 13: at least 19 and 18 of 20).

The last line is ``pes_persons_per_s: N`` — PES persons matched and estimated per second, the
median over seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HEADCOUNT = str(Path(sys.executable).parent / "headcount")  # the venv's command


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [HEADCOUNT, *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def _one(root: Path, env: dict[str, str], args: argparse.Namespace, seed: int) -> dict[str, Any]:
    synth, extract, quality, matched = (root / n for n in ("synth", "extract", "quality", "m"))
    # Two areas in each of the ~60 province × urban/rural strata at least.
    areas = args.pes_areas or max(140, args.persons // 4200)
    _cli(env, "synth", "--persons", str(args.persons), "--seed", str(seed), "--out", str(synth),
         "--pes-areas", str(areas), "--pes-correlation", str(args.correlation), "--quiet",
         "--workers", "2")  # fmt: skip
    _cli(env, "extract", "--from-synth", str(synth), "--registers", str(synth),
         "--out", str(extract))  # fmt: skip
    subprocess.run(
        [HEADCOUNT, "quality", str(extract), "--out", str(quality)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    import polars as pl

    from headcount.pes.estimate import estimate as dual_system
    from headcount.pes.match import POST_STRATA
    from headcount.pes.match import match as pes_match

    started = time.perf_counter()  # in this process: the figure is the work, not the start-up
    match = pes_match(extract, quality, matched)
    frames = (
        pl.read_parquet(matched / f"{n}.parquet")
        for n in ("areas", "p_sample", "e_sample", "census")
    )
    estimate = dual_system(*frames, post_strata=POST_STRATA).summary()
    seconds = time.perf_counter() - started
    truth = match["truth"]
    return {
        "seed": seed,
        "pes_persons": match["pes_persons"],
        "seconds": seconds,
        "net": estimate["net_coverage_error_pct"],
        "true_net": truth["net_coverage_error_pct"],
        "ci95": estimate["net_coverage_error_pct_ci95"],
        "omission": estimate["omission_rate_pct"],
        "true_omission": truth["omission_rate_pct"],
        "precision": truth["matching_precision"],
        "recall": truth["matching_recall"],
        "omissions": estimate["components"]["omissions"],
        "true_omissions": truth["missed"],
        "erroneous": estimate["components"]["erroneous"] + estimate["components"]["duplicates"],
        "true_erroneous": truth["erroneous"],
        "in_sample": truth["in_sample"],
        "dse": estimate["dse_total"],
        "population": truth["population"],
        "adjusted": _sex_ratio_run(matched, extract),
    }


def _sex_ratio_run(matched: Path, extract: Path) -> float:
    """The correlation-bias sensitivity run: the DSE with men set from women by the sex ratio
    of demographic analysis — here the synthetic population's own, which is what demographic
    analysis estimates (``pes.estimate.sex_ratio_adjusted``)."""
    import polars as pl

    from headcount.pes.estimate import estimate as dual_system
    from headcount.pes.estimate import sex_ratio_adjusted
    from headcount.pes.match import POST_STRATA

    names = ("areas", "p_sample", "e_sample", "census")
    result = dual_system(*(pl.read_parquet(matched / f"{n}.parquet") for n in names),
                         post_strata=POST_STRATA)  # fmt: skip
    return float(sex_ratio_adjusted(result, _true_sex_ratios(extract)))


def _true_sex_ratios(extract: Path) -> dict[str, float]:
    """Men per woman by the estimate's age groups in the synthetic truth."""
    import duckdb

    from headcount.processing.layout import open_extract

    truth = open_extract(extract, verify=False).parquet_sql("truth_persons")
    rows = (
        duckdb.connect()
        .execute(
            f"""SELECT
          CASE WHEN age < 18 THEN 0 WHEN age < 30 THEN 1 WHEN age < 50 THEN 2 ELSE 3 END AS g,
          count(*) FILTER (WHERE sex = 1), count(*) FILTER (WHERE sex = 2)
        FROM {truth} GROUP BY ALL"""
        )
        .fetchall()
    )
    return {str(g): men / women for g, men, women in rows if women}


def _within(estimate: float, truth: float) -> bool:
    return truth > 0 and abs(estimate / truth - 1) <= 0.10


def _components(runs: list[dict[str, Any]], correlation: float) -> None:
    """Omissions and erroneous enumerations against their truth, nationally and in the sample;
    with correlated misses, the bias theory predicts and what the sex-ratio run leaves."""
    k = len(runs)
    om = sum(_within(r["omissions"], r["true_omissions"]) for r in runs)
    er = sum(_within(r["erroneous"], r["true_erroneous"]) for r in runs)
    ratios = [r["omissions"] / r["true_omissions"] for r in runs if r["true_omissions"]]
    wrong = [r["erroneous"] / r["true_erroneous"] for r in runs if r["true_erroneous"]]
    print(
        f"national components: omissions within ±10 % {om}/{k} (estimate/truth "
        f"{min(ratios):.3f}–{max(ratios):.3f}), erroneous enumerations within ±10 % {er}/{k} "
        f"({min(wrong):.3f}–{max(wrong):.3f})"
    )
    inside = [r["in_sample"] for r in runs]
    print(
        "in the sampled areas: omissions found/true "
        f"{sum(i['omissions_found'] for i in inside)}/{sum(i['omissions_true'] for i in inside)}, "
        f"erroneous found/true {sum(i['erroneous_found'] for i in inside)}/"
        f"{sum(i['erroneous_true'] for i in inside)}"
    )
    # With capture (1 − m) by the census and, for its misses, c(1 − ρ) instead of c by the
    # survey, E[DSE] = N (1 − m ρ): the survey under-finds exactly the people the census missed.
    bias = [(r["dse"] - r["population"]) / r["population"] * 100 for r in runs]
    miss = [r["true_omissions"] / r["population"] for r in runs]
    predicted = statistics.mean(-m * correlation * 100 for m in miss)
    adjusted = [(r["adjusted"] - r["population"]) / r["population"] * 100 for r in runs]
    print(
        f"correlation {correlation}: DSE bias {statistics.mean(bias):+.4f} % (theory "
        f"{predicted:+.4f} %), after the sex-ratio run {statistics.mean(adjusted):+.4f} %"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--pes-areas", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--correlation", type=float, default=0.0)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    import os

    from headcount.privacy.vault import MasterKey

    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="headcount-pes-") as tmp:
        base = args.keep or Path(tmp)
        key = base / "headcount.key"
        base.mkdir(parents=True, exist_ok=True)
        if not key.exists():
            MasterKey.create(key, "intl")
        env = {**os.environ, "HEADCOUNT_KEY_FILE": str(key), "HEADCOUNT_MODE": "production"}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            root = base / f"seed-{seed}"
            root.mkdir(exist_ok=True)
            run = _one(root, env, args, seed)
            runs.append(run)
            low, high = run["ci95"]
            print(
                f"seed {seed}: {run['pes_persons']:,} PES persons in {run['seconds']:.2f} s · net "
                f"coverage {run['net']:+.4f} % (truth {run['true_net']:+.4f} %, 95 % "
                f"{low:+.4f}…{high:+.4f}) · omission {run['omission']:.4f} % (truth "
                f"{run['true_omission']:.4f} %) · matching P {run['precision']:.5f} "
                f"R {run['recall']:.5f}",
                flush=True,
            )
    if len(runs) > 1:
        near = sum(abs(r["net"] - r["true_net"]) <= 0.02 for r in runs)
        covered = sum(r["ci95"][0] <= r["true_net"] <= r["ci95"][1] for r in runs)
        errors = [r["net"] - r["true_net"] for r in runs]
        print(
            f"{len(runs)} seeds: within ±0.02 pp {near}/{len(runs)}, 95 % interval covers "
            f"{covered}/{len(runs)}, error mean {statistics.mean(errors):+.4f} pp, "
            f"sd {statistics.stdev(errors):.4f} pp"
        )
    _components(runs, args.correlation)
    rate = statistics.median(r["pes_persons"] / r["seconds"] for r in runs)
    print(f"pes_persons_per_s: {rate:.0f}")


if __name__ == "__main__":
    main()
