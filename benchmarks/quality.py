"""Quality-job throughput: synth → extract → quality, beside plain Splink on the same extract.

    python benchmarks/quality.py [PERSONS] [--seed S] [--workers W] [--no-peer] [--keep DIR]
        [--raised] [--memory-limit 1GB] [--threads N]

1. ``headcount synth`` of PERSONS (default 1,000,000) and ``extract --from-synth --registers``
   (timed, not part of the figure); ``--raised``: with issue 12's raised error rates
   (``synth.config.RAISED``: name typos 5 %, mistyped check characters 2 %, no ID 2 %, every
   duplicate in another county).
2. ``headcount quality`` over the extract in a fresh process: wall time, peak RSS of that process,
   persons per second, and the precision/recall per finding against the truth tables.
3. The peer, also in a fresh process: plain Splink with near-default settings deduplicating the
   census person records of the same extract (exact comparisons of the ID pseudonym, the name
   encoding, sex, birth year-month, county and relationship; blocking on the ID pseudonym, name
   and birth year, birth month, sex and county; u by random sampling (Splink's default 1e6
   pairs); EM on two rules; predict at 0.99; clusters). It links census records only (no
   registers) and has no separate pseudonym pass: what "just run Splink" costs on this extract.

The last line is ``quality_persons_per_s: N``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _stage_quality(extract: Path, out: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    from headcount.quality import run

    started = time.perf_counter()
    limit = {"memory_limit": memory_limit} if memory_limit else {}
    result = run(extract, out, threads=threads or None, **limit)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": _peak_rss_mb(),
        "timings": result.summary["timings"],
        "counts": result.summary["counts"],
    }


def _stage_peer(extract: Path) -> dict[str, Any]:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from headcount.processing.layout import open_extract

    started = time.perf_counter()
    ex = open_extract(extract, verify=False)
    files = ", ".join(f"'{p}'" for p in ex.files("persons"))
    hh = ", ".join(f"'{p}'" for p in ex.files("households"))
    con = duckdb.connect()
    con.execute(
        f"""CREATE TABLE people AS SELECT row_number() OVER () AS unique_id,
          hex(p.id_pseudonym) AS id_key, hash(p.name_bloom)::VARCHAR AS name_key, p.sex,
          p.birth_year_month_year * 100 + p.birth_year_month_month AS bym,
          p.birth_year_month_year AS birth_year, substr(h.small_area_code, 1, 6) AS county,
          p.relationship
        FROM read_parquet([{files}]) AS p JOIN read_parquet([{hh}]) AS h USING (household_id)"""
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("id_key"),
            cl.ExactMatch("name_key").configure(term_frequency_adjustments=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("bym"),
            cl.ExactMatch("county"),
            cl.ExactMatch("relationship"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_key"),
            block_on("bym", "sex", "county"),
            block_on("name_key", "birth_year"),
        ],
    )
    linker = Linker(DuckDBAPI(connection=con).register("people"), settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in (block_on("id_key"), block_on("name_key", "birth_year")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pairs = linker.inference.predict(threshold_match_probability=0.99)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.99)
    n = con.sql(f"SELECT count(*) FROM {clusters.physical_name}").fetchall()[0][0]
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb(),
            "records": int(n)}  # fmt: skip


def _child(stage: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--stage", stage, *args],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _prepare(synth: Path, extract: Path, root: Path, args: argparse.Namespace) -> None:
    from headcount.privacy.vault import MasterKey
    from headcount.processing.extract import from_synth
    from headcount.processing.pseudonyms import ProcessingKeys
    from headcount.synth import generate
    from headcount.synth.config import SynthConfig, raised

    config = raised() if args.raised else SynthConfig()
    generate(persons=args.persons, seed=args.seed, out=synth, workers=args.workers, config=config)
    master = MasterKey.create(root / "key", "intl")
    keys = ProcessingKeys.of_wave(master, "2020")
    from_synth(synth, extract, keys, wave="2020", registers=synth, workers=args.workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    parser.add_argument("--reuse", action="store_true", help="reuse --keep's synth and extract")
    parser.add_argument("--raised", action="store_true", help="issue 12's raised error rates")
    parser.add_argument("--memory-limit", default="", help="DuckDB's (default: the job's)")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: all cores)")
    parser.add_argument("--stage", choices=("quality", "peer"), help=argparse.SUPPRESS)
    parser.add_argument("--extract", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "quality":
        print(json.dumps(_stage_quality(args.extract, args.out, args.memory_limit, args.threads)))
        return
    if args.stage == "peer":
        print(json.dumps(_stage_peer(args.extract)))
        return

    from headcount.quality.score import score

    root = args.keep or Path(tempfile.mkdtemp(prefix="hc-quality-"))
    root.mkdir(parents=True, exist_ok=True)
    synth, extract, out = root / "synth", root / "extract", root / "quality"
    started = time.perf_counter()
    if args.reuse:
        import shutil

        shutil.rmtree(out, ignore_errors=True)
    else:
        _prepare(synth, extract, root, args)
    print(f"synth + extract: {time.perf_counter() - started:.1f} s ({root})")

    ours = _child(
        "quality", "--extract", str(extract), "--out", str(out),
        "--memory-limit", args.memory_limit, "--threads", str(args.threads),
    )  # fmt: skip
    rate = args.persons / ours["seconds"]
    print(f"quality: {ours['seconds']:.2f} s ({ours['cpu_seconds']:.1f} CPU-s, whole process), "
          f"peak RSS {ours['peak_rss_mb']:.0f} MB, "
          f"{rate:,.0f} persons/s; steps {json.dumps(ours['timings'])}")  # fmt: skip
    print(f"counts: {json.dumps(ours['counts'])}")
    for s in score(extract, out).values():
        print(f"  {s.kind:22} true {s.true:>8,} found {s.found:>8,} "
              f"precision {s.precision:.6f} recall {s.recall:.6f}")  # fmt: skip
    if not args.no_peer:
        peer = _child("peer", "--extract", str(extract))
        print(f"plain Splink (census records only): {peer['seconds']:.2f} s, peak RSS "
              f"{peer['peak_rss_mb']:.0f} MB, {args.persons / peer['seconds']:,.0f} persons/s "
              f"→ quality is {peer['seconds'] / ours['seconds']:.1f}× faster")  # fmt: skip
    print(f"quality_persons_per_s: {rate:.0f}")


if __name__ == "__main__":
    main()
