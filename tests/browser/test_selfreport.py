"""A household's self-report in headless Chromium on a 360 px phone: login from the card's link,
the household, the roster, a person, the review with the declaration, submit; an inconsistent
answer shown beside its field; a correction before the close and read-only after it."""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any

from headcount.calendar import CST
from tests.browser.conftest import LiveServer, shot
from tests.unit.questionnaire.factories import citizen_id

PHONE = {"width": 360, "height": 740}
AFTER_CLOSE = datetime(2020, 11, 6, 0, 30, tzinfo=CST)
HOUSEHOLD = {
    "h-household_type": "1",
    "h-persons_present": "1",
    "h-persons_hukou_here_absent": "0",
    "h-births-male": "0",
    "h-births-female": "0",
    "h-deaths-male": "0",
    "h-deaths-female": "0",
    "h-dwelling_type": "1",
    "h-floor_area_m2": "64",
    "h-rooms": "3",
}
PERSON = {
    "p-citizen_id": citizen_id(random.Random(8), 2, 1979, 4),
    "p-sex": "2",
    "p-birth_year_month-year": "1979",
    "p-birth_year_month-month": "4",
    "p-ethnic_group": "01",
    "p-residence_at_reference": "1",
    "p-hukou_place": "1",
    "p-time_away_from_hukou": "1",
    "p-education": "7",
    "p-literate": "1",
}


def _shown(locator: Any) -> bool:
    """On the page and shown: an item that does not apply is drawn hidden, and an earlier answer
    may reveal it a moment later (the live show/hide); a save shows it otherwise."""
    if not locator.count():
        return False
    try:
        locator.first.wait_for(state="visible", timeout=1_000)
    except Exception:
        return False
    return True


def _answer(page: Any, answers: dict[str, str]) -> None:
    """Fill every answer whose field is shown (the page shows only what applies)."""
    for name, value in answers.items():
        radio = page.locator(f'input[type=radio][name="{name}"][value="{value}"]')
        if _shown(radio):
            radio.check()
            continue
        select = page.locator(f'select[name="{name}"]')
        if _shown(select):
            select.select_option(value)
            continue
        field = page.locator(f'input[name="{name}"]')
        if _shown(field):
            field.fill(value)


def _save_until_done(page: Any, answers: dict[str, str], leaving: str) -> None:
    """Answer and save until the page moves on (an answer may open further items)."""
    for _ in range(4):
        _answer(page, answers)
        page.get_by_role("button", name="保存并继续").click()
        page.wait_for_load_state()
        if leaving not in page.url:
            return
    raise AssertionError(f"{leaving} did not accept the answers")


def _sign_in(page: Any, login: Any) -> None:
    page.goto(login.path)
    assert page.get_by_label("账号").input_value() == login.account
    page.get_by_label("密码").fill(login.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/self-report/household")


def test_full_self_report_on_a_phone_then_correction_then_read_only(
    page: Any, live_server: LiveServer
) -> None:
    login = live_server.demo.households[-1]
    page.set_viewport_size(PHONE)
    _sign_in(page, login)
    shot(page, "selfreport-household")
    _save_until_done(page, HOUSEHOLD, "/self-report/household")
    assert page.url.endswith("/self-report/persons")
    page.get_by_label("姓名").fill("测试乙")
    page.get_by_label("与户主关系").select_option("0")
    page.get_by_role("button", name="添加").click()
    page.wait_for_url("**/self-report/persons/1")
    shot(page, "selfreport-person")
    _save_until_done(page, PERSON, "/self-report/persons/1")
    assert page.url.endswith("/self-report/review")
    for box in page.locator('input[name="confirm"]').all():
        box.check()
    page.get_by_label("申报人姓名").fill("测试乙")
    page.get_by_label("我承诺以上填报内容真实、准确、完整。").check()
    shot(page, "selfreport-review")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/self-report/submitted")
    assert "谢谢" in page.locator("main").inner_text()
    shot(page, "selfreport-submitted")

    # A correction before the close: change the rooms and submit again.
    page.goto("/self-report/household")
    page.locator('input[name="h-rooms"]').fill("4")
    page.get_by_role("button", name="保存并继续").click()
    page.goto("/self-report/review")
    page.get_by_label("申报人姓名").fill("测试乙")
    page.get_by_label("我承诺以上填报内容真实、准确、完整。").check()
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/self-report/submitted")

    before = live_server.clock.now()
    live_server.clock.set(AFTER_CLOSE)
    try:
        page.goto("/self-report/household")
        if "/login" in page.url:  # the household session ended with the days that passed
            page.get_by_label("账号").fill(login.account)
            page.get_by_label("密码").fill(login.password)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url("**/self-report/household")
        text = page.locator("main").inner_text()
        assert "请联系您的普查员" in text and "4" in text
        assert "普查员证件编号" in text
        named = re.search(r"普查员：(\S+)", text)
        assert named is None or "*" in named.group(1)  # the enumerator's name only masked
        assert page.locator('input[name="h-rooms"]').count() == 0
        shot(page, "selfreport-closed")
    finally:
        live_server.clock.set(before)


def test_an_inconsistent_answer_shows_its_message_beside_the_field(
    page: Any, live_server: LiveServer
) -> None:
    login = live_server.demo.households[-2]
    page.set_viewport_size(PHONE)
    _sign_in(page, login)
    _save_until_done(page, HOUSEHOLD, "/self-report/household")
    page.get_by_label("姓名").fill("测试丙")
    page.get_by_label("与户主关系").select_option("0")
    page.get_by_role("button", name="添加").click()
    page.wait_for_url("**/self-report/persons/1")
    child = dict(PERSON, **{"p-birth_year_month-year": "2012", "p-birth_year_month-month": "3"})
    child["p-citizen_id"] = citizen_id(random.Random(9), 2, 2012, 3)
    for _ in range(3):  # answers open further items; the head's age is checked once all are in
        _answer(page, child)
        page.get_by_role("button", name="保存并继续").click()
        page.wait_for_load_state()
        if page.locator("#p-birth_year_month-error").count():
            break
    message = page.locator("#p-birth_year_month-error")
    assert message.is_visible() and "户主不满15周岁" in message.inner_text()
    assert page.get_by_role("alert").is_visible()
    described = page.locator("#p-birth_year_month-block fieldset").get_attribute("aria-describedby")
    assert described == "p-birth_year_month-error"
    shot(page, "selfreport-inconsistent")
    # Ticking "I have checked" settles a soft message; the page then moves on.
    page.locator('#p-birth_year_month-error input[name="confirm"]').check()
    page.get_by_role("button", name="保存并继续").click()
    page.wait_for_url("**/self-report/review")
    page.goto("/self-report/review?lang=en")
    assert page.get_by_role("button", name="Submit").is_visible()
