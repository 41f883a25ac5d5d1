"""Synthetic population throughput: persons per second written to Parquet, and peak memory.

    python benchmarks/synth.py [PERSONS] [--workers N] [--seed S] [--keep DIR]

Generates PERSONS (default 1,000,000) true persons with every table of the data contract, prints
the wall time, the peak resident memory of the run (this process and its workers), the tolerance
checks of the 2020 targets, and last ``persons_per_s: N``. Run it at 10,000,000 to read the peak
memory at that size (the generator streams chunk by chunk, so it should not grow with PERSONS).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from headcount.synth import generate, report


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # Linux reports KiB


def _cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    out = args.keep or tmp / "pop"
    try:
        cpu_before = _cpu_seconds()
        start = time.perf_counter()
        result = generate(persons=args.persons, seed=args.seed, out=out, workers=args.workers)
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu_before
        size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
        rows = sum(t["rows"] for t in result.manifest["tables"].values())
        chunks = result.manifest["chunks"]
        print(f"persons: {args.persons:,}  workers: {args.workers}  chunks: {chunks}")
        print(f"seconds: {seconds:.2f}  rows_all_tables: {rows:,}  parquet_mb: {size / 2**20:.1f}")
        print(f"peak_rss_mb: {_peak_rss_mb():.0f}")
        # CPU time is steadier than wall time on a shared machine: persons per CPU-second.
        print(f"cpu_seconds: {cpu:.1f}  persons_per_cpu_s: {args.persons / cpu:.0f}")
        rep = report.build(out)
        for row in rep.rows:
            if row.tolerance is not None:
                mark = "ok" if row.within else "OUT OF TOLERANCE"
                print(
                    f"  {row.indicator:28s} target {row.target:9.3f}  generated "
                    f"{row.generated:9.3f}  diff {row.difference:+.3f} (±{row.tolerance:g}) {mark}"
                )
        print(f"persons_per_s: {args.persons / seconds:.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
