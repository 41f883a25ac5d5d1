"""Staff sign-in and the per-request session check, through the real app on a real database.

    .venv/bin/python benchmarks/auth_sessions.py [REQUESTS] [DATABASE_URL]

Initialises a census (SQLite in a temporary directory unless DATABASE_URL names an empty
PostgreSQL database), seeds 20 enumerator accounts, signs each in over HTTP (argon2id verification
dominates), then sends REQUESTS authenticated ``GET /api/auth/me`` (default 2,000) spread over the
sessions: each one looks its session up, reads the account's grants and pledge afresh and, once a
minute per session, records the last use. Last line ``authenticated_requests_per_s: N``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient

from headcount.auth.passwords import hash_password
from headcount.auth.roles import Role
from headcount.config import Settings
from headcount.store.bootstrap import initialise
from headcount.store.models import Staff
from headcount.store.models_access import PledgeAcceptance
from headcount.store.protector import Protector
from headcount.store.queries import access as access_queries
from headcount.store.session import make_engine, transaction
from headcount.web.app import create_app

ACCOUNTS = 20
PASSWORD = "benchmark passphrase 2020"


def _seed(settings: Settings) -> list[str]:
    engine = make_engine(settings)
    digest = hash_password(PASSWORD)
    now = datetime.now(UTC)
    names = [f"enum.bench{n:02d}" for n in range(ACCOUNTS)]
    try:
        with transaction(engine) as session:
            for name in names:
                staff_id = uuid.uuid4()
                session.add(
                    Staff(
                        id=staff_id,
                        username=name,
                        password_hash=digest,
                        role=Role.enumerator.value,
                        area_code=None,
                        must_change_password=False,
                        disabled=False,
                        created_at=now,
                        password_changed_at=now,
                    )
                )
                session.flush()
                area = f"110101001001{n_of(name):03d}"
                access_queries.replace_grants(
                    session, staff_id, access_queries.AREA, [area], by="bench", at=now
                )
                access_queries.add_pledge(
                    session,
                    PledgeAcceptance(
                        id=uuid.uuid4(),
                        staff_id=staff_id,
                        version=settings.pledge_version,
                        accepted_at=now,
                        ip="bench",
                    ),
                )
    finally:
        engine.dispose()
    return names


def n_of(name: str) -> int:
    return int(name[-2:]) + 1


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as home:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(home) / 'census.db'}"
        settings = Settings(
            database_url=url,
            key_file=Path(home) / "headcount.key",
            audit_signing_key_file=Path(home) / "audit-signing.key",
            audit_head_file=Path(home) / "audit-heads.jsonl",
            mode="development",
        )
        initialise(settings)
        names = _seed(settings)
        engine = make_engine(settings)
        app = create_app(settings, engine=engine, protector=Protector.open(settings, engine))
        try:
            with TestClient(app) as client:
                tokens: list[str] = []
                login_ms: list[float] = []
                for name in names:
                    started = time.perf_counter()
                    response = client.post(
                        "/api/auth/login",
                        json={"username": name, "password": PASSWORD, "client": "device"},
                    )
                    login_ms.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                    tokens.append(str(response.json()["token"]))
                print(
                    f"login: {len(names)} sign-ins, median {statistics.median(login_ms):.0f} ms, "
                    f"max {max(login_ms):.0f} ms ({engine.dialect.name})"
                )
                client.cookies.clear()
                started = time.perf_counter()
                for n in range(requests):
                    token = tokens[n % len(tokens)]
                    response = client.get(
                        "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
                    )
                    assert response.status_code == 200, response.text
                elapsed = time.perf_counter() - started
        finally:
            engine.dispose()
    print(f"requests: {requests:,} in {elapsed:.2f} s ({elapsed / requests * 1000:.2f} ms each)")
    print(f"authenticated_requests_per_s: {requests / elapsed:.0f}")


if __name__ == "__main__":
    main()
