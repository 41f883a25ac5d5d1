"""The auditor reads and verifies the audit trail; nobody else does (separated duties, Z4, L1)."""

from __future__ import annotations

from headcount.audit.reading import shorten_ip
from headcount.auth.roles import Role
from headcount.store.heads import export_current
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_COUNTY,
    add_staff,
    app_for,
    client_for,
    new_clock,
    sign_in,
)


def test_auditor_pages_through_the_trail_and_verifies_it(census: Census) -> None:
    clock = new_clock()
    auditor = add_staff(census, "audit.reader", Role.auditor)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, auditor, clock)
        first = client.get("/api/audit/entries", params={"limit": 2}).json()
        assert [e["seq"] for e in first["items"]] == [1, 2]
        assert first["next_after_seq"] == 2
        rest = client.get("/api/audit/entries", params={"after_seq": 2, "limit": 200}).json()
        assert rest["items"][0]["seq"] == 3 and rest["next_after_seq"] is None
        logins = [e for e in rest["items"] if e["action"] == "auth.login"]
        assert logins and logins[-1]["actor"] == auditor.staff_id
        too_big = client.get("/api/audit/entries", params={"limit": 201})
        assert too_big.status_code == 422
        export_current(census.settings)
        verdict = client.get("/api/audit/verify").json()
        assert (
            verdict["ok"] is True and verdict["heads_checked"] >= 1 and verdict["problem"] is None
        )
        reads = client.get("/api/audit/entries", params={"action": "audit.read"}).json()
        assert len(reads["items"]) >= 2  # reading the trail is itself recorded


def test_nobody_but_the_auditor_reads_the_trail(census: Census) -> None:
    clock = new_clock()
    admin = add_staff(census, "sys.ops", Role.system_admin)
    office = add_staff(census, "county.curious", Role.county_office, (HOME_COUNTY,))
    with client_for(app_for(census, clock)) as client:
        for account in (admin, office):
            client.cookies.clear()
            sign_in(client, account, clock)
            assert client.get("/api/audit/entries").status_code == 403
            assert client.get("/api/audit/verify").status_code == 403


def test_client_addresses_are_shortened_to_their_network() -> None:
    assert shorten_ip("203.0.113.77") == "203.0.113.0/24"
    assert shorten_ip("2001:db8::1:2:3:4") == "2001:db8::/64"
    assert shorten_ip("testclient") == "testclient"
