"""The request's edge (``web.middleware``, ``web.server``), on both databases: the Host header,
links printed on cards, forwarded headers, the cross-site check, request ids in the audit trail,
the sign-in forms' CSRF tokens and password checks outside any transaction."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, union_all

from headcount.audit.sequencer import flush
from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.fieldwork import self_report
from headcount.store.models import AuditEntry, AuditPending
from headcount.store.session import read_transaction
from headcount.web import accounts
from headcount.web.app import create_app
from headcount.web.server import config_for
from tests.integration.conftest import Census
from tests.integration.web.live import served
from tests.integration.web.test_auth_support import (
    HOME_SA,
    add_staff,
    app_for,
    client_for,
    csrf_of,
    error_code,
    new_clock,
    self_report_login,
    sign_in,
)
from tests.integration.web.test_selfreport import BEFORE_REFERENCE, _card, _setup


def _app(census: Census, clock: FixedClock, **settings: Any) -> Any:
    changed = census.settings.model_copy(update=settings)
    return create_app(changed, clock=clock, engine=census.engine, protector=census.protector)


def _audit_rows(census: Census, action: str) -> list[Any]:
    flush(census.engine)
    with read_transaction(census.engine) as session:
        columns = (AuditEntry.action, AuditEntry.request_id, AuditEntry.ip)
        pending = (AuditPending.action, AuditPending.request_id, AuditPending.ip)
        query = union_all(select(*columns), select(*pending))
        return [row for row in session.execute(query) if row.action == action]


# --- Host and links ------------------------------------------------------------------------


def test_a_host_this_service_does_not_serve_is_refused(census: Census) -> None:
    with client_for(_app(census, new_clock(), allowed_hosts=("census.internal",))) as client:
        for host in ("evil.example", "testserver.evil.example", "", "testserver:80@evil"):
            answer = client.get("/api/auth/me", headers={"host": host})
            assert answer.status_code == 400 and error_code(answer) == "E2130", host
        for host in ("testserver", "TESTSERVER:443", "census.internal:8443"):
            assert client.get("/healthz", headers={"host": host}).status_code == 200, host


def test_a_card_links_to_the_public_url_whatever_host_the_request_named(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    app = _app(
        census, clock, public_url="https://census.example.gov.cn", allowed_hosts=("testserver",)
    )
    with client_for(app) as client:
        (household_id,) = _setup(census, clock, client)
        card = _card(client, household_id)
        assert card["login_url"].startswith("https://census.example.gov.cn/self-report/login?")
        page = client.post(
            f"/enumerator/households/{household_id}/card",
            data={"form_token": _form_token(client, household_id)},
            headers={"host": "testserver", "x-forwarded-host": "evil.example"},
        )
        assert page.status_code == 200 and "evil.example" not in page.text
        assert "https://census.example.gov.cn/self-report/login?account=" in page.text
        forged = client.post(
            f"/api/enumerator/self-report/households/{household_id}/card",
            headers={"host": "evil.example"},
        )
        assert forged.status_code == 400 and error_code(forged) == "E2130"


def _form_token(client: httpx.Client, household_id: str) -> str:
    page = client.get(f"/enumerator/households/{household_id}/card")
    found = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_production_without_a_public_url_does_not_start(census: Census) -> None:
    settings = census.settings.model_copy(update={"public_url": None})
    with pytest.raises(Exception, match="E2133"):
        create_app(settings, engine=census.engine, protector=census.protector)


def test_forwarded_headers_count_only_from_configured_proxies(census: Census) -> None:
    """The audit trail records the connecting address, not what a client claims it is."""
    clock = new_clock()
    plain = _app(census, clock, allowed_hosts=("127.0.0.1",))
    assert config_for(plain, plain.state.settings, host="127.0.0.1", port=1).proxy_headers is False
    with served(plain) as base:
        claimed = {"x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https"}
        answer = httpx.post(
            f"{base}/api/auth/login", json={"username": "nobody", "password": "x"}, headers=claimed
        )
        assert answer.status_code == 401
    failures = _audit_rows(census, "auth.login")
    assert failures and {row.ip for row in failures} <= {"127.0.0.1", "127.0.0.0/24"}
    proxied = _app(census, clock, allowed_hosts=("127.0.0.1",), trusted_proxies=("127.0.0.1",))
    config = config_for(proxied, proxied.state.settings, host="127.0.0.1", port=1)
    assert config.proxy_headers is True and config.forwarded_allow_ips == ["127.0.0.1"]


# --- cross-site requests and request ids ---------------------------------------------------


def test_a_cross_site_post_with_the_staff_cookie_is_refused(census: Census) -> None:
    clock = new_clock()
    enumerator = add_staff(census, "enum.origin", Role.enumerator, (HOME_SA,), totp=False)
    with client_for(_app(census, clock)) as client:
        sign_in(client, enumerator, clock)  # the session cookie is now in the client
        for origin in ("https://evil.example", "null", "https://testserver.evil.example"):
            answer = client.post("/api/auth/logout", headers={"origin": origin})
            assert answer.status_code == 403 and error_code(answer) == "E2131", origin
        referer = client.post("/api/auth/logout", headers={"referer": "https://evil.example/x"})
        assert referer.status_code == 403
        assert client.get("/api/auth/me").status_code == 200  # still signed in
        same = client.post("/api/auth/logout", headers={"origin": "https://testserver"})
        assert same.status_code in (200, 204)
        assert client.get("/api/auth/me").status_code == 401


def test_the_audit_trail_keeps_the_servers_request_id(census: Census) -> None:
    clock = new_clock()
    with client_for(_app(census, clock)) as client:
        answer = client.post(
            "/api/auth/login",
            json={"username": "nobody", "password": "x"},
            headers={"x-request-id": "chosen-by-client-0001"},
        )
        server_id = answer.headers["x-request-id"]
        assert server_id != "chosen-by-client-0001" and re.fullmatch(r"[0-9a-f]{32}", server_id)
        assert answer.json()["error"]["request_id"] == server_id
    rows = _audit_rows(census, "auth.login")
    assert [row.request_id for row in rows] == [f"{server_id} client:chosen-by-client-0001"]


# --- sign-in forms ---------------------------------------------------------------------------


def test_the_household_sign_in_form_needs_this_services_token(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    with client_for(app_for(census, clock)) as client:
        secret = {"account": card["account"], "password": card["password"]}
        missing = client.post("/self-report/login", data=secret, follow_redirects=False)
        assert missing.status_code == 403 and 'role="alert"' in missing.text
        # A token computed the old way (a plain hash of a cookie the attacker planted) fails.
        client.cookies.set("headcount_csrf", "planted-by-an-attacker")
        planted = client.post(
            "/self-report/login",
            data={**secret, "csrf": _plain_hash("planted-by-an-attacker")},
            follow_redirects=False,
        )
        assert planted.status_code == 403
        client.cookies.clear()
        signed = self_report_login(client, secret, follow_redirects=False)
        assert signed.status_code == 303
        assert csrf_of(client, "/self-report/login")  # the page still offers its form


def _plain_hash(seed: str) -> str:
    return hashlib.sha256(f"headcount-csrf:{seed}".encode()).hexdigest()[:32]


def test_password_checks_hold_no_transaction(
    census: Census, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2id (~50 ms) ran inside SQLite's write transaction: failed sign-ins stalled every
    writer. Now the thread that verifies a password holds no pooled connection meanwhile."""
    holding: Counter[int] = Counter()  # connections each thread has checked out

    def checkout(*_: Any) -> None:
        holding[threading.get_ident()] += 1

    def checkin(*_: Any) -> None:
        holding[threading.get_ident()] -= 1

    held: list[int] = []

    def watching(real: Any) -> Any:
        def verify(*args: Any) -> bool:
            held.append(holding[threading.get_ident()])
            return bool(real(*args))

        return verify

    monkeypatch.setattr(accounts, "verify_password", watching(accounts.verify_password))
    monkeypatch.setattr(self_report, "verify_password", watching(self_report.verify_password))
    clock = FixedClock(BEFORE_REFERENCE)
    enumerator = add_staff(census, "enum.argon", Role.enumerator, (HOME_SA,), totp=False)
    event.listen(census.engine, "checkout", checkout)
    event.listen(census.engine, "checkin", checkin)
    try:
        with client_for(app_for(census, clock)) as client:
            for password in ("wrong", enumerator.password):
                body = {"username": enumerator.username, "password": password}
                client.post("/api/auth/login", json=body)
            client.post("/api/self-report/login", json={"account": "ACDEF-ACDEF", "password": "x"})
            wrong = client.post(
                "/api/auth/password",
                json={"current_password": "not it", "new_password": "a new long passphrase 1"},
            )
            assert wrong.status_code == 403 and error_code(wrong) == "E2017", wrong.text
    finally:
        event.remove(census.engine, "checkout", checkout)
        event.remove(census.engine, "checkin", checkin)
    assert held == [0, 0, 0, 0]
