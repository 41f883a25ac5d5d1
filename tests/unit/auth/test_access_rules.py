"""Who manages whom, where a session token is read from, and when a password has expired."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from starlette.requests import Request

from headcount.auth.roles import Actor, Role
from headcount.config import Settings
from headcount.fieldwork.staff import manageable_roles
from headcount.store.models import Staff
from headcount.web.sessions import COOKIE, password_expired, token_from, token_hash


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


FIELD = (Role.supervisor, Role.enumerator, Role.pes_enumerator)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.county_office, {Role.supervisor, Role.enumerator, Role.pes_enumerator}),
        (
            Role.provincial_office,
            {
                Role.prefecture_office,
                Role.county_office,
                Role.supervisor,
                Role.enumerator,
                Role.pes_enumerator,
            },
        ),
        (Role.supervisor, set()),  # supervisors assign; they do not create accounts
        (Role.enumerator, set()),
        (Role.auditor, set()),
        # Field staff (the census's and the survey's) are created by the offices, never by the
        # administrator.
        (Role.system_admin, {r for r in Role if r not in FIELD}),
    ],
)
def test_each_role_manages_only_the_roles_below_it(role: Role, expected: set[Role]) -> None:
    actor = Actor(
        "x", role, ("11",) if role == Role.provincial_office else (), pledge_accepted=True
    )
    assert manageable_roles(actor) == expected


def test_an_office_without_the_pledge_still_manages_accounts_but_sees_no_personal_data() -> None:
    actor = Actor("x", Role.county_office, ("110101",), pledge_accepted=False)
    assert Role.enumerator in manageable_roles(actor)


def test_bearer_header_wins_over_the_cookie_and_junk_is_ignored() -> None:
    assert token_from(_request({"authorization": "Bearer abc", "cookie": f"{COOKIE}=xyz"})) == "abc"
    assert token_from(_request({"cookie": f"{COOKIE}=xyz"})) == "xyz"
    assert token_from(_request({"authorization": "Basic abc"})) is None
    assert token_from(_request({"authorization": "Bearer " + "a" * 200})) is None
    assert token_from(_request({})) is None


def test_tokens_are_stored_as_sha256() -> None:
    assert len(token_hash("t")) == 32 and token_hash("t") != token_hash("u")


def test_passwords_expire_only_under_the_mlps3_profile() -> None:
    now = datetime(2021, 1, 1, tzinfo=UTC)
    staff = Staff(
        id=uuid.uuid4(),
        username="a",
        password_hash="",
        role="enumerator",
        must_change_password=False,
        disabled=False,
        created_at=now - timedelta(days=200),
        password_changed_at=now - timedelta(days=91),
    )
    assert password_expired(staff, Settings(password_profile="mlps3"), now)
    assert not password_expired(staff, Settings(password_profile="asvs"), now)
    staff.password_changed_at = now - timedelta(days=89)
    assert not password_expired(staff, Settings(password_profile="mlps3"), now)
