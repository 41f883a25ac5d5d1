"""The post-enumeration survey's API (issue 13, part 2) on the demo census: a survey enumerator
lists and registers a household with a bearer token, reads it back masked, and is refused the
census's API; answers carry numbered errors."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from headcount.calendar import FixedClock
from headcount.demo import app_for, build
from tests.integration.pes.pes_env import IN_SURVEY, survey_enumerator
from tests.integration.pes.test_pes_fieldwork import pes_record


def test_the_survey_api_registers_reads_masked_and_refuses_the_census(tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=90)
    surveyor = survey_enumerator(demo)
    census_household = demo.households[0].household_id
    app = app_for(demo, FixedClock(IN_SURVEY.now()))
    with TestClient(app, base_url="https://testserver") as client:
        login = client.post(
            "/api/auth/login",
            json={"username": surveyor.username, "password": surveyor.password, "client": "device"},
        )
        assert login.status_code == 200, login.text
        client.cookies.clear()  # a tablet's app: the bearer token only
        auth = {"authorization": f"Bearer {login.json()['token']}"}
        listed = client.post(f"/api/pes/small-areas/{surveyor.area}/households", headers=auth)
        assert listed.status_code == 201, listed.text
        household = listed.json()
        assert household["household_no"] == "P001" and household["version"] == 0
        url = f"/api/pes/households/{household['household_id']}"
        body = {"submission_uuid": str(uuid.uuid4()), "record": pes_record()}
        first = client.post(f"{url}/submissions", json=body, headers=auth)
        assert first.status_code == 201, first.text
        again = client.post(f"{url}/submissions", json=body, headers=auth)
        assert again.status_code == 200 and again.json()["created"] is False
        wrong = client.post(
            f"{url}/submissions",
            json={
                "submission_uuid": str(uuid.uuid4()),
                "replaces_version": 1,
                "record": {**pes_record(), "form": "short"},
            },
            headers=auth,
        )
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "E2205"
        shown = client.get(url, headers=auth).json()
        assert shown["version"] == 1 and shown["persons"][0]["name"] != "测试甲"
        assert "*" in shown["persons"][0]["name"]
        mine = client.get("/api/pes/households", headers=auth).json()
        assert [h["household_no"] for h in mine] == ["P001"]
        progress = client.get("/api/pes/progress", headers=auth).json()
        assert [(p["small_area_code"], p["persons"]) for p in progress] == [(surveyor.area, 2)]
        other = next(a for a in surveyor.sampled if a != surveyor.area)
        outside = client.post(f"/api/pes/small-areas/{other}/households", headers=auth)
        assert outside.status_code == 404
        for path in (
            f"/api/enumerator/small-areas/{surveyor.area}/register",
            f"/api/enumerator/households/{census_household}",
            "/api/enumerator/tasks",
        ):
            assert client.get(path, headers=auth).status_code == 403, path
