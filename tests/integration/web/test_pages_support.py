"""Shared steps of the page tests (no tests here): the demo census on either database, the real
application over it, sign-in through the sign-in page, and a scanner for personal data in answers.

The world is built once per module and database with the same builder as ``headcount demo``;
tests that change it (a rejection, a rate limit) pick their own households or reset what they use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.demo import DEMO_START, Demo, app_for, build
from headcount.scan.recognizers import Scanner
from headcount.web.ratelimit import RateLimiter
from tests.integration.conftest import new_database_url
from tests.integration.web.test_auth_support import csrf_of

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What no page or JSON answer may show in clear to a role without pi.view_full.
CLEAR_TYPES = {"citizen_id", "mobile", "landline", "address", "bank_card"}


@dataclass
class World:
    demo: Demo
    client: TestClient
    clock: FixedClock
    surveyor: Any = None  # tests.integration.pes.pes_env.SurveyLogin, made on first use

    def sign_in(self, role: Role) -> TestClient:
        """A fresh cookie jar, signed in as the demo's ``role`` through the sign-in form (the
        survey's enumerator, whom the demo does not make, as an office would set one up)."""
        if role is Role.pes_enumerator:
            from tests.integration.pes.pes_env import survey_enumerator

            if self.surveyor is None:
                self.surveyor = survey_enumerator(self.demo)
            return sign_in(self.client, self.surveyor.username, self.surveyor.password)
        login = self.demo.login(role)
        return sign_in(self.client, login.username, login.password)


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    # Many sign-ins from one test address would meet the sign-in throttle (tested on its own).
    client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    client.cookies.clear()
    token = csrf_of(client, "/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf": token, "username": username, "password": password},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def world_fixture(request: pytest.FixtureRequest, tmp: Path) -> Iterator[World]:
    url = new_database_url(request, str(request.param), tmp)
    demo = build(tmp / "demo", persons=150, database_url=url)
    clock = FixedClock(DEMO_START)
    with TestClient(app_for(demo, clock), base_url="http://testserver") as client:
        yield World(demo, client, clock)


def leaks(text: str) -> list[str]:
    """Values of a kind that must be masked, found in clear in ``text`` (types only, no values).

    Generated UUIDs (task ids) are blanked first: the landline recognizer reads a segment pair
    such as ``…-0715-4587-…`` as an area code and number.
    """
    hits = Scanner().scan_text(UUID.sub("<uuid>", text))
    return sorted({h.type for h in hits if h.type in CLEAR_TYPES and h.blocking and not h.masked})
