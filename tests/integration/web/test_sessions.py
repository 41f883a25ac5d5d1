"""Server-side sessions: idle and absolute timeouts, and revocation on the next request
(logout, disable, changed areas); tokens are stored only as digests (checklist A4, A6, Z6)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from headcount.auth.roles import Role
from headcount.store.models_access import StaffSession
from headcount.store.session import read_transaction
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_CA,
    HOME_COUNTY,
    HOME_SA,
    HOME_SA2,
    add_areas,
    add_staff,
    app_for,
    client_for,
    error_code,
    new_clock,
    sign_in,
)


def test_idle_timeout_ends_a_session_and_use_keeps_it_alive(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.idle", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, enum, clock)
        for _ in range(3):  # used every 20 minutes: alive for an hour
            clock.advance(timedelta(minutes=20))
            assert client.get("/api/auth/me").status_code == 200
        clock.advance(timedelta(minutes=30))
        expired = client.get("/api/auth/me")
        assert expired.status_code == 401 and error_code(expired) == "E2020"
        assert client.get("/api/auth/me").status_code == 401  # ended for good
    with read_transaction(census.engine) as session:
        reasons = list(session.execute(select(StaffSession.end_reason)).scalars())
    assert reasons == ["idle"]


def test_absolute_timeout_ends_even_a_busy_session(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.busy", Role.enumerator, totp=False)
    settings = census.settings.model_copy(update={"session_absolute_hours": 2})
    app = create_app(settings, clock=clock, engine=census.engine, protector=census.protector)
    with client_for(app) as client:
        sign_in(client, enum, clock)
        for _ in range(5):  # every 20 minutes for 1 h 40 min
            clock.advance(timedelta(minutes=20))
            assert client.get("/api/auth/me").status_code == 200
        clock.advance(timedelta(minutes=20))
        assert error_code(client.get("/api/auth/me")) == "E2020"
    with read_transaction(census.engine) as session:
        assert session.execute(select(StaffSession.end_reason)).scalar_one() == "absolute"


def test_logout_kills_the_token_at_once(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.out", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        token = str(
            client.post(
                "/api/auth/login",
                json={"username": enum.username, "password": enum.password, "client": "device"},
            ).json()["token"]
        )
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/auth/logout", headers=bearer).status_code == 204
        assert client.get("/api/auth/me", headers=bearer).status_code == 401
    with read_transaction(census.engine) as session:
        stored = session.execute(select(StaffSession)).scalar_one()
    assert stored.token_hash == hashlib.sha256(token.encode()).digest()
    assert stored.end_reason == "logout"


def test_disabling_an_account_ends_its_sessions(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    office = add_staff(census, "county.boss", Role.county_office, (HOME_COUNTY,))
    enum = add_staff(census, "enum.gone", Role.enumerator, (HOME_SA,), totp=False)
    app = app_for(census, clock)
    with client_for(app) as field, client_for(app) as desk:
        sign_in(field, enum, clock)
        assert field.get("/api/auth/me").status_code == 200
        sign_in(desk, office, clock)
        assert desk.post(f"/api/office/staff/{enum.staff_id}/disable").status_code == 204
        assert error_code(field.get("/api/auth/me")) == "E2020"
        again = field.post(
            "/api/auth/login", json={"username": enum.username, "password": enum.password}
        )
        assert again.status_code == 401 and error_code(again) == "E2010"


def test_changed_areas_apply_on_the_next_request(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    office = add_staff(census, "county.regrant", Role.county_office, (HOME_COUNTY,))
    supervisor = add_staff(census, "sup.one", Role.supervisor, (HOME_CA,), totp=False)
    enum = add_staff(census, "enum.moved", Role.enumerator, (HOME_SA,), totp=False)
    app = app_for(census, clock)
    with client_for(app) as field, client_for(app) as desk, client_for(app) as sup:
        sign_in(field, enum, clock)
        sign_in(sup, supervisor, clock)
        sign_in(desk, office, clock)
        # An additional small area is usable at once, in the same session.
        added = sup.post(
            f"/api/office/small-areas/{HOME_SA2}/enumerators", json={"staff_id": enum.staff_id}
        )
        assert added.status_code == 200, added.text
        assert field.get("/api/auth/me").json()["areas"] == [HOME_SA, HOME_SA2]
        # Taking areas away ends the session: the next request is refused.
        moved = desk.put(f"/api/office/staff/{enum.staff_id}/grants", json={"areas": [HOME_SA2]})
        assert moved.status_code == 200, moved.text
        assert error_code(field.get("/api/auth/me")) == "E2020"
        sign_in(field, enum, clock)
        assert field.get("/api/auth/me").json()["areas"] == [HOME_SA2]
