"""Throughput of the batch edit executor and latency of the online engine.

    .venv/bin/python benchmarks/batch_edits.py [PERSONS] [--form short] [--repeat 3]

Builds a population of at least PERSONS persons (default 1,000,000) with injected errors: a few
thousand distinct random households from the test factories, replicated under new household ids
(the executor does the same work per row whatever the values). With ``--synth DIR`` it checks the
tables of a ``headcount synth`` directory instead (short and long forms, ``validate_census``).
Prints the timing of each phase, the online latency of a 4-person household, and last
``persons_per_s: N``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.questionnaire import factories

from headcount.questionnaire.batch import validate_census, validate_frames
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.loader import reference_forms

DISTINCT_HOUSEHOLDS = 4000


def replicate(frame: pl.DataFrame, copies: int) -> pl.DataFrame:
    """``copies`` copies of a frame, each under its own household ids, in household order."""
    index = pl.DataFrame({"__copy": pl.arange(0, copies, eager=True, dtype=pl.Int32)})
    out = index.join(frame, how="cross").with_columns(
        (pl.col("household_id") + "-" + pl.col("__copy").cast(pl.String)).alias("household_id")
    )
    return out.drop("__copy")


def online_latency(form_id: str, rounds: int = 2000) -> float:
    households = [
        h
        for h in factories.households(form_id, 400, seed=11, error_rate=0.3)
        if len(h["persons"]) == 4
    ]
    samples = []
    for i in range(rounds):
        household = households[i % len(households)]
        start = time.perf_counter()
        validate_household(household)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("persons", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--form", default="short")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--synth", type=Path, help="check a `headcount synth` directory instead (all its forms)"
    )
    args = parser.parse_args()
    form = reference_forms()[args.form]

    start = time.perf_counter()
    if args.synth is not None:
        tables = {
            name: pl.scan_parquet(str(args.synth / name / "*.parquet")).collect()
            for name in ("households", "persons", "death_forms")
        }
    else:
        data = factories.households(form, DISTINCT_HOUSEHOLDS, seed=2020, error_rate=0.3)
        base = factories.frames(form, data)
        copies = max(1, -(-args.persons // base["persons"].height))
        tables = {name: replicate(frame, copies) for name, frame in base.items()}
    persons = tables["persons"].height
    built = time.perf_counter() - start
    print(
        f"population: {persons:,} persons, {tables['households'].height:,} households, "
        f"{tables['death_forms'].height:,} death forms ({built:.1f} s to build)"
    )

    timings = []
    phases: list[dict[str, float]] = []
    findings = pl.DataFrame()
    for _ in range(args.repeat):
        phases.append({})
        start = time.perf_counter()
        if args.synth is not None:
            findings = validate_census(
                tables["households"], tables["persons"], tables["death_forms"]
            )
        else:
            findings = validate_frames(
                form,
                tables["households"],
                tables["persons"],
                tables["death_forms"],
                timings=phases[-1],
            )
        timings.append(time.perf_counter() - start)
    best = min(timings)
    for phase, seconds in phases[timings.index(best)].items():
        print(f"  {phase}: {seconds:.3f} s")
    hard = findings.filter(pl.col("severity") == "hard").height
    print(
        f"batch: {best:.3f} s best of {args.repeat} ({', '.join(f'{t:.3f}' for t in timings)}); "
        f"{findings.height:,} findings ({hard:,} hard)"
    )
    print(f"online: {online_latency(args.form):.3f} ms median per 4-person household")
    print(f"persons_per_s: {int(persons / best)}")


if __name__ == "__main__":
    main()
