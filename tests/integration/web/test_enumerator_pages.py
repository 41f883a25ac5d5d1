"""The enumerator's interview form on both databases: the same renderer as self-report, one
block per person, persons added and removed, death forms when H4 > 0, findings beside fields,
registration through fieldwork.registration (idempotent by the page's submission UUID)."""

from __future__ import annotations

import html
import re
from typing import Any

from headcount.audit.log import Actor as AuditActor
from headcount.calendar import FixedClock
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Item
from headcount.store import registration as store_registration
from headcount.store.session import transaction
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    AWAY_SA,
    app_for,
    client_for,
    new_clock,
)
from tests.integration.web.test_selfreport import (
    AFTER_CLOSE,
    BEFORE_REFERENCE,
    _card,
    _household,
    _login,
    _move,
    _setup,
)
from tests.integration.web.test_selfreport_pages import ID_NUMBER, _token

AUDIT = AuditActor(id="test", role="test", request_id="", ip="")


def _posted(items: tuple[Item, ...], values: dict[str, Any], prefix: str) -> dict[str, str]:
    """A section of the household JSON as the page's inputs would post it."""
    out: dict[str, str] = {f"shown-{prefix}": ",".join(i.key for i in items)}
    for item in items:
        value = values.get(item.key)
        name = f"{prefix}-{item.key}"
        if value is None:
            continue
        if item.type == "year_month":
            year, month = str(value).split("-")
            out[f"{name}-year"], out[f"{name}-month"] = year, str(int(month))
        elif item.type == "count_by_sex":
            out[f"{name}-male"], out[f"{name}-female"] = str(value["male"]), str(value["female"])
        else:
            out[name] = str(value)
    return out


def _page_fields(record: dict[str, Any]) -> dict[str, str]:
    form = get_form("short")
    data = _posted(form.household_items, record["items"], "h")
    for n, person in enumerate(record["persons"], start=1):
        data.update(_posted(form.person_items, person, f"p{n}"))
    data["persons"] = str(len(record["persons"]))
    return data


def test_interview_form_registers_a_household(census: Census) -> None:
    clock = new_clock()
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        url = f"/enumerator/households/{household_id}/form"
        page = staff.get(url)
        assert page.status_code == 200
        assert 'name="h-household_type"' in page.text and 'name="p1-name"' in page.text
        token = _token(page.text)
        uuid_field = re.search(r'name="submission_uuid" value="([0-9a-f-]+)"', page.text)
        assert uuid_field is not None
        base = {"form_token": token, "submission_uuid": uuid_field.group(1)}
        more = staff.post(url, data={**base, "persons": "1", "action": "add_person"})
        assert 'name="p2-name"' in more.text
        record = _household()
        data = {**base, **_page_fields(record)}
        # H4: one death → the death form's items appear for it.
        deaths = staff.post(url, data={**data, "h-deaths-male": "1", "action": "check"})
        assert 'name="d1-death_year_month-year"' in deaths.text
        wrong = dict(data, **{"h-persons_present": str(len(record["persons"]) + 5)})
        refused = staff.post(url, data={**wrong, "action": "submit"})
        assert refused.status_code == 422 and 'role="alert"' in refused.text
        assert 'aria-describedby="h-persons_present-error"' in refused.text
        done = staff.post(url, data={**data, "action": "submit"}, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert done.headers["location"].endswith("version=1")
        again = staff.post(url, data={**data, "action": "submit"}, follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].endswith("version=1")
        read = staff.get(f"/api/enumerator/households/{household_id}").json()
        assert len(read["persons"]) == len(record["persons"])
        # Editing the registered household: its answers come back, its ID numbers do not.
        edit = staff.get(url)
        assert 'name="replaces_version" value="1"' in edit.text
        assert not ID_NUMBER.search(edit.text) and 'name="origin-p1" value="1"' in edit.text
        # Names stay on the server too: beside an empty input, as the API shows them.
        first = html.escape(str(record["persons"][0]["name"]))
        assert first not in edit.text and 'name="p1-name" id="p1-name" value=""' in edit.text
        assert html.escape(read["persons"][0]["name"]) in edit.text
        changed = dict(_page_fields(record), **{"h-rooms": "9", "h-dwelling_type": "1"})
        for n in range(1, len(record["persons"]) + 1):
            changed.pop(f"p{n}-citizen_id", None)
            changed.pop(f"p{n}-name", None)
            changed[f"origin-p{n}"] = str(n)
        fresh = re.search(r'name="submission_uuid" value="([0-9a-f-]+)"', edit.text)
        assert fresh is not None
        body = {
            **changed,
            "form_token": token,
            "submission_uuid": fresh.group(1),
            "replaces_version": "1",
            "action": "submit",
        }
        if "h-floor_area_m2" not in body:
            body["h-floor_area_m2"] = "80"
        saved = staff.post(url, data=body, follow_redirects=False)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"].endswith("version=2")
    with transaction(census.engine) as session:
        stored = store_registration.read(session, census.protector, AUDIT, household_id)
    assert stored["items"]["rooms"] == 9
    ids = [(p.get("name"), p.get("citizen_id")) for p in stored["persons"]]
    assert ids == [(p.get("name"), p.get("citizen_id")) for p in record["persons"]]


def test_interview_form_outside_the_enumerators_areas_is_not_found(census: Census) -> None:
    clock = new_clock()
    with client_for(app_for(census, clock)) as staff:
        _setup(census, clock, staff)
        response = staff.get(f"/enumerator/households/{AWAY_SA}-001/form")
        assert response.status_code == 404


def test_a_handed_over_self_report_opens_with_its_answers_but_no_id_numbers(
    census: Census,
) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
        record = _household()
        with client_for(app_for(census, clock)) as home:
            _login(home, card)
            home.put("/api/self-report/household", json={"record": record})
        _move(clock, AFTER_CLOSE, staff)
        assert staff.get("/api/enumerator/self-reports").status_code == 200  # hands over
        url = f"/enumerator/households/{household_id}/form"
        page = staff.get(url)
        assert page.status_code == 200
        # The answers are there; names and ID numbers stay on the server, shown masked.
        first = html.escape(str(record["persons"][0]["name"]))
        assert first not in page.text and 'name="p1-name" id="p1-name" value=""' in page.text
        assert 'id="p1-name-on-file"' in page.text and 'name="origin-p1" value="1"' in page.text
        assert f'name="p{len(record["persons"])}-name"' in page.text
        assert not ID_NUMBER.search(page.text)
        # Registered from the page without retyping them: the household's own names and ID
        # numbers are kept.
        fields = _page_fields(record)
        for n in range(1, len(record["persons"]) + 1):
            fields.pop(f"p{n}-name", None)
            fields.pop(f"p{n}-citizen_id", None)
            fields[f"origin-p{n}"] = str(n)
        uuid_field = re.search(r'name="submission_uuid" value="([0-9a-f-]+)"', page.text)
        assert uuid_field is not None
        body = {
            **fields,
            "form_token": _token(page.text),
            "submission_uuid": uuid_field.group(1),
            "action": "submit",
        }
        done = staff.post(url, data=body, follow_redirects=False)
        assert done.status_code == 303, done.text
    with transaction(census.engine) as session:
        stored = store_registration.read(session, census.protector, AUDIT, household_id)
    kept = [(p.get("name"), p.get("citizen_id")) for p in stored["persons"]]
    assert kept == [(p.get("name"), p.get("citizen_id")) for p in record["persons"]]
