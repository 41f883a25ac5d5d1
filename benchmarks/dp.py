"""The TopDown release at national shape, its accuracy, and OpenDP as the peer for its noise.

    python benchmarks/dp.py [--persons 1000000] [--seed 7] [--dir DIR] [--config budget.yaml]

Generates a synthetic census (``headcount synth``, all provinces; kept in ``--dir`` for the next
run), then:

1. times a whole release (``disclosure.topdown.release``: confidential histograms, noise,
   post-processing, writing) and prints its stages, the total-population MAE by level and the
   checks of its accuracy report;
2. side by side, the same noisy county and township totals from OpenDP's own measurement chain —
   person records → ``make_count_by_categories`` (L2) → ``then_gaussian`` — at the same ρ share,
   with its zCDP accounting (``map``) and ε at δ (``make_zCDP_to_approxDP``), and compares the
   empirical noise scale (std of noisy − true) of both with σ of the budget. Tumult Analytics is
   not installed here (it pins pyspark < 3.6 and pandas < 2), so OpenDP is the one peer.

Last line: ``dp_persons_per_s: N`` (persons / wall seconds of the release).
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _synth(persons: int, seed: int, root: Path) -> Path:
    out = root / f"synth-{persons}-{seed}"
    if not (out / "manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(
            ["headcount", "synth", "--persons", str(persons), "--seed", str(seed), "--out",
             str(out), "--workers", "2", "--quiet"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"synth {persons:,} persons: {time.perf_counter() - started:.1f} s")
    return out


def _opendp_totals(codes: list[str], categories: list[str], rho: float) -> tuple[np.ndarray, float]:
    """OpenDP's noisy counts of persons per category at zCDP ρ, and its ε at δ = 1e-10."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
    count = dp.t.make_count_by_categories(
        *space, categories=categories, null_category=False, MO=dp.L2Distance[int]
    )
    chain = count >> dp.m.then_gaussian(scale=1 / math.sqrt(2 * rho))
    spent = float(chain.map(1))  # ρ for one person added or removed
    assert abs(spent - rho) < 1e-9 * rho, (spent, rho)
    epsilon = float(dp.c.make_zCDP_to_approxDP(chain).map(1).epsilon(1e-10))  # type: ignore[no-untyped-call]
    return np.asarray(chain(codes), dtype=np.int64), epsilon


def _peer(source: Path, level: str, budget_rho: float, ours: dict[str, object]) -> None:
    from headcount.disclosure.topdown import queries

    data = queries.confidential(source)
    index = queries.LEVELS.index(level)
    truth = data.persons[index].sum(axis=1)
    categories = [str(c) for c in data.levels[index].codes]
    # The person records' unit codes, from the same counted population (one row per person).
    per_unit = np.repeat(np.arange(truth.size), truth)
    records = [categories[i] for i in per_unit]
    started = time.perf_counter()
    noisy, epsilon = _opendp_totals(records, categories, budget_rho)
    seconds = time.perf_counter() - started
    sigma = 1 / math.sqrt(2 * budget_rho)
    mine = np.asarray(ours["noisy"])[:, 0] - truth
    peer = noisy - truth
    print(
        f"{level:9s} total  ρ {budget_rho:.4f}  σ budget {sigma:.3f} | ours: std {mine.std():.3f} "
        f"mean {mine.mean():+.3f} ε {ours['epsilon']:.3f} | OpenDP: std {peer.std():.3f} "
        f"mean {peer.mean():+.3f} ε {epsilon:.3f} ({seconds:.1f} s, {truth.size:,} units)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "headcount-dp")
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args()

    from headcount.disclosure import budget as dp_budget
    from headcount.disclosure.topdown import accuracy, release

    args.dir.mkdir(parents=True, exist_ok=True)
    source = _synth(args.persons, args.seed, args.dir)
    budget = dp_budget.load(args.config)
    out = args.dir / f"release-{time.time_ns()}"
    started = time.perf_counter()
    cpu = time.process_time()
    made = release.release(source, out, budget, again=True)  # a benchmark draws knowingly
    wall = time.perf_counter() - started
    print(f"release: {wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU "
          f"({made['levels']})")  # fmt: skip
    report = accuracy.report(out, source)
    for level in report["levels"]:
        total = next(q for q in level["queries"] if q["query"] == "total")
        sex_age = next(q for q in level["queries"] if q["query"] == "sex_age")
        print(
            f"{level['level']:10s} units {level['units']:7,}  total MAE {total['mae']:.3f} "
            f"ME {total['me']:+.3f} max {total['max_abs']}  sex×age MAE {sex_age['mae']:.3f} "
            f"ME {sex_age['me']:+.5f}"
        )
    for check in report["checks"]:
        print(f"check {check['check']}: {'pass' if check['passed'] else 'fail'} "
              f"({check['failures']} failures)")  # fmt: skip

    import polars as pl

    cert = {(r["level"], r["query"]): r for r in budget.certificate()["queries"]}
    for level in ("county", "township"):
        measured = pl.read_parquet(out / "measurements" / f"{level}.parquet").filter(
            pl.col("query") == "total"
        )
        ours = {"noisy": measured["noisy"].to_numpy()[:, None],
                "epsilon": cert[(level, "total")]["epsilon"]}  # fmt: skip
        _peer(source, level, cert[(level, "total")]["rho"], ours)
    shutil.rmtree(out, ignore_errors=True)
    print(f"dp_persons_per_s: {args.persons / wall:.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
