"""The public badge check in Chromium: a genuine badge, a fake one, a mistyped one."""

from __future__ import annotations

from typing import Any

from headcount.auth.roles import Role
from headcount.fieldwork.badges import new_badge
from tests.browser.conftest import LiveServer, shot


def _check(page: Any, badge: str) -> None:
    page.goto("/badge")
    page.get_by_label("证件编号").fill(badge)
    page.get_by_role("button", name="核验").click()


def test_a_genuine_badge_is_confirmed_with_a_masked_name(
    page: Any, live_server: LiveServer
) -> None:
    badge = live_server.demo.login(Role.enumerator).badge_no
    assert badge is not None
    _check(page, badge)
    result = page.get_by_role("status")
    assert "证件真实有效" in result.inner_text()
    assert "林*" in result.inner_text() and "普查员" in result.inner_text()
    shot(page, "badge-genuine")


def test_a_fake_badge_is_flagged(page: Any, live_server: LiveServer) -> None:
    _check(page, new_badge("11", "E"))
    assert "查无此证" in page.get_by_role("alert").inner_text()
    shot(page, "badge-fake")


def test_a_mistyped_badge_is_marked_on_the_field(page: Any, live_server: LiveServer) -> None:
    _check(page, "11E00000")
    assert "编号格式不正确" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("证件编号").get_attribute("aria-invalid") == "true"
