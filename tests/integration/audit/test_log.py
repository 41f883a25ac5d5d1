"""L1, L2, L6, L7: what an entry holds, gapless numbers, same transaction, encoded controls."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from headcount.audit.log import Actor, AuditEvent, append, encode_field, flush, sequence
from headcount.audit.sequencer import Sequencer
from headcount.calendar import FixedClock
from headcount.store.models import AuditEntry, AuditPending, CensusArea
from headcount.store.queries import audit as audit_queries
from headcount.store.session import read_transaction, transaction
from tests.integration.conftest import Census

ACTOR = Actor(id="staff-01", role="supervisor", area="110105001", request_id="r-42", ip="10.0.0.7")


def _entries(census: Census) -> list[AuditEntry]:
    flush(census.engine)
    with read_transaction(census.engine) as s:
        return list(s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())


def test_an_entry_carries_who_what_where_when_and_outcome(census: Census) -> None:
    clock = FixedClock(datetime(2020, 11, 3, 9, 30, tzinfo=UTC))
    with transaction(census.engine) as s:
        appended = append(
            s,
            ACTOR,
            AuditEvent("household.read", "H-1", "denied", {"reason": "out of area"}),
            clock=clock,
        )
    entry = _entries(census)[-1]
    assert entry.at == appended.at == clock.now()
    assert (
        entry.actor,
        entry.role,
        entry.area,
        entry.action,
        entry.object,
        entry.outcome,
        entry.request_id,
        entry.ip,
    ) == (
        "staff-01",
        "supervisor",
        "110105001",
        "household.read",
        "H-1",
        "denied",
        "r-42",
        "10.0.0.7",
    )
    body = json.loads(entry.canonical)
    assert body["at"] == "2020-11-03T09:30:00.000000Z" and body["seq"] == entry.seq
    assert json.loads(entry.detail) == {"reason": "out of area"}


def test_numbers_have_no_gaps_and_an_aborted_change_leaves_no_entry(census: Census) -> None:
    before = [e.seq for e in _entries(census)]
    with pytest.raises(RuntimeError), transaction(census.engine) as s:
        append(s, ACTOR, AuditEvent("area.create", "110105001999"))
        s.add(
            CensusArea(
                code="110105001999", county_code="110105", name="x", created_at=datetime.now(UTC)
            )
        )
        raise RuntimeError("the change fails after its audit entry was written")
    with transaction(census.engine) as s:
        append(s, ACTOR, AuditEvent("area.list", "110105"))
    after = [e.seq for e in _entries(census)]
    assert after == [*before, before[-1] + 1]
    assert after == list(range(1, len(after) + 1))


def test_control_characters_are_encoded(census: Census) -> None:
    forged = "H-1\nAUDIT OK seq=999\r\x1b[2J\u2028"
    with transaction(census.engine) as s:
        append(s, ACTOR, AuditEvent("household.read", forged))
    stored = _entries(census)[-1].object
    assert "\n" not in stored and "\r" not in stored and "\x1b" not in stored
    assert stored == "H-1\\u000aAUDIT OK seq=999\\u000d\\u001b[2J\\u2028"
    assert encode_field("a\\u000a", 100) == "a\\u005cu000a"  # a literal backslash is encoded too
    assert len(encode_field("x" * 500, 256)) == 256


def test_concurrent_writers_and_sequencers_number_every_entry_once(census: Census) -> None:
    """Writers stage without waiting for each other; two sequencers racing them still number
    every committed entry exactly once, without gaps (the database's own concurrency)."""
    before = len(_entries(census))
    writers, each = 8, 25
    stop = threading.Event()

    def write(k: int) -> None:
        for i in range(each):
            with transaction(census.engine) as s:
                append(s, ACTOR, AuditEvent("household.read", f"W{k}-{i}"))

    def drain() -> None:
        while not stop.is_set():
            flush(census.engine)

    sequencers = [threading.Thread(target=drain) for _ in range(2)]
    for t in sequencers:
        t.start()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    stop.set()
    for t in sequencers:
        t.join()
    entries = _entries(census)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    written = sorted(e.object for e in entries[before:])
    assert written == sorted(f"W{k}-{i}" for k in range(writers) for i in range(each))
    with read_transaction(census.engine) as s:
        assert audit_queries.pending_count(s) == 0


def test_an_entry_staged_in_a_session_is_numbered_inside_it(census: Census) -> None:
    """A reader in the writer's own transaction numbers its staged entries before reading."""
    with transaction(census.engine) as s:
        append(s, ACTOR, AuditEvent("household.read", "H-own"))
        assert s.execute(select(AuditPending.object)).scalars().all()[-1:] == ["H-own"]
        assert sequence(s) >= 1
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())).scalars().first()
        assert last is not None and last.object == "H-own"


def test_the_sequencer_thread_numbers_entries_and_drains_on_stop(census: Census) -> None:
    sequencer = Sequencer(census.engine, interval=0.02)
    sequencer.start()
    try:
        with transaction(census.engine) as s:
            append(s, ACTOR, AuditEvent("household.read", "H-tick"))
        deadline = time.monotonic() + 10
        while sequencer.moved == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sequencer.moved >= 1
        with transaction(census.engine) as s:
            append(s, ACTOR, AuditEvent("household.read", "H-last"))
    finally:
        sequencer.stop()
    with read_transaction(census.engine) as s:
        assert audit_queries.pending_count(s) == 0
        objects = s.execute(select(AuditEntry.object).order_by(AuditEntry.seq)).scalars().all()
    assert objects[-2:] == ["H-tick", "H-last"]
