"""Staff pages in Chromium: the enumerator's register, a supervisor's reasoned rejection
reaching the enumerator's tasks, the office's progress chart; keyboard use and 360 px."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from headcount.auth.roles import Role
from tests.browser.conftest import LiveServer, shot, sign_in


def _as(page: Any, live_server: LiveServer, role: Role) -> None:
    login = live_server.demo.login(role)
    sign_in(page, login.username, login.password)


def test_enumerator_signs_in_and_sees_the_register(page: Any, live_server: LiveServer) -> None:
    page.goto("/sign-in")
    shot(page, "sign-in")
    _as(page, live_server, Role.enumerator)
    assert page.url.endswith("/staff")
    assert page.get_by_role("heading", name="我的普查小区").is_visible()
    shot(page, "enumerator-dashboard")
    first = live_server.demo.small_area_codes[0]
    page.get_by_role("link", name=f"普查小区 {first}").click()
    table = page.get_by_role("table")
    assert table.is_visible()
    assert page.locator("td .status-to_visit").count() > 0
    assert page.locator("td .status-approved_first").count() > 0
    # Masked heads of household: a surname followed by stars, never a full name.
    heads = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert heads and all("*" in name for name in heads)
    shot(page, "enumerator-register")
    # The page does not scroll sideways at 360 px: the table scrolls inside its own box.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_supervisor_rejects_with_a_reason_and_the_enumerator_sees_the_task(
    page: Any, live_server: LiveServer
) -> None:
    _as(page, live_server, Role.supervisor)
    page.goto("/staff/review")
    shot(page, "supervisor-review-list")
    first = page.locator("ul.cards a.card").first
    household = re.search(r"\d{15}-\d{3}", first.inner_text())
    assert household is not None
    first.click()
    # is_visible does not wait: on a loaded machine it looked before the page had come
    expect(page.get_by_role("table")).to_be_visible()
    shot(page, "supervisor-review-detail")
    # Returning without a reason is refused, and the error is tied to the reason field.
    page.get_by_role("button", name="退回").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("退回原因（必选）").get_attribute("aria-invalid") == "true"
    page.get_by_label("退回原因（必选）").select_option("missing_person")
    page.get_by_label("给普查员的意见（可选）").fill("请补登新生儿")
    page.get_by_role("button", name="退回").click()
    assert page.get_by_role("status").inner_text().find(household.group(0)) >= 0
    page.get_by_role("button", name="退出登录").click()
    _as(page, live_server, Role.enumerator)
    page.goto("/staff/tasks")
    task = page.get_by_role("link", name=re.compile(re.escape(household.group(0))))
    assert "漏登人员" in task.inner_text()
    task.click()
    assert page.get_by_text("请补登新生儿").is_visible()
    shot(page, "enumerator-task")


def test_office_progress_shows_a_chart_per_area(page: Any, live_server: LiveServer) -> None:
    _as(page, live_server, Role.county_office)
    assert page.url.endswith("/staff")
    page.goto("/staff/progress")
    assert page.locator("svg.bars").count() >= 1
    census_area = live_server.demo.census_area_code
    # Drill down by link: county → township → census area (charts of its small areas).
    page.get_by_role("link", name=re.compile(census_area[:9])).first.click()
    page.get_by_role("link", name=re.compile(census_area)).first.click()
    charts = page.locator("figure.chart svg[role=img]")
    assert charts.count() == len(live_server.demo.small_area_codes)
    assert "已登记" in (charts.first.locator("title").text_content() or "")
    shot(page, "office-progress")


def test_sign_in_works_by_keyboard_and_in_english(page: Any, live_server: LiveServer) -> None:
    login = live_server.demo.login(Role.enumerator)
    page.goto("/sign-in?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("User name").focus()
    page.keyboard.type(login.username)
    page.keyboard.press("Tab")
    page.keyboard.type(login.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff$"))
    assert page.get_by_role("heading", name="My small areas").is_visible()
