"""L1, L2, L6, L7: what an entry holds, gapless numbers, same transaction, encoded controls."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from headcount.audit.log import Actor, AuditEvent, append, encode_field
from headcount.calendar import FixedClock
from headcount.store.models import AuditEntry, CensusArea
from headcount.store.session import read_transaction, transaction
from tests.integration.conftest import Census

ACTOR = Actor(id="staff-01", role="supervisor", area="110105001", request_id="r-42", ip="10.0.0.7")


def _entries(census: Census) -> list[AuditEntry]:
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
    assert entry.seq == appended.seq and entry.at == clock.now()
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
