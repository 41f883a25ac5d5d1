"""The enumerator's long-form page (长表) for a sampled household, on both databases.

After the central draw, a sampled household's long-form task opens the long form prefilled from
its short-form version (ID numbers stay on the server); submitting registers a new version on the
long form, closes the task, and the ordinary interview page edits it on the long form from then
on. A household that is not registered or not sampled is refused (E2062), one outside the
enumerator's small areas is not found.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from headcount.auth.roles import Role
from headcount.fieldwork import long_form, sampling, tasks
from headcount.fieldwork.long_form import DrawIn
from headcount.questionnaire.loader import get_form
from headcount.store import registration as store_registration
from headcount.store.session import transaction
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import actor
from tests.integration.helpers import session
from tests.integration.web.test_auth_support import HOME_SA, client_for, new_clock
from tests.integration.web.test_enumerator_pages import AUDIT, _posted
from tests.integration.web.test_interview_pages import _app, _setup, _uuid
from tests.integration.web.test_selfreport_pages import ID_NUMBER, _token
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


def _short_of(record: dict[str, Any]) -> dict[str, Any]:
    """The same household with only the short form's answers."""
    short = get_form("short")
    household = {i.key for i in short.household_items}
    person = {i.key for i in short.person_items}
    return {
        **record,
        "form": "short",
        "items": {k: v for k, v in record["items"].items() if k in household},
        "persons": [{k: v for k, v in p.items() if k in person} for p in record["persons"]],
    }


def _page_fields(record: dict[str, Any]) -> dict[str, str]:
    """The long form as its page posts it: names and ID numbers empty (kept on the server)."""
    form = get_form("long")
    data = _posted(form.household_items, record["items"], "h")
    for n, person in enumerate(record["persons"], start=1):
        typed = {k: v for k, v in person.items() if k not in ("citizen_id", "name")}
        data.update(_posted(form.person_items, typed, f"p{n}"))
        data[f"origin-p{n}"] = str(n)
    data["persons"] = str(len(record["persons"]))
    return data


def _draw(census: Census) -> str:
    """Draw with a seed that samples exactly one of the two registered households of HOME_SA's
    census area (a systematic 10 % draw of two households starting at 8 or 9): that one."""
    seed = next(s for s in range(1000) if sampling.random_start(s, HOME_SA[:12], 10) >= 8)
    with session(census) as s:
        sample = long_form.draw(s, actor(Role.national_office), DrawIn(seed=seed))
        chosen = long_form.households(
            s, actor(Role.national_office), sample.sample_id, HOME_SA[:12]
        )
    assert sample.selected == 1 and len(chosen.items) == 1
    return chosen.items[0].household_id


def _task_link(staff: TestClient, household_id: str) -> str:
    listed = staff.get("/staff/tasks")
    found = re.search(
        rf'href="(/staff/tasks/[0-9a-f-]+)">\s*<span class="tag tag-long_form">[^<]*</span>\s*'
        rf"{re.escape(household_id)}",
        listed.text,
    )
    assert found is not None, listed.text
    return found.group(1)


def test_a_sampled_household_is_registered_on_the_long_form(census: Census) -> None:
    clock = new_clock()
    app = _app(census, clock, provisional=False)
    record = _long_record()
    with client_for(app) as staff, client_for(app) as away:
        first, second, unregistered, away_id = _setup(census, clock, staff, away)
        for household_id in (first, second):
            body = {"submission_uuid": str(uuid.uuid4()), "record": _short_of(record)}
            done = staff.post(f"/api/enumerator/households/{household_id}/submissions", json=body)
            assert done.status_code == 201, done.text
        sampled = _draw(census)
        other = second if sampled == first else first
        url = f"/enumerator/households/{sampled}/long"

        # The task page of the sampled household opens the long form.
        task = staff.get(_task_link(staff, sampled))
        assert task.status_code == 200
        assert f'href="{url}"' in task.text and "打开长表" in task.text
        assert f'href="/enumerator/households/{sampled}/form"' not in task.text

        # Prefilled from the short-form version: its answers are there, the long-only items are
        # asked and empty, the ID numbers stay on the server.
        page = staff.get(url)
        assert page.status_code == 200, page.text
        assert LONG_TITLE in page.text and 'id="long-form-note"' in page.text
        assert f'action="{url}"' in page.text
        assert 'name="replaces_version" value="1"' in page.text
        head = record["persons"][0]
        assert head["name"] not in page.text and 'id="p1-name-on-file"' in page.text
        assert f'name="p1-sex" value="{head["sex"]}" checked' in page.text
        assert 'name="p1-marital_status"' in page.text
        assert not re.search(r'name="p1-marital_status" value="\d+" checked', page.text)
        assert not ID_NUMBER.search(page.text)

        token = _token(page.text)
        data = {"form_token": token, "submission_uuid": _uuid(page.text), "replaces_version": "1"}
        data.update(_page_fields(record))
        # The live twin answers for the long form (the same rules as the page).
        live = staff.post(url + "/live", data=data)
        assert live.status_code == 200, live.text
        # A long-only answer that cannot be read is shown beside its field; nothing is saved.
        bad = staff.post(url, data={**data, "p1-marital_status": "x", "action": "submit"})
        assert bad.status_code == 422 and 'id="p1-marital_status-error"' in bad.text
        assert 'aria-describedby="p1-marital_status-error"' in bad.text
        done = staff.post(url, data={**data, "action": "submit"}, follow_redirects=False)
        assert done.status_code == 303, done.text
        edit_url = f"/enumerator/households/{sampled}/form"
        assert done.headers["location"] == f"{edit_url}?version=2"

        # The long-form task is closed: no button, no longer on the list.
        assert "tag-long_form" not in staff.get("/staff/tasks").text
        with session(census) as s:
            enumerator = actor(Role.enumerator, HOME_SA)
            kinds = [(t.kind, t.household_id) for t in tasks.list_open(s, enumerator).items]
        assert ("long_form", sampled) not in kinds

        # From now on the interview page edits the household on the long form.
        edit = staff.get(done.headers["location"])
        assert edit.status_code == 200
        assert LONG_TITLE in edit.text and f'action="{edit_url}"' in edit.text
        assert 'name="replaces_version" value="2"' in edit.text and "已登记为第 2 版" in edit.text
        assert 'id="long-form-note"' not in edit.text
        assert 'name="p1-marital_status"' in edit.text and not ID_NUMBER.search(edit.text)
        again = staff.get(url, follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == edit_url
        edit_token = _uuid(edit.text)
        changed = {**data, "submission_uuid": edit_token, "replaces_version": "2"}
        changed["action"] = "submit"
        saved = staff.post(edit_url, data=changed, follow_redirects=False)
        assert saved.status_code == 303 and saved.headers["location"] == f"{edit_url}?version=3"

        # Not sampled, not registered: refused in words; outside the area: not found.
        for refused_id in (other, unregistered):
            refused = staff.get(f"/enumerator/households/{refused_id}/long")
            assert refused.status_code == 409 and "E2062" in refused.text
            posted = staff.post(
                f"/enumerator/households/{refused_id}/long", data={**data, "action": "submit"}
            )
            assert posted.status_code == 409 and "E2062" in posted.text
            live_refused = staff.post(f"/enumerator/households/{refused_id}/long/live", data=data)
            assert live_refused.status_code == 409
        assert staff.get(f"/enumerator/households/{away_id}/long").status_code == 404
        outside = staff.post(
            f"/enumerator/households/{away_id}/long", data={**data, "action": "submit"}
        )
        assert outside.status_code == 404
    with transaction(census.engine) as s:
        stored = store_registration.read(s, census.protector, AUDIT, sampled)
        short = store_registration.read(s, census.protector, AUDIT, other)
    assert stored["form"] == "long" and int(stored["version"]) == 3
    assert [p["citizen_id"] for p in stored["persons"]] == [
        p["citizen_id"] for p in record["persons"]
    ]
    assert stored["persons"][0]["marital_status"] == head["marital_status"]
    assert short["form"] == "short" and int(short["version"]) == 1
