"""Sign-in over HTTP: cookies, identical refusals, lockout, forced password change, second factor,
pledge gating, bearer tokens, and an audit trail without secrets (checklist A1–A7, L1)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from headcount.auth.roles import Role
from headcount.store.bootstrap import ADMIN_USERNAME
from headcount.store.models import AuditEntry
from headcount.store.session import read_transaction
from headcount.web.app import create_app
from headcount.web.ratelimit import RateLimiter
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_COUNTY,
    PASSWORD,
    Seeded,
    add_staff,
    app_for,
    client_for,
    error_code,
    new_clock,
    sign_in,
)

NEW_PASSWORD = "a quite different passphrase 2020"


def _refusal(response: object) -> dict[str, object]:
    body = dict(response.json()["error"])  # type: ignore[attr-defined]
    body.pop("request_id")
    return body


def test_login_sets_a_strict_cookie_and_me_describes_the_account(census: Census) -> None:
    clock = new_clock()
    office = add_staff(census, "county.office", Role.county_office, (HOME_COUNTY,))
    with client_for(app_for(census, clock)) as client:
        response = client.post(
            "/api/auth/login",
            json={
                "username": "county.office",
                "password": PASSWORD,
                "totp_code": office.code(clock),
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["token"] is None  # browsers get only the cookie
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
        me = client.get("/api/auth/me")
        assert me.status_code == 200, me.text
        body = me.json()
        assert body["role"] == "county_office" and body["areas"] == [HOME_COUNTY]
        assert "household.read" in body["permissions"] and body["pledge_accepted"]
        assert me.headers["cache-control"] == "no-store"


def test_unknown_account_and_wrong_password_get_the_same_answer(census: Census) -> None:
    clock = new_clock()
    add_staff(census, "enum.one", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        wrong = client.post("/api/auth/login", json={"username": "enum.one", "password": "nope!"})
        unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "nope!"})
        assert wrong.status_code == unknown.status_code == 401
        assert _refusal(wrong) == _refusal(unknown)
        assert error_code(wrong) == "E2010"
        assert "set-cookie" not in wrong.headers


def test_five_failures_lock_known_and_unknown_accounts_alike_for_30_minutes(
    census: Census,
) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.lock", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        answers = {}
        for name in ("enum.lock", "ghost.user"):
            for _ in range(5):
                last = client.post("/api/auth/login", json={"username": name, "password": "bad"})
            answers[name] = last
        assert answers["enum.lock"].status_code == answers["ghost.user"].status_code == 429
        assert _refusal(answers["enum.lock"]) == _refusal(answers["ghost.user"])
        assert error_code(answers["enum.lock"]) == "E2011"
        assert int(answers["enum.lock"].headers["retry-after"]) == 30 * 60
        # The right password does not open a locked account.
        right = client.post(
            "/api/auth/login", json={"username": enum.username, "password": PASSWORD}
        )
        assert right.status_code == 429
        clock.advance(timedelta(minutes=31))
        sign_in(client, enum, clock)
    with read_transaction(census.engine) as session:
        actions = [e.action for e in session.execute(select(AuditEntry)).scalars()]
    assert actions.count("auth.lockout") == 2 and "auth.login" in actions


def test_first_administrator_must_change_password_then_enrol_a_second_factor(
    census: Census,
) -> None:
    clock = new_clock()
    with client_for(app_for(census, clock)) as client:
        sign_in(client, _seeded_admin(census), clock)
        blocked = client.get("/api/office/staff")
        assert blocked.status_code == 403 and error_code(blocked) == "E2014"
        assert client.get("/api/auth/me").json()["must_change_password"] is True
        weak = client.post(
            "/api/auth/password",
            json={"current_password": census.init.one_time_password, "new_password": "password"},
        )
        assert weak.status_code == 422 and error_code(weak) == "E2016"
        wrong = client.post(
            "/api/auth/password",
            json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 403 and error_code(wrong) == "E2017"
        old_cookie = client.cookies.get("headcount_session")
        changed = client.post(
            "/api/auth/password",
            json={"current_password": census.init.one_time_password, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["totp_enrolment_required"] is True
        assert client.cookies.get("headcount_session") != old_cookie  # rotated
        # Still no work before the second factor (A1).
        blocked = client.get("/api/office/staff")
        assert blocked.status_code == 403 and error_code(blocked) == "E2015"
        enrolment = client.post("/api/auth/totp/enrol")
        assert enrolment.status_code == 200, enrolment.text
        seed = enrolment.json()["secret"]
        assert enrolment.json()["qr_svg"].startswith("<")
        code = pyotp.TOTP(seed).at(clock.now())
        before = client.cookies.get("headcount_session")
        confirmed = client.post("/api/auth/totp/confirm", json={"code": code})
        assert confirmed.status_code == 200, confirmed.text
        assert client.cookies.get("headcount_session") != before  # rotated at privilege change
        again = client.post("/api/auth/totp/enrol")
        assert again.status_code == 409 and error_code(again) == "E2018"
        assert client.get("/api/office/staff").status_code == 200
        # The code that confirmed enrolment cannot sign in again (each code once, A5).
        client.post("/api/auth/logout")
        reuse = client.post(
            "/api/auth/login",
            json={"username": ADMIN_USERNAME, "password": NEW_PASSWORD, "totp_code": code},
        )
        assert reuse.status_code == 401 and error_code(reuse) == "E2013"
        missing = client.post(
            "/api/auth/login", json={"username": ADMIN_USERNAME, "password": NEW_PASSWORD}
        )
        assert missing.status_code == 401 and error_code(missing) == "E2012"
        clock.advance(timedelta(seconds=30))
        fresh = client.post(
            "/api/auth/login",
            json={
                "username": ADMIN_USERNAME,
                "password": NEW_PASSWORD,
                "totp_code": pyotp.TOTP(seed).at(clock.now()),
            },
        )
        assert fresh.status_code == 200, fresh.text


def _seeded_admin(census: Census) -> Seeded:
    return Seeded("", ADMIN_USERNAME, census.init.one_time_password, None)


def test_personal_data_permissions_wait_for_the_pledge(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.new", Role.enumerator, totp=False, pledge=False)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, enum, clock)
        before = client.get("/api/auth/me").json()
        assert before["pledge_accepted"] is False
        assert "household.register" not in before["permissions"]
        text = client.get("/api/auth/pledge").json()
        assert text["accepted_at"] is None and "保密" in text["text"]["zh"]
        stale = client.post("/api/auth/pledge", json={"version": "1999-1", "accept": True})
        assert stale.status_code == 422 and error_code(stale) == "E2019"
        old_token = str(client.cookies.get("headcount_session"))
        accepted = client.post(
            "/api/auth/pledge", json={"version": text["version"], "accept": True}
        )
        assert accepted.status_code == 200 and accepted.json()["accepted_at"]
        assert accepted.json()["token"] is None  # a browser: the new token is only in the cookie
        stale_session = client.get("/api/auth/me", headers={"Authorization": f"Bearer {old_token}"})
        assert stale_session.status_code == 401  # the pre-pledge token was rotated away
        after = client.get("/api/auth/me").json()
        assert after["pledge_accepted"] is True
        assert "household.register" in after["permissions"]
    with read_transaction(census.engine) as session:
        actions = [e.action for e in session.execute(select(AuditEntry)).scalars()]
    assert "auth.pledge" in actions


def test_devices_sign_in_with_a_bearer_token(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.pad", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        response = client.post(
            "/api/auth/login",
            json={"username": enum.username, "password": PASSWORD, "client": "device"},
        )
        token = response.json()["token"]
        assert token and len(token) >= 43  # 256 bits, URL-safe base64
        client.cookies.clear()
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["username"] == "enum.pad"
        bad = client.get("/api/auth/me", headers={"Authorization": "Bearer " + "x" * 43})
        assert bad.status_code == 401 and error_code(bad) == "E2001"


def test_audit_trail_records_sign_ins_without_secrets(census: Census) -> None:
    clock = new_clock()
    enum = add_staff(census, "enum.audit", Role.enumerator, totp=False)
    with client_for(app_for(census, clock)) as client:
        client.post("/api/auth/login", json={"username": "enum.audit", "password": "Wrong-9x"})
        sign_in(client, enum, clock)
        token = client.cookies.get("headcount_session")
        client.post("/api/auth/logout")
    with read_transaction(census.engine) as session:
        entries = list(session.execute(select(AuditEntry)).scalars())
    text = "\n".join(f"{e.actor} {e.object} {e.detail}" for e in entries)
    for secret in (PASSWORD, "Wrong-9x", str(token), "enum.audit"):
        assert secret not in text
    outcomes = {(e.action, e.outcome) for e in entries}
    assert {("auth.login", "failure"), ("auth.login", "success"), ("auth.logout", "success")} <= (
        outcomes
    )
    assert all(e.ip and e.request_id for e in entries if e.action.startswith("auth."))


def test_mlps3_profile_forces_a_change_after_90_days(census: Census) -> None:
    clock = new_clock()  # 2020-11-02; the seeded password dates from 2020-10-01
    enum = add_staff(census, "enum.old", Role.enumerator, totp=False)
    settings = census.settings.model_copy(update={"password_profile": "mlps3"})
    app = create_app(settings, clock=clock, engine=census.engine, protector=census.protector)
    with client_for(app) as client:
        sign_in(client, enum, clock)
        assert client.get("/api/auth/me").json()["must_change_password"] is False
        clock.advance(timedelta(days=60))
        client.cookies.clear()
        sign_in(client, enum, clock)
        assert client.get("/api/auth/me").json()["must_change_password"] is True
        no_classes = client.post(
            "/api/auth/password",
            json={"current_password": PASSWORD, "new_password": "only lower case words here"},
        )
        assert no_classes.status_code == 422 and "classes" in no_classes.text
        changed = client.post(
            "/api/auth/password",
            json={"current_password": PASSWORD, "new_password": "Census-2020-Pad"},
        )
        assert changed.status_code == 200, changed.text
        assert client.get("/api/auth/me").json()["must_change_password"] is False


def test_sign_in_attempts_are_throttled_per_client_address(census: Census) -> None:
    clock = new_clock()
    app = app_for(census, clock)
    app.state.rate_limiter = RateLimiter(clock=lambda: 0.0)  # no refill during the test
    with client_for(app) as client:
        answers = [
            client.post("/api/auth/login", json={"username": f"u{n}", "password": "x"})
            for n in range(31)
        ]
    assert {a.status_code for a in answers[:30]} == {401}
    assert answers[30].status_code == 429 and error_code(answers[30]) == "E2003"
    assert int(answers[30].headers["retry-after"]) >= 1
