"""The quality report in Chromium: the national office on a 1280 px screen reads the country's
rates and score histogram and drills down to a province and its sample of cases; a provincial
office on a 360 px phone reads its own province. The demo is built with its synthetic national
census and the quality job over it (``build(results=True)``), as ``headcount demo`` builds it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.demo import DEMO_START, Demo, app_for, build
from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.integration.web.live import free_port, served

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def quality_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Demo]]:
    demo = build(tmp_path_factory.mktemp("quality") / "demo", results=True)
    assert demo.settings.quality_dir is not None
    port = free_port()
    app = app_for(demo, FixedClock(DEMO_START), public_url=f"http://127.0.0.1:{port}")
    with served(app, port=port, log_level="warning") as base:
        yield base, demo


def _open(browser: Any, base: str, viewport: dict[str, int], role: Role, demo: Demo) -> Any:
    context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    login = demo.login(role)
    sign_in(page, login.username, login.password)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="质量核查").click()
    assert page.get_by_role("heading", name="质量核查报告", level=1).is_visible()
    return context, page


def _capture(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def _weight(page: Any) -> int:
    return int(page.evaluate("document.documentElement.outerHTML.length"))


def test_the_national_office_reads_the_report_on_a_desktop(
    browser: Any, quality_server: tuple[str, Demo]
) -> None:
    base, demo = quality_server
    context, page = _open(browser, base, DESKTOP, Role.national_office, demo)
    try:
        assert page.get_by_role("heading", name="全国").is_visible()
        histogram = page.get_by_role("img", name=re.compile("全国模型评分记录对的匹配概率"))
        assert histogram.is_visible() and histogram.locator("rect").count() >= 1
        assert page.get_by_text("合成数据").first.is_visible()
        assert _weight(page) < 60_000
        _capture(page, "quality-national")
        page.get_by_role("link", name=re.compile("查看全国")).click()
        rows = page.locator("table.results").first.locator("tbody tr")
        assert rows.count() == 31  # the provinces
        page.get_by_role("link", name="北京市（11）").click()
        assert page.get_by_role("heading", name=re.compile("北京市（11）"), level=1).is_visible()
        cases = page.get_by_role("heading", name=re.compile("案例样本"))
        assert cases.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        assert _weight(page) < 60_000
        _capture(page, "quality-province")
    finally:
        context.close()


def test_a_provincial_office_reads_its_province_on_a_phone(
    browser: Any, quality_server: tuple[str, Demo]
) -> None:
    base, demo = quality_server
    context, page = _open(browser, base, PHONE, Role.provincial_office, demo)
    try:
        assert page.get_by_role("heading", name="北京市（11）").is_visible()
        assert page.get_by_role("heading", name="全国").count() == 0
        # Tables scroll in their own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _capture(page, "quality-phone")
        page.get_by_role("link", name=re.compile("查看北京市")).click()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _capture(page, "quality-phone-area")
        assert page.request.get("/office/quality/12").status == 404  # another province
    finally:
        context.close()
