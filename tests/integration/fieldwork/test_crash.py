"""R3: SIGKILL the server under bounded load; after restart every acknowledged submission is
present and complete, no household is partial, and unacknowledged ones can simply be resent."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from headcount.audit.log import flush
from headcount.audit.verify import verify_entries
from headcount.store.models import AuditEntry, FormResponse, Household, Person
from headcount.store.models_fieldwork import HouseholdReview
from headcount.store.queries import audit as audit_queries
from tests.integration.conftest import Census
from tests.integration.fieldwork.server import Server, prepare, sign_in
from tests.integration.fieldwork.world import record
from tests.integration.helpers import session

WORKERS = 3
pytestmark = pytest.mark.slow


def _load(
    base_url: str, token: str, jobs: list[tuple[str, dict[str, Any]]], acked: dict[str, str]
) -> None:
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        for household_id, body in jobs:
            try:
                response = client.post(
                    f"/api/enumerator/households/{household_id}/submissions",
                    json=body,
                    headers={"authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError:
                return  # the server is gone: this one was never acknowledged
            if response.status_code in (200, 201):
                acked[household_id] = body["submission_uuid"]


def test_acknowledged_submissions_survive_sigkill(census: Census) -> None:
    enumerators = prepare(census.engine, census.protector, small_areas=WORKERS, per_area=40)
    server = Server(census.settings)
    server.start()
    try:
        tokens = [sign_in(server.base_url, e, census.settings.pledge_version) for e in enumerators]
        bodies: dict[str, dict[str, Any]] = {
            h: {"submission_uuid": str(uuid.uuid4()), "record": record(i)}
            for e in enumerators
            for i, h in enumerate(e.households)
        }
        acked: dict[str, str] = {}
        threads = [
            threading.Thread(
                target=_load,
                args=(server.base_url, token, [(h, bodies[h]) for h in e.households], acked),
            )
            for e, token in zip(enumerators, tokens, strict=True)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()  # mid-run: requests are in flight
        for thread in threads:
            thread.join(timeout=30)
        assert 20 <= len(acked) < len(bodies), "the kill must land mid-run"
        _check_complete(census, acked, bodies)
        server.start()
        # Resend what was never acknowledged (new: 201, or landed before the kill: 200) and a
        # few acknowledged ones (replays: 200, same version).
        resend = [h for h in bodies if h not in acked] + sorted(acked)[:5]
        token_of = {h: t for e, t in zip(enumerators, tokens, strict=True) for h in e.households}
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            for h in resend:
                response = client.post(
                    f"/api/enumerator/households/{h}/submissions",
                    json=bodies[h],
                    headers={"authorization": f"Bearer {token_of[h]}"},
                )
                allowed = (200,) if h in acked else (200, 201)
                assert response.status_code in allowed, response.text[:200]
                assert response.json()["version"] == 1
        _check_complete(census, {h: b["submission_uuid"] for h, b in bodies.items()}, bodies)
    finally:
        server.stop()
    _check_audit(census, len(bodies))


def _check_audit(census: Census, households: int) -> None:
    """Every household's submission left exactly one audit entry, staged entries the kill
    interrupted included: numbered now, the log is gapless and its Merkle tree verifies."""
    flush(census.engine)
    with session(census) as s:
        submits = s.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "household.submit")
        ).scalar()
        assert audit_queries.pending_count(s) == 0
        verdict = verify_entries(s, [])
    assert submits == households
    assert verdict.ok, verdict.message("en")


def _check_complete(
    census: Census, acked: dict[str, str], bodies: dict[str, dict[str, Any]]
) -> None:
    with session(census) as s:
        households = {h.household_id: h for h in s.execute(select(Household)).scalars()}
        for household_id, submission in acked.items():
            household = households[household_id]
            response = s.execute(
                select(FormResponse).where(FormResponse.submission_uuid == uuid.UUID(submission))
            ).scalar_one()
            assert response.household_ref == household.id and household.current_version == 1
            assert s.get(HouseholdReview, household_id) is not None
        # No household anywhere is partial: its version and all its persons came in together.
        for household in households.values():
            persons = s.execute(
                select(func.count()).select_from(Person).where(Person.household_ref == household.id)
            ).scalar()
            expected = bodies[household.household_id]["record"]["persons"]
            assert persons == len(expected), household.household_id
