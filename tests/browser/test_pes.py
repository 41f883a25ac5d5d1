"""The post-enumeration survey in the browser (issue 13, part 2): a survey enumerator signs in on a
phone, lists a household of her sampled area, registers it with the PES form after an ordinary
mistake, and cannot reach the census's records of that area; the county office sees the progress."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from headcount.auth.roles import Role
from tests.browser.conftest import LiveServer, choose, shot, sign_in
from tests.integration.pes.pes_env import IN_SURVEY, send_followups, survey_enumerator


def test_a_survey_enumerator_registers_a_household_and_cannot_see_the_census(
    page: Any, live_server: LiveServer
) -> None:
    demo = live_server.demo
    surveyor = survey_enumerator(demo)
    census_household = demo.households[0].household_id
    before = live_server.clock.now()
    live_server.clock.set(IN_SURVEY.now())
    try:
        page.set_viewport_size({"width": 360, "height": 740})
        sign_in(page, surveyor.username, surveyor.password)
        page.goto("/staff")  # her home is the survey's page
        expect(page.get_by_role("heading", name="人口普查事后质量抽查")).to_be_visible()
        assert page.url.endswith("/pes")
        nav = page.get_by_role("navigation").inner_text()
        assert "事后抽查" in nav and "任务" not in nav and "审核" not in nav
        expect(page.get_by_text("尚未登记任何住户")).to_be_visible()
        shot(page, "pes-home-empty")

        page.get_by_role("button", name="新增下一户").click()
        expect(page.get_by_role("heading", name="人口普查事后质量抽查表")).to_be_visible()
        choose(page, "h-household_type", "1")
        page.locator('input[name="h-persons_present"]').fill("2")  # two said; one listed
        page.locator('input[name="p1-name"]').fill("测试庚")
        choose(page, "p1-relationship", "0")
        choose(page, "p1-sex", "2")
        page.locator('input[name="p1-birth_year_month-year"]').fill("1975")
        page.locator('input[name="p1-birth_year_month-month"]').fill("3")
        choose(page, "p1-ethnic_group", "01")
        choose(page, "p1-residence_at_reference", "1")
        page.get_by_role("button", name="提交登记").click()
        # Refused, with the reason beside the field; nothing is saved.
        expect(page.locator("#summary")).to_be_visible()
        assert "人数不符" in page.content()
        shot(page, "pes-form-mistake")
        page.locator('input[name="h-persons_present"]').fill("1")
        confirm = page.locator('input[name="confirm"][value="citizen_id.missing@1"]')
        if confirm.count():  # no ID number at hand: the enumerator confirms there is none
            confirm.check()
        page.get_by_role("button", name="提交登记").click()
        expect(page.get_by_text("已登记为第 1 版")).to_be_visible()
        # The name typed stays on the server: the page shows it masked beside an empty input.
        assert page.locator('input[name="p1-name"]').input_value() == ""
        assert "测试庚" not in page.content()
        shot(page, "pes-form-registered")

        page.get_by_role("link", name="返回抽查户列表").click()
        card = page.locator("ul.cards a.card", has_text="第 P001 户")
        expect(card).to_contain_text("已登记（第 1 版），1 人")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Follow-up after the matching: the case comes back to her list; sending without an
        # answer says what to do; an answer closes it.
        send_followups(demo, [("p_nonmatch", f"{surveyor.area}P001", 1, surveyor.area)])
        page.goto("/pes")
        case = page.locator("form.case")
        expect(case).to_contain_text("抽查登记，普查中未找到")
        assert "测试庚" not in page.content()  # masked here too
        case.get_by_role("button", name="提交复查结果").click()
        expect(page.get_by_role("alert")).to_contain_text("请先选择复查结果")
        shot(page, "pes-followup-unanswered")
        page.get_by_label("2020年10月31日晚住在本户").check()
        page.locator("form.case").get_by_role("button", name="提交复查结果").click()
        expect(page.get_by_role("status").first).to_contain_text("复查结果已保存")
        assert page.locator("form.case").count() == 0
        shot(page, "pes-followup-answered")

        # Nothing of the census: its register of the area, a census household, the census API.
        for path in (
            f"/staff/small-areas/{surveyor.area}",
            f"/enumerator/households/{census_household}/form",
            f"/api/enumerator/small-areas/{surveyor.area}/register",
            f"/api/enumerator/households/{census_household}",
        ):
            response = page.request.get(path)
            assert response.status in (403, 404), path
        page.goto(f"/staff/small-areas/{surveyor.area}")
        assert "户主" not in page.content()
        shot(page, "pes-census-refused")
        page.goto("/pes")
        page.get_by_role("button", name="退出登录").click()

        county = demo.login(Role.county_office)
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_in(page, county.username, county.password)
        page.goto("/office/pes")
        row = page.get_by_role("row", name=surveyor.area)
        expect(row).to_contain_text("1")
        shot(page, "pes-office-progress")
    finally:
        live_server.clock.set(before)
