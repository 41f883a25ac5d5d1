"""Live show/hide in headless Chromium: on the self-report person page, an answer reveals or hides
the questions that depend on it without a page load (the server's rules decide, through
``…/live``); a hidden field keeps what was typed; the change is announced politely."""

from __future__ import annotations

from typing import Any

from headcount.auth.roles import Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.browser.test_selfreport import PHONE, _sign_in


def test_an_answer_reveals_and_hides_dependent_questions_without_a_page_load(
    page: Any, live_server: LiveServer
) -> None:
    login = live_server.demo.households[0]
    page.set_viewport_size(PHONE)
    _sign_in(page, login)
    page.goto("/self-report/persons")
    page.get_by_label("姓名").fill("测试丁")
    page.get_by_label("与户主关系").select_option("0")
    page.get_by_role("button", name="添加").click()
    page.wait_for_url("**/self-report/persons/*")
    url = page.url
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))

    county = page.locator("#p-residence_county-block")
    education = page.locator("#p-education-block")
    assert county.count() == 1 and county.is_hidden()  # drawn, hidden until D7 = 5
    assert education.is_hidden()  # no birth month yet: not asked
    shown = page.locator('input[name="shown"]')
    assert "residence_county" not in (shown.get_attribute("value") or "")

    # D7 = 5 (elsewhere): D7a appears, focus stays on the radio just chosen.
    elsewhere = page.locator('input[name="p-residence_at_reference"][value="5"]')
    elsewhere.check()
    county.wait_for(state="visible")
    assert page.evaluate("document.activeElement.name") == "p-residence_at_reference"
    assert "residence_county" in (shown.get_attribute("value") or "")
    status = page.locator("#live-status")
    assert status.get_attribute("aria-live") == "polite"
    page.wait_for_function("document.getElementById('live-status').textContent.length > 0")
    assert "D7a" in status.inner_text()
    page.locator('input[name="p-residence_county"]').fill("110105")
    shot(page, "live-revealed")

    # An age: E5 (education) applies from 3 years of age.
    page.locator('input[name="p-birth_year_month-year"]').fill("1985")
    page.locator('input[name="p-birth_year_month-month"]').fill("6")
    education.wait_for(state="visible")

    # Back to D7 = 1: D7a hides again, disabled, and keeps what was typed.
    page.locator('input[name="p-residence_at_reference"][value="1"]').check()
    county.wait_for(state="hidden")
    kept = page.locator('input[name="p-residence_county"]')
    assert kept.input_value() == "110105" and kept.is_disabled()
    assert "residence_county" not in (shown.get_attribute("value") or "")
    assert page.url == url and loads == [], "no page load: the page changed in place"


def test_the_interview_form_inserts_a_question_that_starts_to_apply(
    page: Any, live_server: LiveServer
) -> None:
    login = live_server.demo.login(Role.enumerator)
    sign_in(page, login.username, login.password)
    page.goto(f"/staff/small-areas/{live_server.demo.small_area_codes[0]}")
    href = page.locator('a[href$="/form"]').first.get_attribute("href")
    page.goto(href)
    page.get_by_role("button", name="增加一人").click()  # a fresh row: nothing asked by age yet
    page.wait_for_load_state()
    rows = page.locator("section[aria-labelledby^='p']").count()
    prefix = f"p{rows}"
    assert page.locator(f'[name="{prefix}-education"]').count() == 0  # drawn only when it applies
    page.locator(f'input[name="{prefix}-birth_year_month-year"]').fill("1985")
    page.locator(f'input[name="{prefix}-birth_year_month-month"]').fill("6")
    education = page.locator(f"#{prefix}-education-block")
    education.wait_for(state="visible")
    shown = page.locator(f'input[name="shown-{prefix}"]').get_attribute("value") or ""
    assert "education" in shown.split(",")
