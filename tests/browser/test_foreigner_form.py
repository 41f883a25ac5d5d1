"""The enumerator registers a foreign household on the hmtf form in Chromium: the register's
"foreigner form" link, the provisional note, an item that appears only once it applies, submit."""

from __future__ import annotations

import re
from typing import Any

from headcount.auth.roles import Role
from tests.browser.conftest import LiveServer, choose, shot, sign_in


def test_the_enumerator_registers_a_foreign_household(page: Any, live_server: LiveServer) -> None:
    enumerator = live_server.demo.login(Role.enumerator)
    sign_in(page, enumerator.username, enumerator.password)
    page.goto(f"/staff/small-areas/{enumerator.areas[-1]}")
    link = page.get_by_role("link", name=re.compile("^境外人员表")).last
    href = link.get_attribute("href") or ""
    assert href.endswith("/hmtf")
    link.click()
    # is_visible() does not wait: on a loaded machine the click's navigation was still going.
    page.wait_for_url(re.compile(r"/hmtf$"))
    page.get_by_role("heading", name="港澳台居民和外籍人员普查表").wait_for()
    assert page.get_by_role("heading", name="港澳台居民和外籍人员普查表").is_visible()
    assert page.locator("#provisional-note").is_visible()
    assert page.locator("#p1-country").count() == 0  # asked only of a foreign national
    choose(page, "h-household_type", "1")
    choose(page, "h-dwelling_type", "1")
    page.locator("#h-floor_area_m2").fill("60")
    page.locator("#h-rooms").fill("2")
    page.locator("#p1-name").fill("测试外籍甲")
    choose(page, "p1-relationship", "0")
    choose(page, "p1-sex", "2")
    page.locator("#p1-birth_year_month-year").fill("1985")
    page.locator("#p1-birth_year_month-month").fill("7")
    choose(page, "p1-identity_or_nationality", "4")
    choose(page, "p1-purpose_of_stay", "2")
    choose(page, "p1-length_of_stay", "5")
    choose(page, "p1-education", "7")
    page.get_by_role("button", name="检查").last.click()  # the server shows what applies now
    page.locator("#p1-country").fill("测试国")
    choose(page, "p1-work_status", "1")
    page.locator("#p1-industry").fill("教育")
    page.locator("#p1-occupation").fill("教师")
    shot(page, "foreigner-form")
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_url(re.compile(r"/hmtf\?version=1$"))
    assert page.locator("#form-notice").inner_text().startswith("已登记为第 1 版")
    # Free text is personal wherever it is typed (the form's item protections): kept on the
    # server, shown as on file beside an empty input, never put back into the page.
    assert page.locator("#p1-country").input_value() == ""
    assert "测试国" not in page.content()
