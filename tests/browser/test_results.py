"""Results in Chromium: a provincial office on a 768 px tablet reads its pyramid and a table and
downloads the CSV; a resident on a 360 px phone finds the published communiqués from the start
page. The demo is built here with its synthetic national publication (``build(results=True)``),
as ``headcount demo`` builds it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.demo import DEMO_START, Demo, app_for, build
from tests.browser.conftest import SCREENSHOTS, shot, sign_in
from tests.integration.web.live import free_port, served

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def results_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Demo]]:
    demo = build(tmp_path_factory.mktemp("results") / "demo", results=True)
    port = free_port()
    app = app_for(demo, FixedClock(DEMO_START), public_url=f"http://127.0.0.1:{port}")
    with served(app, port=port, log_level="warning") as base:
        yield base, demo


def _tab(browser: Any, base: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(
        base_url=base, locale="zh-CN", viewport=viewport, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    return context


def _capture(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}.png"), full_page=True)


def test_a_provincial_office_reads_its_results_on_a_tablet(
    browser: Any, results_server: tuple[str, Demo]
) -> None:
    base, demo = results_server
    login = demo.login(Role.provincial_office)
    context = _tab(browser, base, TABLET)
    try:
        page = context.new_page()
        sign_in(page, login.username, login.password)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="汇总结果").click()
        assert page.get_by_role("heading", name="汇总结果", level=1).is_visible()
        assert page.get_by_role("heading", name="北京市（11）").is_visible()
        # The pyramid: drawn by headcount.tables.charts, an SVG image of 2 × 101 bars.
        pyramid = page.get_by_role("img", name=re.compile("北京市（11）的人口金字塔"))
        pyramid.scroll_into_view_if_needed()
        assert pyramid.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        svg = page.request.get(pyramid.get_attribute("src"))
        assert svg.ok and svg.headers["content-type"] == "image/svg+xml"
        drawing = svg.text()
        assert "<svg" in drawing
        for colour in ("#3b6ea8", "#c8553d"):  # male bars left, female bars right
            assert drawing.count(f"fill: {colour}") >= 100, colour
        _capture(page, "results-province")
        shot(page, "results-province")
        # No national-level table for a provincial office.
        assert page.get_by_role("link", name="各省（区、市）常住人口").count() == 0
        page.get_by_role("link", name="人户分离和流动人口").first.click()
        table = page.get_by_role("table")
        assert table.is_visible()
        caption = page.locator("caption").inner_text()
        assert "人户分离和流动人口" in caption and "省级" in caption
        codes = page.locator("tbody tr th:first-child").all_inner_texts()
        assert codes and all(code == "11" for code in codes)
        _capture(page, "results-table")
        with page.expect_download() as waiting:
            page.get_by_role("link", name=re.compile("下载 CSV")).click()
        download = waiting.value
        assert download.suggested_filename == "mobility-province-11.csv"
        data = Path(download.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbfarea_code,")
        rows = data.decode("utf-8-sig").splitlines()[1:]
        assert rows and all(row.startswith("11,") for row in rows)
        # The table scrolls in its own box: the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    finally:
        context.close()


def test_a_resident_reads_a_communique_on_a_phone(
    browser: Any, results_server: tuple[str, Demo]
) -> None:
    base, _demo = results_server
    context = _tab(browser, base, PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("link", name=re.compile("已发布的普查结果")).click()
        assert page.get_by_role("heading", name="已发布的普查结果", level=1).is_visible()
        assert page.get_by_text("合成数据").first.is_visible()
        assert page.get_by_text("sha256sum -c SHA256SUMS").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _capture(page, "published")
        shot(page, "published")
        page.get_by_role("link", name=re.compile("第2号")).first.click()
        assert page.get_by_role("heading", name=re.compile("第七次全国人口普查公报")).is_visible()
        assert "全国人口" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _capture(page, "published-communique")
        # Every file's digest is listed on the bundle's page.
        page.go_back()
        page.get_by_role("link", name=re.compile("全部文件与 SHA-256 摘要")).first.click()
        assert page.locator("code.digest").count() > 50
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _capture(page, "published-files")
    finally:
        context.close()
