"""Shared steps of the access tests (no tests here): an app on the test census, staff, sign-in.

Staff are seeded straight into the store (as ``headcount init`` seeds the first administrator),
so each test starts from the state it needs; everything after that goes through the HTTP API.
The TestClient talks HTTPS so the production-mode Secure cookie travels as in a deployment.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient

from headcount.auth.passwords import hash_password
from headcount.auth.roles import Role
from headcount.calendar import CST, FixedClock
from headcount.store.models import Staff
from headcount.store.models_access import PledgeAcceptance
from headcount.store.queries import access as access_queries
from headcount.store.queries import areas as area_queries
from headcount.store.session import transaction
from headcount.web.accounts import staff_scope
from headcount.web.app import create_app
from tests.integration.conftest import Census

PASSWORD = "correct horse battery staple"
HOME_COUNTY, AWAY_COUNTY = "110101", "110102"
HOME_CA, AWAY_CA = f"{HOME_COUNTY}001001", f"{AWAY_COUNTY}001001"
HOME_SA, HOME_SA2, AWAY_SA = f"{HOME_CA}001", f"{HOME_CA}002", f"{AWAY_CA}001"


@cache
def _hash(password: str) -> str:
    return hash_password(password)  # argon2id costs ~50 ms; tests seed many accounts


def new_clock() -> FixedClock:
    return FixedClock(datetime(2020, 11, 2, 9, 0, tzinfo=CST))


def app_for(census: Census, clock: FixedClock) -> FastAPI:
    return create_app(
        census.settings, clock=clock, engine=census.engine, protector=census.protector
    )


def client_for(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def add_areas(census: Census) -> None:
    now = datetime.now(UTC)
    with transaction(census.engine) as session:
        area_queries.add_census_areas(
            session,
            [
                {"code": c, "county_code": c[:6], "name": "测试普查区", "created_at": now}
                for c in (HOME_CA, AWAY_CA)
            ],
        )
        area_queries.add_small_areas(
            session,
            [
                {
                    "code": c,
                    "census_area_code": c[:12],
                    "name": "测试小区",
                    "expected_persons": 100,
                    "created_at": now,
                }
                for c in (HOME_SA, HOME_SA2, AWAY_SA)
            ],
        )


@dataclass(frozen=True)
class Seeded:
    staff_id: str
    username: str
    password: str
    totp_seed: str | None

    def code(self, clock: FixedClock) -> str:
        assert self.totp_seed is not None
        return pyotp.TOTP(self.totp_seed).at(clock.now())


def add_staff(
    census: Census,
    username: str,
    role: Role,
    areas: tuple[str, ...] = (),
    *,
    totp: bool = True,
    pledge: bool = True,
    must_change: bool = False,
    password: str = PASSWORD,
) -> Seeded:
    """An account as an office would have set it up, TOTP enrolled and pledge signed by default."""
    staff_id = uuid.uuid4()
    now = datetime(2020, 10, 1, tzinfo=UTC)
    seed = pyotp.random_base32() if totp else None
    with transaction(census.engine) as session, census.protector.bound(session):
        session.add(
            Staff(
                id=staff_id,
                username=username,
                password_hash=_hash(password),
                role=role.value,
                area_code=areas[0] if areas else None,
                must_change_password=must_change,
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
        )
        session.flush()
        access_queries.replace_grants(
            session, staff_id, access_queries.AREA, areas, by="test", at=now
        )
        security = access_queries.ensure_security(session, staff_id, created_by="test")
        if seed is not None:
            blob = census.protector.encrypt(
                seed,
                scope=staff_scope(census.settings),
                table="staff_security",
                column="totp_secret_enc",
                row_id=str(staff_id),
            )
            security.totp_secret_enc = blob
            security.key_id = census.protector.key_hex(blob)
            security.totp_confirmed_at = now
        if pledge:
            access_queries.add_pledge(
                session,
                PledgeAcceptance(
                    id=uuid.uuid4(),
                    staff_id=staff_id,
                    version=census.settings.pledge_version,
                    accepted_at=now,
                    ip="test",
                ),
            )
    return Seeded(str(staff_id), username, password, seed)


def sign_in(client: TestClient, who: Seeded, clock: FixedClock) -> dict[str, object]:
    body: dict[str, object] = {"username": who.username, "password": who.password}
    if who.totp_seed is not None:
        body["totp_code"] = who.code(clock)
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def error_code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["error"]["code"])


CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (asking for the page sets the browser's cookie)."""
    page = client.get(path)
    found = CSRF.search(page.text)
    assert found is not None, f"no CSRF token on {path}"
    return found.group(1)


def self_report_login(client: TestClient, data: dict[str, str], **kw: Any) -> Any:
    """The household sign-in form as a browser posts it: its page first, then the form with the
    page's CSRF token."""
    token = csrf_of(client, "/self-report/login")
    return client.post("/self-report/login", data={**data, "csrf": token}, **kw)
