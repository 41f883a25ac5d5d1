"""Encrypt-and-insert throughput of the census store: persons per second.

For each crypto profile (intl, gm) and each database (SQLite file with WAL + synchronous=FULL,
PostgreSQL with fsync and synchronous_commit on), a fresh store is initialised and synthetic
households are registered through the loader's path (field encryption, blind index, identity
upsert, versioned response, audit entry per batch), one transaction per batch.

    python benchmarks/store.py [PERSONS] [--batch 500] [--pg-url URL] [--no-pg]

The last line is ``persons_per_s: N`` for the fastest durable configuration.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from headcount.audit.log import Actor
from headcount.config import Settings
from headcount.identity.citizen_id import check_char
from headcount.privacy.crypto import Profile
from headcount.store.bootstrap import initialise
from headcount.store.dialect import drop_database
from headcount.store.protector import Protector
from headcount.store.queries import areas as area_queries
from headcount.store.registration import Submission, register_batch
from headcount.store.session import make_engine, role_names, transaction

COUNTY = "110105"
HOUSEHOLDS_PER_AREA = 999


def small_area(household_index: int) -> str:
    return f"{COUNTY}{household_index // HOUSEHOLDS_PER_AREA + 1:06d}"


ACTOR = Actor(id="benchmark", role="system_admin")


def households(persons: int, seed: int = 1) -> list[Submission]:
    rng = random.Random(seed)
    out: list[Submission] = []
    made = 0
    while made < persons:
        size = min(1 + rng.randrange(4), persons - made)
        area = small_area(len(out))
        members = []
        for i in range(size):
            made += 1
            first17 = (
                f"{COUNTY}{1940 + made % 70}{1 + made % 12:02d}{1 + made % 28:02d}{made % 1000:03d}"
            )
            members.append(
                {
                    "name": f"测试{rng.choice('王李张刘陈')}{made}",
                    "relationship": 0 if i == 0 else 2,
                    "citizen_id": first17 + check_char(first17),
                    "sex": 1 + i % 2,
                    "birth_year_month": f"{1940 + made % 70}-{1 + made % 12:02d}",
                    "ethnic_group": "01",
                    "residence_at_reference": 1,
                    "hukou_place": 1,
                    "time_away_from_hukou": 1,
                    "education": 4,
                    "literate": 1,
                }
            )
        number = len(out) + 1
        record = {
            "form": "short",
            "household_no": f"{len(out) % 999 + 1:03d}",
            "items": {
                "household_type": 1,
                "persons_present": size,
                "persons_hukou_here_absent": 0,
                "dwelling_type": 1,
                "rooms": 3,
            },
            "persons": members,
        }
        out.append(Submission(f"{area}{number:06d}", area, record, uuid.uuid4()))
    return out


def run(database_url: str, profile: Profile, persons: int, batch: int, home: Path) -> float:
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=database_url,
        key_file=home / "headcount.key",
        audit_signing_key_file=home / "audit-signing.key",
        audit_head_file=home / "audit-heads.jsonl",
        crypto_profile=profile,
    )
    initialise(settings)
    engine = make_engine(settings)
    protector = Protector.open(settings, engine)
    work = households(persons)
    codes = sorted({submission.small_area_code for submission in work})
    stamp = datetime.now(UTC)
    with transaction(engine) as session:
        area_queries.add_census_areas(
            session,
            [{"code": a, "county_code": COUNTY, "name": a, "created_at": stamp} for a in codes],
        )
        area_queries.add_small_areas(
            session,
            [
                {
                    "code": a,
                    "census_area_code": a,
                    "name": a,
                    "expected_persons": None,
                    "created_at": stamp,
                }
                for a in codes
            ],
        )
    start = time.perf_counter()
    for i in range(0, len(work), batch):
        with transaction(engine) as session:
            register_batch(session, protector, ACTOR, work[i : i + batch])
    elapsed = time.perf_counter() - start
    engine.dispose()
    return persons / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="households per transaction")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "HEADCOUNT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    results: list[tuple[str, str, float]] = []
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp:
        profiles: tuple[Profile, ...] = ("intl", "gm")
        for profile in profiles:
            sqlite_url = f"sqlite:///{tmp}/{profile}.db"
            rate = run(
                sqlite_url, profile, args.persons, args.batch, Path(tmp) / f"sqlite-{profile}"
            )
            results.append(("sqlite (WAL, synchronous=FULL)", profile, rate))
            if not args.no_pg:
                url = make_url(args.pg_url).set(database=f"hc_bench_{secrets.token_hex(4)}")
                try:
                    rate = run(
                        url.render_as_string(hide_password=False),
                        profile,
                        args.persons,
                        args.batch,
                        Path(tmp) / f"pg-{profile}",
                    )
                    results.append(("postgresql (fsync, synchronous_commit=on)", profile, rate))
                finally:
                    drop_database(url)
                    _drop_roles(url)
    print(f"{'database':44} {'profile':8} {'persons/s':>10}")
    for database, name, rate in results:
        print(f"{database:44} {name:8} {rate:10.0f}")
    print(f"persons: {args.persons}  households per transaction: {args.batch}")
    print(f"persons_per_s: {max(rate for _, _, rate in results):.0f}")


def _drop_roles(url: URL) -> None:
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for role in role_names(url).values():
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    engine.dispose()


if __name__ == "__main__":
    main()
