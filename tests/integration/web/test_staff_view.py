"""One policy for what staff see of a household's personal values, on both databases: the
enumerator's interview page shows exactly what the enumerator API shows (names and ID numbers
masked), and no stored personal value reaches an input of the page."""

from __future__ import annotations

import html
import re
import uuid

from headcount.calendar import FixedClock
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import app_for, client_for, new_clock
from tests.integration.web.test_selfreport import _household, _setup
from tests.integration.web.test_selfreport_pages import ID_NUMBER


def _on_file(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-on-file">([^<]*)<', page)
    assert found is not None, f"no value on file beside {field}"
    return html.unescape(found.group(1))


def test_the_interview_page_shows_personal_values_as_the_api_does(census: Census) -> None:
    clock: FixedClock = new_clock()
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        record = _household()
        body = {"submission_uuid": str(uuid.uuid4()), "record": record}
        done = staff.post(f"/api/enumerator/households/{household_id}/submissions", json=body)
        assert done.status_code == 201, done.text
        api = staff.get(f"/api/enumerator/households/{household_id}").json()
        assert api["masked"] is True
        page = staff.get(f"/enumerator/households/{household_id}/form")
        assert page.status_code == 200
        for n, (person, shown) in enumerate(zip(record["persons"], api["persons"], strict=True), 1):
            name = str(person["name"])
            assert shown["name"] and shown["name"] != name
            assert html.escape(name) not in page.text, "a full name on the page"
            assert shown["name"] in _on_file(page.text, f"p{n}-name")
            assert f'name="p{n}-name" id="p{n}-name" value=""' in page.text
            if person.get("citizen_id"):
                assert shown["citizen_id"] in _on_file(page.text, f"p{n}-citizen_id")
        assert not ID_NUMBER.search(page.text)
