"""The demo's public pages in Chromium, at 360 px and 1280 px."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, shot


def test_start_and_privacy_pages_work_at_both_widths(page: Any, live_server: LiveServer) -> None:
    page.goto("/")
    for name in ("住户自主填报", "核验普查员证", "个人信息如何受到保护", "工作人员登录"):
        assert page.get_by_role("link", name=name).count() >= 1
    shot(page, "start")
    page.get_by_role("link", name="个人信息如何受到保护").click()
    assert page.get_by_role("heading", name="个人信息保护说明").is_visible()
    shot(page, "privacy")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="How personal data is protected").is_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
