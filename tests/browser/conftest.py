"""Browser-test harness: the demo census served by uvicorn, driven by Debian's Chromium.

``live_server`` builds the demo once per session with the same builder as ``headcount demo``
(SQLite, in a temp folder) and serves the real application in a background thread on a free port
of 127.0.0.1, with a FixedClock the tests may move (``live_server.clock``; a test that moves it
puts it back). ``live_server.demo`` lists the logins the builder made: staff per role
(``demo.login(Role.enumerator)``) and households with self-report cards (``demo.households``).

``page`` is a fresh browser context per test (zh-CN by default, 1280 × 800); ``shot(page, name)``
saves full-page screenshots at 360 px and 1280 px wide under test-artifacts/screenshots/.
Playwright never downloads a browser here: it launches /usr/bin/chromium (HEADCOUNT_CHROMIUM).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from headcount.calendar import FixedClock
from headcount.demo import DEMO_START, Demo, app_for, build
from tests.integration.web.live import free_port, served

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (360, 1280)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    base_url: str
    clock: FixedClock
    demo: Demo

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    demo = build(tmp_path_factory.mktemp("demo") / "demo")
    clock = FixedClock(DEMO_START)
    port = free_port()
    app = app_for(demo, clock, public_url=f"http://127.0.0.1:{port}")
    with served(app, port=port, log_level="warning") as base:
        yield LiveServer(base, clock, demo)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("HEADCOUNT_CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable} (scripts/chromium.sh installs it)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.base_url,
        locale="zh-CN",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def shot(page: Any, name: str) -> list[Path]:
    """Full-page screenshots of the current page at 360 px and 1280 px; the viewport is restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size or {"width": 1280, "height": 800}
    saved: list[Path] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        # Two animation frames: the page re-lays out and paints at the new width before the
        # capture (a capture right after the resize showed blank, unpainted regions).
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        target = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        saved.append(target)
    page.set_viewport_size(before)
    return saved


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the staff sign-in page as a person would (keyboard and button)."""
    page.goto("/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def choose(page: Any, name: str, value: str) -> None:
    """A coded answer: a radio button, or the select a long code list renders as."""
    select = page.locator(f'select[name="{name}"]')
    if select.count():
        select.select_option(value)
    else:
        page.locator(f'input[name="{name}"][value="{value}"]').check()
