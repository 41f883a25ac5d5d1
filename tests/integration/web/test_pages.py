"""Staff pages over the demo census: sign-in, the enumerator's register and tasks, the supervisor's
review, the office's progress chart, languages, CSRF, scope (404) and masking on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
from fastapi.testclient import TestClient

from headcount.auth.roles import Role
from headcount.fieldwork.progress import AreaProgress
from headcount.identity.citizen_id import check_char
from headcount.web.app import create_app
from headcount.web.ratelimit import RateLimiter
from headcount.web.routes.staff_pages import chart
from headcount.web.security import api_routes
from tests.integration.web.test_pages_support import World, csrf_of, leaks, sign_in, world_fixture


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory.mktemp("pages"))


def test_sign_in_page_is_labelled_and_wrong_password_is_tied_to_the_field(world: World) -> None:
    client = world.client
    client.cookies.clear()
    page = client.get("/sign-in")
    assert page.status_code == 200
    for field in ("username", "password", "totp_code"):
        assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text
    token = csrf_of(client, "/sign-in")
    refused = client.post(
        "/sign-in", data={"csrf": token, "username": "nobody.here", "password": "wrong password"}
    )
    assert refused.status_code == 401
    assert 'role="alert"' in refused.text and 'aria-describedby="form-error"' in refused.text
    assert "账号或密码" in refused.text or "用户名或密码" in refused.text
    signed_out = client.get("/staff", follow_redirects=False)  # to the sign-in page, and back
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/sign-in?next=%2Fstaff"


def test_a_form_without_the_csrf_token_is_refused(world: World) -> None:
    client = world.client
    client.cookies.clear()
    client.get("/sign-in")
    login = world.demo.login(Role.enumerator)
    forged = client.post(
        "/sign-in",
        data={"csrf": "0" * 32, "username": login.username, "password": login.password},
    )
    assert forged.status_code == 403 and "E2096" in forged.text
    missing = client.post("/sign-in", data={"username": login.username})
    assert missing.status_code == 422


def test_enumerator_sees_small_areas_register_statuses_and_no_other_area(world: World) -> None:
    client = world.sign_in(Role.enumerator)
    home = client.get("/staff")
    assert home.status_code == 200
    first, _second, third = world.demo.small_area_codes
    assert (
        f"/staff/small-areas/{first}" in home.text
        and f"/staff/small-areas/{third}" not in home.text
    )
    assert re.search(r"预计 \d+ 户 · 已登记 \d+ 户 · 退回 \d+ 户", home.text)
    register = client.get(f"/staff/small-areas/{first}")
    assert register.status_code == 200
    for status in ("status-rejected", "status-approved_first", "status-to_visit"):
        assert status in register.text
    assert "status-awaiting_self_report" in register.text
    # Rows lead to the forms: register or correct, or issue a self-report card.
    assert re.search(rf'href="/enumerator/households/{first}-\d{{3}}/form"', register.text)
    assert re.search(rf'href="/enumerator/households/{first}-\d{{3}}/card"', register.text)
    assert 'href="/enumerator/self-reports"' in home.text
    # The register shows masked heads' names only: a surname and stars.
    names = re.findall(r"<td[^>]*>([^<]*\*[^<]*)</td>", register.text)
    assert names, "no masked head names on the register"
    outside = client.get(f"/staff/small-areas/{third}")
    assert outside.status_code == 404
    assert client.get("/staff/small-areas/310104001001001").status_code == 404


def test_rejection_with_a_reason_reaches_the_enumerator_as_a_task(world: World) -> None:
    supervisor = world.sign_in(Role.supervisor)
    listing = supervisor.get("/staff/review")
    assert listing.status_code == 200
    pending = re.findall(r'href="/staff/review/([0-9]{15}-[0-9]{3})"', listing.text)
    assert pending, "nothing awaiting review in the demo"
    household = pending[0]
    detail = supervisor.get(f"/staff/review/{household}")
    assert detail.status_code == 200 and not leaks(detail.text)
    assert "<td>户主</td>" in detail.text and (
        "<td>男</td>" in detail.text or "<td>女</td>" in detail.text
    )
    version = re.search(r'name="version" value="(\d+)"', detail.text)
    assert version is not None
    token = csrf_of(supervisor, f"/staff/review/{household}")
    no_reason = supervisor.post(
        f"/staff/review/{household}",
        data={"csrf": token, "action": "reject", "version": version.group(1)},
    )
    assert no_reason.status_code == 422
    assert 'aria-describedby="form-error"' in no_reason.text
    rejected = supervisor.post(
        f"/staff/review/{household}",
        data={
            "csrf": token,
            "action": "reject",
            "version": version.group(1),
            "reason_code": "wrong_answer",
            "comment": "请核对第 2 人的出生年月",
        },
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    enumerator = world.sign_in(Role.enumerator)
    tasks = enumerator.get("/staff/tasks")
    assert household in tasks.text and "填报有误" in tasks.text
    task_id = re.search(
        r'href="/staff/tasks/([0-9a-f-]{36})"[^>]*>\s*<span class="tag tag-fix">'
        r"[^<]*</span>\s*" + re.escape(household),
        tasks.text,
    )
    assert task_id is not None
    task = enumerator.get(f"/staff/tasks/{task_id.group(1)}")
    assert "请核对第 2 人的出生年月" in task.text


def test_a_decided_household_cannot_be_decided_again(world: World) -> None:
    supervisor = world.sign_in(Role.supervisor)
    household = world.demo.rejected[0]
    detail = supervisor.get(f"/staff/review/{household}")
    assert detail.status_code == 200 and 'value="approve"' not in detail.text
    token = csrf_of(supervisor, "/staff/review")
    again = supervisor.post(
        f"/staff/review/{household}", data={"csrf": token, "action": "approve", "version": "1"}
    )
    assert again.status_code == 409


def test_office_progress_has_a_chart_per_area_and_drills_down(world: World) -> None:
    county = world.sign_in(Role.county_office)
    page = county.get("/staff/progress")
    assert page.status_code == 200
    assert page.text.count('<svg class="bars"') >= 1 and "<rect" in page.text
    census_area = world.demo.census_area_code
    drill = county.get(f"/staff/progress?area={census_area}")
    assert drill.status_code == 200
    assert drill.text.count('<svg class="bars"') == len(world.demo.small_area_codes)
    assert county.get("/staff/progress?area=310104").status_code == 404
    assert county.get("/staff/progress?area=abc").status_code == 404


def test_pages_switch_to_english_and_remember_it(world: World) -> None:
    client = world.sign_in(Role.enumerator)
    english = client.get("/staff?lang=en")
    assert "My small areas" in english.text and 'lang="en"' in english.text
    assert client.cookies.get("lang") == "en"
    assert "My small areas" in client.get("/staff").text
    assert "我的普查小区" in client.get("/staff?lang=zh").text


def test_sign_out_ends_the_session(world: World) -> None:
    client = world.sign_in(Role.enumerator)
    token = csrf_of(client, "/staff")
    out = client.post("/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/staff", follow_redirects=False).headers["location"].startswith("/sign-in")


def test_the_leak_scan_itself_sees_a_clear_id_and_phone() -> None:
    first17 = "11010119900307803"
    clear = f"<td>{first17}{check_char(first17)}</td><td>13912345678</td>"
    assert {"citizen_id", "mobile"} <= set(leaks(clear))
    assert not leaks(f"<td>{first17[:6]}********{check_char(first17)}</td>")


@dataclass(frozen=True)
class Login:
    username: str
    password: str


def _new_account(world: World, maker: Role, username: str, role: Role) -> Login:
    """An account made through the office API, with its one-time password."""
    client = world.sign_in(maker)
    area = {
        Role.enumerator: world.demo.small_area_codes[2],
        Role.county_office: world.demo.census_area_code[:6],
    }[role]
    made = client.post(
        "/api/office/staff", json={"username": username, "role": role.value, "areas": [area]}
    )
    assert made.status_code == 201, made.text
    return Login(username, made.json()["one_time_password"])


def test_a_one_time_password_is_changed_on_the_password_page(world: World) -> None:
    # A fresh account (the demo's own keep their passwords for the other tests).
    login = _new_account(world, Role.county_office, "enum.password", Role.enumerator)
    client = world.client
    client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    client.cookies.clear()
    token = csrf_of(client, "/sign-in")
    signed = client.post(
        "/sign-in",
        data={"csrf": token, "username": login.username, "password": login.password},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/password"
    owed = client.get("/staff", follow_redirects=False)  # nothing else until it is changed
    assert owed.status_code == 303 and owed.headers["location"] == "/password?next=%2Fstaff"
    token = csrf_of(client, "/password")
    new = "a much longer pass phrase 2020"
    mismatch = client.post(
        "/password",
        data={
            "csrf": token,
            "current_password": login.password,
            "new_password": new,
            "repeat_password": new + "x",
        },
    )
    assert mismatch.status_code == 422 and 'id="repeat_password"' in mismatch.text
    assert 'aria-invalid="true"' in mismatch.text
    wrong = client.post(
        "/password",
        data={
            "csrf": token,
            "current_password": "not it",
            "new_password": new,
            "repeat_password": new,
        },
    )
    assert wrong.status_code == 403
    changed = client.post(
        "/password",
        data={
            "csrf": token,
            "current_password": login.password,
            "new_password": new,
            "repeat_password": new,
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/staff"
    assert client.get("/staff").status_code == 200
    sign_in(client, login.username, new)


def test_an_office_account_sets_up_its_second_factor_outside_demo_mode(world: World) -> None:
    strict = world.demo.settings.model_copy(update={"demo_second_factor_optional": False})
    made = _new_account(world, Role.system_admin, "county.totp", Role.county_office)
    with TestClient(create_app(strict, clock=world.clock), base_url="http://testserver") as client:
        token = csrf_of(client, "/sign-in")
        first = client.post(
            "/sign-in",
            data={"csrf": token, "username": made.username, "password": made.password},
            follow_redirects=False,
        )
        assert first.headers["location"] == "/password"
        token = csrf_of(client, "/password")
        password = "county totp pass phrase 2020"
        signed = client.post(
            "/password",
            data={
                "csrf": token,
                "current_password": made.password,
                "new_password": password,
                "repeat_password": password,
            },
            follow_redirects=False,
        )
        assert signed.headers["location"] == "/totp"
        login = Login(made.username, password)
        owed = client.get("/staff/progress", follow_redirects=False)
        assert owed.headers["location"] == "/totp?next=%2Fstaff%2Fprogress"
        token = csrf_of(client, "/totp")
        started = client.post("/totp/start", data={"csrf": token})
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', started.text)
        assert secret is not None and "<svg" in started.text
        wrong = client.post("/totp", data={"csrf": token, "code": "000000"})
        assert wrong.status_code == 401
        assert 'aria-describedby="form-error"' in wrong.text
        code = pyotp.TOTP(secret.group(1)).at(world.clock.now())
        done = client.post("/totp", data={"csrf": token, "code": code}, follow_redirects=False)
        assert done.status_code == 303
        assert client.get("/staff/progress").status_code == 200
        # From now on the code is asked for at sign-in.
        client.cookies.clear()
        token = csrf_of(client, "/sign-in")
        asked = client.post(
            "/sign-in",
            data={"csrf": token, "username": login.username, "password": login.password},
        )
        assert asked.status_code == 401 and 'id="totp_code"' in asked.text


def test_the_register_statuses_are_also_json_and_scoped(world: World) -> None:
    client = world.sign_in(Role.enumerator)
    first, _second, third = world.demo.small_area_codes
    answer = client.get(f"/api/enumerator/small-areas/{first}/households")
    assert answer.status_code == 200
    statuses = {row["status"] for row in answer.json()["items"]}
    assert {"to_visit", "awaiting_self_report", "approved_first"} <= statuses
    assert all("*" in row["entry"]["head_name"] for row in answer.json()["items"])
    assert client.get(f"/api/enumerator/small-areas/{third}/households").status_code == 404


def test_supervisor_approves_and_the_register_shows_it(world: World) -> None:
    supervisor = world.sign_in(Role.supervisor)
    pending = re.findall(
        r'href="/staff/review/([0-9]{15}-[0-9]{3})"', supervisor.get("/staff/review").text
    )
    household = pending[-1]
    detail = supervisor.get(f"/staff/review/{household}")
    version = re.search(r'name="version" value="(\d+)"', detail.text)
    assert version is not None
    token = csrf_of(supervisor, "/staff/review")
    approved = supervisor.post(
        f"/staff/review/{household}",
        data={"csrf": token, "action": "approve", "version": version.group(1)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert f'href="/staff/review/{household}"' not in supervisor.get("/staff/review").text
    rows = supervisor.get(f"/api/enumerator/small-areas/{household[:15]}/households").json()[
        "items"
    ]
    assert {r["entry"]["household_id"]: r["status"] for r in rows}[household] == "approved_first"


def test_the_chart_scales_bars_to_the_largest_series() -> None:
    area = AreaProgress(
        area_code="110101015200",
        level="census_area",
        expected_households=40,
        expected_persons=100,
        registered=20,
        self_reported=0,
        awaiting_review=5,
        approved_first=10,
        approved=4,
        rejected=1,
    )
    bars = {bar.series: bar for bar in chart(area, width=200.0)}
    assert bars["expected_households"].width == 200.0
    assert bars["registered"].width == 100.0 and bars["approved"].value == 14
    assert bars["self_reported"].width == 0.0
    assert len({bar.y for bar in bars.values()}) == 5
    empty = AreaProgress(
        **{
            **area.model_dump(),
            "expected_households": 0,
            "registered": 0,
            "approved_first": 0,
            "approved": 0,
            "rejected": 0,
        }
    )
    assert all(bar.width == 0.0 for bar in chart(empty))


def test_a_new_enumerator_changes_the_password_signs_the_pledge_and_starts(world: World) -> None:
    county = world.sign_in(Role.county_office)
    third = world.demo.small_area_codes[2]
    made = county.post(
        "/api/office/staff",
        json={"username": "enum.newcomer", "role": "enumerator", "areas": [third]},
    )
    assert made.status_code == 201, made.text
    client = sign_in(world.client, "enum.newcomer", made.json()["one_time_password"])
    owed = client.get("/staff", follow_redirects=False)
    assert owed.status_code == 303 and owed.headers["location"].startswith("/password")
    token = csrf_of(client, "/password")
    new = "newcomer pass phrase 2020"
    changed = client.post(
        "/password",
        data={
            "csrf": token,
            "current_password": made.json()["one_time_password"],
            "new_password": new,
            "repeat_password": new,
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/staff"
    before = client.get("/staff", follow_redirects=False)
    assert before.status_code == 303 and before.headers["location"] == "/pledge"
    pledge = client.get("/pledge")
    assert "保密" in pledge.text and 'type="checkbox"' in pledge.text
    token = csrf_of(client, "/pledge")
    version = re.search(r'name="version" value="([^"]+)"', pledge.text)
    assert version is not None
    unticked = client.post(
        "/pledge", data={"csrf": token, "version": version.group(1)}, follow_redirects=False
    )
    assert unticked.headers["location"] == "/pledge"
    signed = client.post(
        "/pledge",
        data={"csrf": token, "version": version.group(1), "accept": "yes"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/staff"
    home = client.get("/staff")
    assert home.status_code == 200 and f"/staff/small-areas/{third}" in home.text
    assert client.get(f"/staff/small-areas/{third}").status_code == 200


def test_the_language_switch_keeps_the_drill_down(world: World) -> None:
    county = world.sign_in(Role.county_office)
    area = world.demo.census_area_code
    page = county.get(f"/staff/progress?area={area}")
    assert f'href="/staff/progress?area={area}&amp;lang=en"' in page.text


# The household's own pages show the household its own answers (its session, not staff's).
_OWN_DATA = ("/self-report", "/api/self-report")


def _filled(path: str, values: dict[str, str]) -> str | None:
    names = re.findall(r"{(\w+)}", path)
    if any(name not in values for name in names):
        return None
    for name in names:
        path = path.replace("{" + name + "}", values[name])
    return path


@pytest.mark.parametrize("role", list(Role))
def test_every_get_route_answers_staff_without_clear_personal_data(
    world: World, role: Role
) -> None:
    """Every GET route of the app (pages and JSON), with objects of the role's own area filled in,
    scanned for ID numbers, phones and addresses in clear (no demo account holds pi.view_full)."""
    enumerator = world.sign_in(Role.enumerator)
    listed = enumerator.get("/api/enumerator/tasks")
    assert listed.status_code == 200, listed.text
    tasks = listed.json()["items"]
    me = enumerator.get("/api/auth/me").json()
    values = {
        "small_area_code": world.demo.small_area_codes[0],
        "census_area_code": world.demo.census_area_code,
        "area_code": world.demo.census_area_code,
        "household_id": world.demo.registered[1],
        "staff_id": me["staff_id"],
        "person_no": "1",
    }
    if tasks:
        values["task_id"] = tasks[0]["task_id"]
    client = world.sign_in(role)
    answered = 0
    for route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in (route.methods or set()) or route.path.startswith(_OWN_DATA):
            continue
        path = _filled(route.path, values)
        if path is None or path in ("/openapi.json", "/api/docs"):
            continue
        answer = client.get(path)
        if answer.status_code == 200:
            answered += 1
            assert not leaks(answer.text), f"{role.value}: clear personal data on {path}"
    assert answered >= 5
