"""Public pages: start, privacy (zh and en), the badge check (genuine, unknown, withdrawn,
replaced, malformed, rate-limited) as a page and as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from headcount.auth.roles import Role
from headcount.fieldwork.badges import legacy_badge, new_badge
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, transaction
from headcount.web.ratelimit import RateLimiter
from tests.integration.web.test_pages_support import World, csrf_of, leaks, world_fixture


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory.mktemp("public"))


@pytest.fixture(autouse=True)
def _fresh_limits(world: World) -> None:
    world.client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    world.client.cookies.clear()


def test_start_page_links_every_public_entry(world: World) -> None:
    page = world.client.get("/")
    assert page.status_code == 200
    for href in ("/self-report/login", "/badge", "/privacy", "/sign-in"):
        assert f'href="{href}"' in page.text
    assert 'class="skip" href="#main"' in page.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("收集哪些信息", "加密", "遮蔽", "销毁", "举报")),
        ("en", ("collected", "Encrypted", "Masked", "destroy", "report")),
    ],
)
def test_privacy_page_explains_protection_in_both_languages(
    world: World, lang: str, words: tuple[str, ...]
) -> None:
    page = world.client.get(f"/privacy?lang={lang}")
    assert page.status_code == 200
    for word in words:
        assert word in page.text
    assert page.text.count("<section") == 8


def _check(world: World, badge: str) -> tuple[int, str]:
    token = csrf_of(world.client, "/badge")
    answer = world.client.post("/badge", data={"csrf": token, "badge": badge})
    return answer.status_code, answer.text


def test_a_genuine_badge_shows_masked_name_role_and_area(world: World) -> None:
    enumerator = world.demo.login(Role.enumerator)
    assert enumerator.badge_no is not None
    typed = enumerator.badge_no.lower()[:5] + " " + enumerator.badge_no[5:]
    status, text = _check(world, typed)
    assert status == 200 and "result-genuine" in text
    assert "林*" in text and "普查员" in text and "东城区" in text
    assert not leaks(text)
    api = world.client.get(f"/api/public/badge/{enumerator.badge_no}")
    body = api.json()
    assert api.status_code == 200 and body["outcome"] == "genuine"
    assert body["name_masked"] == "林**" and body["role"] == "enumerator"
    assert body["area_code"] == enumerator.areas[0]


def test_an_unknown_badge_is_not_genuine(world: World) -> None:
    fake = new_badge("11", "E")
    status, text = _check(world, fake)
    assert status == 200 and "result-not_found" in text and "查无此证" in text
    assert world.client.get(f"/api/public/badge/{fake}").json()["outcome"] == "not_found"


def test_an_old_sequential_badge_is_answered_as_replaced(world: World) -> None:
    old = legacy_badge("11", "E", 1)
    status, text = _check(world, old)
    assert status == 200 and "result-replaced" in text and "已更换" in text
    answer = world.client.get(f"/api/public/badge/{old}").json()
    assert answer["outcome"] == "replaced" and answer["name_masked"] is None


def test_a_malformed_badge_is_answered_without_a_lookup(world: World) -> None:
    enumerator = world.demo.login(Role.enumerator)
    assert enumerator.badge_no is not None
    wrong_check = enumerator.badge_no[:-1] + ("0" if enumerator.badge_no[-1] != "0" else "1")
    status, text = _check(world, wrong_check)
    assert status == 422 and "result-malformed" in text
    assert 'aria-invalid="true"' in text
    api = world.client.get("/api/public/badge/not-a-badge")
    assert api.json()["outcome"] == "malformed"
    english = world.client.get("/badge?lang=en")
    assert "Badge number" in english.text


def test_a_withdrawn_badge_reads_as_unknown(world: World) -> None:
    supervisor = world.demo.login(Role.supervisor)
    assert supervisor.badge_no is not None
    engine = make_engine(world.demo.settings)
    try:
        with transaction(engine) as session:
            row = staff_queries.by_username(session, supervisor.username)
            assert row is not None
            row.disabled = True
        answer = world.client.get(f"/api/public/badge/{supervisor.badge_no}").json()
        assert answer["outcome"] == "not_found" and answer["name_masked"] is None
    finally:
        with transaction(engine) as session:
            row = staff_queries.by_username(session, supervisor.username)
            assert row is not None
            row.disabled = False
        engine.dispose()


def test_the_badge_check_is_rate_limited(world: World) -> None:
    fake = new_badge("11", "S")
    codes = [world.client.get(f"/api/public/badge/{fake}").status_code for _ in range(12)]
    assert codes[0] == 200 and 429 in codes
    limited = world.client.get(f"/api/public/badge/{fake}")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    token = csrf_of(world.client, "/badge")
    page = world.client.post("/badge", data={"csrf": token, "badge": fake})
    assert page.status_code == 429 and "E2003" in page.text
