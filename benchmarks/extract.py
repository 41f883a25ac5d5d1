"""Extract throughput: persons de-identified per second, from a synthetic census and from the store.

    python benchmarks/extract.py [PERSONS] [--store-persons N] [--workers W] [--registers]

1. ``headcount synth`` of PERSONS (default 1,000,000), then ``extract --from-synth`` (census tables
   and truth; registers too with ``--registers``): wall time, CPU time, peak memory, and persons
   of the synthetic population per second.
2. The store path: a SQLite census of ``--store-persons`` (default 20,000) loaded through the real
   services (encrypted, audited), every household approved, then ``from_store``: person records
   decrypted and de-identified per second.

There is no established peer for this job (pseudonymising a census extract); the figure to beat
is the goal of the processing issue: ≥ 1,000,000 persons/s from a synthetic census. The last line
is ``extract_persons_per_s: N`` (the synthetic path).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from headcount.audit.log import Actor
from headcount.config import Settings
from headcount.privacy.vault import MasterKey
from headcount.processing.extract import from_synth
from headcount.processing.extract_store import from_store
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.store import loader
from headcount.store.bootstrap import initialise
from headcount.store.models import Household
from headcount.store.models_fieldwork import HouseholdReview
from headcount.store.protector import Protector
from headcount.store.session import make_engine, transaction
from headcount.synth import generate


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu() -> float:
    """This process and its (finished) workers."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _approve_all(settings: Settings) -> None:
    """The benchmark's shortcut for the two review levels: every loaded household approved."""
    engine = make_engine(settings)
    now = datetime.now(UTC)
    try:
        with transaction(engine) as session:
            rows = session.execute(
                select(Household.household_id, Household.small_area_code, Household.current_version)
            ).all()
            session.add_all(
                HouseholdReview(
                    household_id=h, small_area_code=a, status="approved", channel="enumerator",
                    version=v, reason_code=None, updated_by="benchmark", updated_at=now,
                )
                for h, a, v in rows
            )  # fmt: skip
    finally:
        engine.dispose()


def _store(tmp: Path, persons: int, seed: int) -> tuple[int, float]:
    synth = tmp / "store-synth"
    generate(persons=persons, seed=seed, out=synth, provinces="11")
    settings = Settings(
        mode="development",
        database_url=f"sqlite:///{tmp / 'census.db'}",
        key_file=tmp / "keys" / "headcount.key",
        audit_signing_key_file=tmp / "keys" / "audit.key",
        audit_head_file=tmp / "heads.jsonl",
    )
    (tmp / "keys").mkdir()
    initialise(settings)
    engine = make_engine(settings)
    try:
        protector = Protector.open(settings, engine)
        loader.load(engine, protector, synth, batch_size=1000)
        _approve_all(settings)
        keys = ProcessingKeys.of_wave(protector.master, "2020")
        start = time.perf_counter()
        result = from_store(
            engine, protector, Actor(id="benchmark", role="national_office"), tmp / "x", keys,
            wave="2020",
        )  # fmt: skip
        return result.persons, time.perf_counter() - start
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--store-persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--registers", action="store_true", help="also the three registers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--synth-dir", type=Path, default=None, help="reuse a synth directory")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="extract-bench-"))
    try:
        synth = args.synth_dir or tmp / "synth"
        if args.synth_dir is None:
            generate(persons=args.persons, seed=args.seed, out=synth)
        vault = MasterKey.create(tmp / "vault.key", "intl")
        keys = ProcessingKeys.of_wave(vault, "2020")
        cpu0, start = _cpu(), time.perf_counter()
        result = from_synth(
            synth, tmp / "extract", keys, wave="2020",
            registers=synth if args.registers else None, workers=args.workers,
        )  # fmt: skip
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu0
        counts = result.counts()
        print(f"workers: {args.workers}")
        print(f"synth persons: {args.persons:,}  census person records: {counts['persons']:,}")
        print(f"rows written, all tables: {sum(counts.values()):,}")
        print(f"seconds: {seconds:.2f}  cpu_seconds: {cpu:.2f}  peak_rss_mb: {_peak_rss_mb():.0f}")
        print(f"persons_per_cpu_s: {args.persons / cpu:,.0f}")
        if args.store_persons:
            records, store_seconds = _store(tmp, args.store_persons, args.seed)
            print(f"store: {records:,} person records in {store_seconds:.2f} s")
            print(f"store_person_records_per_s: {records / store_seconds:,.0f}")
        print(f"extract_persons_per_s: {args.persons / seconds:.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
