"""Signed-out visitors to pages are sent to the right sign-in page with ``next=`` and come back
there after signing in (also through the password change and the pledge); ``next`` is followed
only when it is a local path; the JSON API keeps answering 401 problems. Both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.web.ratelimit import RateLimiter
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import app_for, client_for, self_report_login
from tests.integration.web.test_pages_support import World, csrf_of, world_fixture
from tests.integration.web.test_selfreport import BEFORE_REFERENCE, _card, _setup

EVIL = ["//evil.example", "https://evil.example/staff", "/\\evil.example", "javascript:alert(1)"]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory.mktemp("next"))


def _sign_in(world: World, role: Role, target: str) -> str:
    """Sign in through the page with ``next`` posted as the page carries it; the Location."""
    client = world.client
    client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    client.cookies.clear()
    page = client.get("/sign-in", params={"next": target})
    login = world.demo.login(role)
    token = csrf_of(client, "/sign-in")
    answer = client.post(
        "/sign-in",
        data={
            "csrf": token,
            "username": login.username,
            "password": login.password,
            "next": target,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    assert ('name="next"' in page.text) == (answer.headers["location"] != "/staff")
    return str(answer.headers["location"])


def test_a_signed_out_page_request_goes_to_sign_in_and_comes_back(world: World) -> None:
    client = world.client
    client.cookies.clear()
    first = world.demo.small_area_codes[0]
    for path in ("/staff", f"/staff/small-areas/{first}", "/staff/progress?lang=en"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"] == f"/sign-in?next={quote(path, safe='')}"
    household = f"/enumerator/households/{first}-001/form"
    answer = client.get(household, follow_redirects=False)
    assert answer.headers["location"] == f"/sign-in?next={quote(household, safe='')}"
    page = client.get(answer.headers["location"])
    assert f'name="next" value="{household}"' in page.text and 'role="status"' in page.text
    # After the sign-in (and the pledge step, already signed by the demo's accounts): the page.
    location = _sign_in(world, Role.enumerator, household)
    assert location == f"/pledge?next={quote(household, safe='')}"
    back = client.get(location, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == household
    assert client.get(household).status_code == 200


def test_a_post_without_a_page_to_show_again_goes_to_sign_in_without_next(world: World) -> None:
    client = world.client
    client.cookies.clear()
    answer = client.post(
        "/enumerator/self-reports/110101001001001-001/confirm", follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"


def test_next_elsewhere_is_ignored(world: World) -> None:
    for target in EVIL:
        assert _sign_in(world, Role.enumerator, target) == "/staff", target
        page = world.client.get("/sign-in", params={"next": target})
        assert 'name="next"' not in page.text
    client = world.client
    client.cookies.clear()
    for target in EVIL:
        answer = client.get("/pledge", params={"next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/sign-in", target


def test_the_api_keeps_answering_401(world: World) -> None:
    client = world.client
    client.cookies.clear()
    answer = client.get("/api/auth/me", follow_redirects=False)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "E2001"
    asked_json = client.get("/staff", headers={"Accept": "application/json"})
    assert asked_json.status_code == 401 and asked_json.json()["error"]["code"] == "E2001"


def test_next_survives_the_one_time_password_change_and_the_pledge(world: World) -> None:
    county = world.client
    county.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    _sign_in(world, Role.county_office, "/staff")
    third = world.demo.small_area_codes[2]
    made = county.post(
        "/api/office/staff",
        json={"username": "enum.next", "role": "enumerator", "areas": [third]},
    )
    assert made.status_code == 201, made.text
    one_time = made.json()["one_time_password"]
    target = f"/staff/small-areas/{third}"
    client = world.client
    client.cookies.clear()
    token = csrf_of(client, "/sign-in")
    signed = client.post(
        "/sign-in",
        data={"csrf": token, "username": "enum.next", "password": one_time, "next": target},
        follow_redirects=False,
    )
    assert signed.headers["location"] == f"/password?next={quote(target, safe='')}"
    page = client.get(signed.headers["location"])
    assert f'name="next" value="{target}"' in page.text
    new = "next pass phrase 2020 ok"
    changed = client.post(
        "/password",
        data={
            "csrf": csrf_of(client, "/password"),
            "current_password": one_time,
            "new_password": new,
            "repeat_password": new,
            "next": target,
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == f"/pledge?next={quote(target, safe='')}"
    pledge = client.get(changed.headers["location"])
    assert f'name="next" value="{target}"' in pledge.text
    version = re.search(r'name="version" value="([^"]+)"', pledge.text)
    assert version is not None
    accepted = client.post(
        "/pledge",
        data={
            "csrf": csrf_of(client, "/pledge"),
            "version": version.group(1),
            "accept": "yes",
            "next": target,
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == target
    assert client.get(target).status_code == 200


def test_a_signed_out_household_goes_to_its_login_and_comes_back(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    with client_for(app_for(census, clock)) as client:
        answer = client.get("/self-report/review", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/self-report/login?next=%2Fself-report%2Freview"
        page = client.get(answer.headers["location"])
        assert 'name="next" value="/self-report/review"' in page.text
        for target, expected in [
            ("/self-report/review", "/self-report/review"),
            ("/staff", "/self-report/household"),
            ("//evil.example", "/self-report/household"),
            ("/self-report/\\evil", "/self-report/household"),
        ]:
            client.cookies.clear()
            login = self_report_login(
                client,
                {"account": card["account"], "password": card["password"], "next": target},
                follow_redirects=False,
            )
            assert login.status_code == 303 and login.headers["location"] == expected, target
        api = client.get("/api/self-report/household")
        assert api.status_code == 401 and api.json()["error"]["code"] == "E2081"
