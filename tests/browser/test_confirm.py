"""The enumerator confirms a household's submitted self-report in headless Chromium (after the
standard time point), and the self-report leaves the list as a registered household."""

from __future__ import annotations

import random
from typing import Any

import httpx

from headcount.auth.roles import Role
from headcount.questionnaire.loader import get_form
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.unit.questionnaire.factories import clean_household


def _submit_over_the_api(live_server: LiveServer, login: Any) -> None:
    record = clean_household(random.Random(31), get_form("short"), 31)
    for key in ("household_id", "household_no"):
        record.pop(key, None)
    record["deaths"] = []
    record["items"]["deaths"] = {"male": 0, "female": 0}
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:
        token = client.post(
            "/api/self-report/login", json={"account": login.account, "password": login.password}
        ).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.put("/api/self-report/household", json={"record": record}).status_code == 200
        body = {"declarant": "测试丁", "pledge": True}
        submitted = client.post("/api/self-report/submit", json=body)
        assert submitted.status_code == 200, submitted.text


def test_the_enumerator_confirms_a_submitted_self_report(
    page: Any, live_server: LiveServer
) -> None:
    login = live_server.demo.households[-3]
    _submit_over_the_api(live_server, login)
    enumerator = live_server.demo.login(Role.enumerator)
    sign_in(page, enumerator.username, enumerator.password)
    page.goto("/enumerator/self-reports")
    link = f'a[href="/enumerator/self-reports/{login.household_id}"]'
    row = page.locator(f"tr:has({link})")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1][1:] and set(cells[1][1:]) == {"*"}  # the head's name: first character only
    shot(page, "confirm-list")
    row.get_by_role("button", name="确认").click()
    page.wait_for_url("**/enumerator/self-reports?confirmed=*")
    assert page.get_by_role("status").inner_text().startswith("已确认")
    assert page.locator(f"tr:has({link})").count() == 0
    shot(page, "confirm-done")
