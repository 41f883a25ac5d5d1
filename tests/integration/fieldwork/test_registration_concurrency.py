"""R1 over the real API: 50 concurrent identical POSTs create one household and one version."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from headcount.auth.roles import Role
from headcount.store.models import FormResponse, Household, Person
from tests.integration.conftest import Census
from tests.integration.fieldwork import webapp
from tests.integration.fieldwork.world import HOME_SA, add_areas, pre_register, record
from tests.integration.helpers import session


def test_fifty_concurrent_identical_submissions_make_one_household(census: Census) -> None:
    with session(census) as s:
        add_areas(s)
        (household,) = pre_register(s, census.protector, HOME_SA, 1)
    body = {"submission_uuid": str(uuid.uuid4()), "record": record(77)}
    url = f"/api/enumerator/households/{household}/submissions"
    with webapp.client(census) as client:
        headers = webapp.as_role(Role.enumerator)
        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(
                pool.map(lambda _: client.post(url, json=body, headers=headers), range(50))
            )
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) == 1 and statuses.count(200) == 49, [
            (r.status_code, r.text[:200]) for r in responses if r.status_code not in (200, 201)
        ]
        assert {r.json()["version"] for r in responses} == {1}
        other = {**body, "record": record(78)}
        conflict = client.post(url, json=other, headers=headers)
        assert conflict.status_code == 409
        assert conflict.json()["error"]["code"] == "E1607"
        assert conflict.headers["cache-control"].startswith("no-store")
    with session(census) as s:
        assert s.execute(select(func.count()).select_from(Household)).scalar() == 1
        assert s.execute(select(func.count()).select_from(FormResponse)).scalar() == 1
        persons = s.execute(select(func.count()).select_from(Person)).scalar()
        assert persons == len(record(77)["persons"])
