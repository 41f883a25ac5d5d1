"""比对复查 in the browser: ``quality --tasks`` sends a suspected omission to the enumerator, who
finds it on the task list on a phone, forgets to choose an answer, answers, and the next run
counts the answer; the supervisor sees the progress (issue 12, part 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from playwright.sync_api import expect

from headcount.auth.roles import Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.integration.quality.field_env import check, import_hukou


def test_a_suspected_omission_is_checked_in_the_field_and_counted_next_time(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    demo = live_server.demo
    import_hukou(demo, tmp_path)
    first = check(demo, tmp_path, "1")
    omissions = pl.read_parquet(first / "omissions.parquet")
    if omissions.height == 0:
        pytest.fail("the register holds persons the census lacks: there must be omissions")

    page.set_viewport_size({"width": 360, "height": 740})
    enumerator = demo.login(Role.enumerator)
    sign_in(page, enumerator.username, enumerator.password)
    page.goto("/staff/tasks")
    cards = page.locator("ul.cards a.card", has_text="疑似漏登")
    assert cards.count() == omissions.height
    # Each card names its register record: several of one kind can be told apart.
    named = [r for text in cards.all_inner_texts() for r in omissions["record_id"] if r in text]
    assert sorted(named) == sorted(omissions["record_id"])
    shot(page, "verify-task-list")
    cards.first.click()
    expect(page.get_by_role("heading", name="比对复查")).to_be_visible()
    facts = page.locator("dl.facts").inner_text()
    assert "户籍登记" in facts and "*" in facts  # the register person's name, masked
    record_id = next(r for r in omissions["record_id"] if r in facts)
    assert page.evaluate("document.documentElement.outerHTML.length") < 60_000  # light on a phone
    # Sending without choosing keeps the question and says what to do.
    page.get_by_role("button", name="提交核查结果").click()
    expect(page.get_by_role("alert")).to_contain_text("请选择核查结果")
    shot(page, "verify-task-unanswered")
    page.get_by_label("查无此人").check()
    page.get_by_role("button", name="提交核查结果").click()
    expect(page.get_by_role("status")).to_contain_text("已回答：查无此人")
    assert page.get_by_role("button", name="提交核查结果").count() == 0
    shot(page, "verify-task-answered")
    # Off the enumerator's open list.
    page.goto("/staff/tasks")
    assert page.locator("ul.cards a.card", has_text="疑似漏登").count() == omissions.height - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="退出登录").click()

    supervisor = demo.login(Role.supervisor)
    sign_in(page, supervisor.username, supervisor.password)
    page.goto("/staff/progress")
    table = page.get_by_role("table")
    assert "比对复查进度" in page.content() and "疑似漏登" in table.inner_text()
    shot(page, "verify-progress")

    second = check(demo, tmp_path, "2", tasks=False)
    verified = pl.read_parquet(second / "verified.parquet")
    assert verified.select("finding", "answer").rows() == [("omission", "not_found")]
    assert record_id in verified["key"][0]
    assert pl.read_parquet(second / "omissions.parquet").height == omissions.height - 1
