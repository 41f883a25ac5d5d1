"""The enumerator registers a sampled household on the long form (长表) in Chromium: the long-form
task on the task list, its "open the long form" button, the short-form answers carried over, the
long-only items filled in (those that appear once an answer makes them apply too), submit, and
the interview page shows the household on the long form from then on."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from headcount.auth.roles import Actor, Role
from headcount.calendar import FixedClock
from headcount.demo import DEMO_START
from headcount.fieldwork import long_form, pre_registration, registration, sampling
from headcount.fieldwork.long_form import DrawIn
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Item
from headcount.store.protector import Protector
from headcount.store.queries import households as household_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, transaction
from tests.browser.conftest import LiveServer, choose, shot, sign_in
from tests.unit.questionnaire.factories import clean_household

LONG_TITLE = "第七次全国人口普查表长表"


def _long_record() -> dict[str, Any]:
    """A synthetic household with every long-form answer (two persons, no deaths)."""
    record = clean_household(random.Random(0), get_form("long"), 3)
    for key in ("household_id", "household_no"):
        record.pop(key, None)
    record["deaths"] = []
    record["items"]["deaths"] = {"male": 0, "female": 0}
    return record


def _sampled_household(live_server: LiveServer, record: dict[str, Any]) -> str:
    """Register a waiting household of the enumerator's first small area on the short form
    (``record`` without its long-only answers), then draw the long-form sample with a seed that
    picks it (computed on the same frame first): its long-form task is on the list."""
    demo = live_server.demo
    login = demo.login(Role.enumerator)
    short = get_form("short")
    household_keys = {i.key for i in short.household_items}
    person_keys = {i.key for i in short.person_items}
    short_record = {
        **record,
        "form": "short",
        "items": {k: v for k, v in record["items"].items() if k in household_keys},
        "persons": [{k: v for k, v in p.items() if k in person_keys} for p in record["persons"]],
    }
    engine = make_engine(demo.settings)
    try:
        protector = Protector.open(demo.settings, engine)
        with transaction(engine) as session:
            staff = staff_queries.by_username(session, login.username)
            assert staff is not None
            staff_id = str(staff.id)
            writer = Actor(staff_id, Role.enumerator, login.areas[:1], frozenset(), True)
            entries = pre_registration.list_entries(
                session, protector, writer, login.areas[0], limit=200
            ).items
            household_id = next(
                e.household_id
                for e in entries
                if e.mode == "enumerator"
                and household_queries.by_household_id(session, e.household_id) is None
            )
        with transaction(engine) as session:
            registration.submit(
                session,
                protector,
                writer,
                household_id,
                registration.SubmissionIn(submission_uuid=uuid.uuid4(), record=short_record),
                clock=FixedClock(DEMO_START),
            )
        with transaction(engine) as session:
            frame = list(long_form._frame(session))
        seed = next(
            s
            for s in range(5000)
            if any(household_id in area.selected for area in sampling.draw(frame, seed=s).areas)
        )
        national = Actor(staff_id, Role.national_office, (), frozenset(), True)
        with transaction(engine) as session:
            long_form.draw(session, national, DrawIn(seed=seed), clock=FixedClock(DEMO_START))
    finally:
        engine.dispose()
    return household_id


def _fill(page: Any, items: tuple[Item, ...], values: dict[str, Any], prefix: str) -> None:
    """The long-only answers of one section, for the fields the page shows now."""
    for item in items:
        value = values.get(item.key)
        name = f"{prefix}-{item.key}"
        if value is None:
            continue
        if item.type == "year_month":
            year = page.locator(f'input[name="{name}-year"]')
            if year.count() and year.is_visible():
                year.fill(str(value)[:4])
                page.locator(f'input[name="{name}-month"]').fill(str(int(str(value)[5:7])))
            continue
        if item.type == "count_by_sex":
            male = page.locator(f'input[name="{name}-male"]')
            if male.count() and male.is_visible():
                male.fill(str(value["male"]))
                page.locator(f'input[name="{name}-female"]').fill(str(value["female"]))
            continue
        field = page.locator(f'[name="{name}"]').first
        if not field.count() or not field.is_visible():
            continue
        if item.type == "code":
            choose(page, name, str(value))
        else:
            field.fill(str(value))


def test_the_enumerator_registers_a_sampled_household_on_the_long_form(
    page: Any, live_server: LiveServer
) -> None:
    record = _long_record()
    household_id = _sampled_household(live_server, record)
    enumerator = live_server.demo.login(Role.enumerator)
    sign_in(page, enumerator.username, enumerator.password)
    page.goto("/staff/tasks")
    task = page.get_by_role("link", name=re.compile(re.escape(household_id)))
    assert "长表登记" in task.inner_text()
    task.click()
    page.get_by_role("link", name="打开长表").click()
    page.wait_for_url(re.compile(rf"/enumerator/households/{household_id}/long$"))
    assert page.get_by_role("heading", name=LONG_TITLE).is_visible()
    assert page.locator("#long-form-note").is_visible()
    head = record["persons"][0]
    # Carried over, kept on the server: shown masked beside an empty input, as the API shows it.
    assert page.locator("#p1-name").input_value() == ""
    on_file = page.locator("#p1-name-on-file").inner_text()
    assert head["name"][0] in on_file and head["name"] not in on_file
    long = get_form("long")
    short = get_form("short")
    household_items = tuple(
        i for i in long.household_items if i.key not in {s.key for s in short.household_items}
    )
    person_items = tuple(
        i for i in long.person_items if i.key not in {s.key for s in short.person_items}
    )
    for _ in range(2):  # the second round fills what the first round's answers made apply
        _fill(page, household_items, record["items"], "h")
        for n, person in enumerate(record["persons"], start=1):
            _fill(page, person_items, person, f"p{n}")
        page.get_by_role("button", name="检查").last.click()
        page.wait_for_load_state()
    shot(page, "long-form")
    page.get_by_role("button", name="提交登记").click()
    page.wait_for_url(re.compile(rf"/enumerator/households/{household_id}/form\?version=2$"))
    assert page.locator("#form-notice").inner_text().startswith("已登记为第 2 版")
    assert page.get_by_role("heading", name=LONG_TITLE).is_visible()
    assert page.locator("#long-form-note").count() == 0
    page.goto("/staff/tasks")
    assert page.get_by_role("link", name=re.compile(re.escape(household_id))).count() == 0
