"""The offices' quality report pages, on both databases.

The quality output is the real job's on the hand-made extract (tests/unit/quality/handmade.py):
Beijing's county 110105 (small area SA_A: households HA1), Beijing's 110108 (SA_B: HB1) and
Hebei's 130181 (SA_C: HC1, and the omission HK4). A county office of 110105 sees its own areas
only; another county's area, the province and the country answer as areas that do not exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from headcount.audit.log import flush
from headcount.auth.roles import Role
from headcount.config import Settings
from headcount.quality import run
from headcount.store.models import AuditEntry
from headcount.store.session import read_transaction
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_SA,
    Seeded,
    add_areas,
    add_staff,
    client_for,
    error_code,
    new_clock,
    sign_in,
)
from tests.unit.quality.handmade import SA_A, SA_B, SA_C, write_extract

PAGE_LIMIT = 60_000


@pytest.fixture(scope="module")
def quality_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality-pages")
    run(write_extract(root / "extract"), root / "out")
    return root / "out"


def _client(census: Census, quality: Path | None) -> TestClient:
    settings = Settings(**{**census.settings.model_dump(), "quality_dir": quality})
    app = create_app(settings, clock=new_clock(), engine=census.engine, protector=census.protector)
    return client_for(app)


@pytest.fixture
def staff(census: Census) -> dict[str, Seeded]:
    add_areas(census)
    return {
        "national": add_staff(census, "q.national", Role.national_office),
        "county": add_staff(census, "q.county", Role.county_office, ("110105",)),
        "unpledged": add_staff(census, "q.nopledge", Role.county_office, ("110105",), pledge=False),
        "enumerator": add_staff(census, "q.enum", Role.enumerator, (HOME_SA,), totp=False),
        "auditor": add_staff(census, "q.audit", Role.auditor),
    }


def _main(text: str) -> str:
    return text[text.index("<main") : text.index("</main>")]


def test_a_county_office_sees_its_own_areas_only(
    census: Census, staff: dict[str, Seeded], quality_dir: Path
) -> None:
    with _client(census, quality_dir) as client:
        sign_in(client, staff["county"], new_clock())
        assert "/office/quality" in client.get("/staff").text  # in the navigation
        index = client.get("/office/quality")
        assert index.status_code == 200 and len(index.content) < PAGE_LIMIT
        main = _main(index.text)
        assert 'href="/office/quality/110105"' in main and "<svg" in main
        assert "110108" not in main and "130181" not in main
        # 110105: 4 census records (HA1/1–4), one duplicate (HA1/1) = 25.00 %, one pair scored
        overview = client.get("/api/quality").json()
        assert [a["area_code"] for a in overview["areas"]] == ["110105"]
        area = overview["areas"][0]
        assert area["census_records"] == 4 and area["counts"]["duplicates"] == 1
        assert area["rates"]["duplicates"] == 25.0 and area["counts"]["omissions"] == 0
        assert area["scores"]["pairs"] == 1 and area["scores"]["links"] == 1
        # drill down to the small area: its sample of cases, references only
        page = client.get(f"/office/quality/{SA_A}")
        assert page.status_code == 200 and len(page.content) < PAGE_LIMIT
        assert "HA1 / 1" in page.text and "HA1 / 4" in page.text  # a duplicate, discrepancies
        assert "HB1" not in _main(page.text)
        cases = client.get(f"/api/quality/{SA_A}").json()
        assert cases["cases_shown"] is True
        assert {c["household_id"] for c in cases["cases"]} == {"HA1"}
        assert cases["parent"] == SA_A[:12]
        township = client.get(f"/api/quality/{SA_A[:9]}").json()
        assert [c["area_code"] for c in township["children"]] == [SA_A[:12]]
        # another county, the province, the country: as areas that do not exist
        for code in (SA_B, SA_B[:6], SA_C, "11", "CN", "999999"):
            refused = client.get(f"/api/quality/{code}")
            assert refused.status_code == 404 and error_code(refused) == "E1924", code
            assert client.get(f"/office/quality/{code}").status_code == 404
        county = client.get("/api/quality/110105").json()
        assert county["parent"] is None  # the prefecture is not this office's
    flush(census.engine)
    with read_transaction(census.engine) as session:
        seen = [
            (e.action, e.object)
            for e in session.execute(select(AuditEntry)).scalars()
            if e.action == "quality.cases_view"
        ]
    assert ("quality.cases_view", f"area:{SA_A}") in seen


def test_the_national_office_sees_the_country(
    census: Census, staff: dict[str, Seeded], quality_dir: Path
) -> None:
    with _client(census, quality_dir) as client:
        sign_in(client, staff["national"], new_clock())
        overview = client.get("/api/quality").json()
        [country] = overview["areas"]
        assert country["area_code"] == "CN" and country["census_records"] == 8
        assert country["counts"]["omissions"] == 1 and country["rates"]["omissions"] == 125.0
        assert country["counts"]["erroneous_by_reason"] == {
            "died_before_reference": 1,
            "duplicate_residence_record": 1,
        }
        assert overview["thresholds"] == {"upper": 0.99, "lower": 0.5}
        page = client.get("/office/quality/CN")
        assert page.status_code == 200 and len(page.content) < PAGE_LIMIT
        api = client.get("/api/quality/CN").json()
        assert [c["area_code"] for c in api["children"]] == ["11", "13"]
        assert {c["kind"] for c in api["cases"]} >= {"omissions", "duplicates", "erroneous"}
        hebei = client.get(f"/api/quality/{SA_C}").json()
        [omission] = [c for c in hebei["cases"] if c["kind"] == "omissions"]
        assert (omission["register"], omission["household_id"]) == ("hukou", None)
        assert [
            (c["kind"], c["record_id"]) for c in hebei["cases"] if c["kind"] == "omissions"
        ] == [("omissions", "HK4")]


def test_without_the_pledge_the_cases_are_not_shown(
    census: Census, staff: dict[str, Seeded], quality_dir: Path
) -> None:
    with _client(census, quality_dir) as client:
        sign_in(client, staff["unpledged"], new_clock())
        api = client.get(f"/api/quality/{SA_A}").json()
        assert api["cases_shown"] is False and api["cases"] == []
        assert api["area"]["counts"]["duplicates"] == 1  # the rates stay
        assert "HA1" not in _main(client.get(f"/office/quality/{SA_A}").text)


@pytest.mark.parametrize("who", ["enumerator", "auditor"])
def test_roles_without_quality_view_are_refused(
    census: Census, staff: dict[str, Seeded], quality_dir: Path, who: str
) -> None:
    with _client(census, quality_dir) as client:
        sign_in(client, staff[who], new_clock())
        for path in ("/office/quality", f"/office/quality/{SA_A}", "/api/quality"):
            assert client.get(path).status_code == 403, path
        assert "/office/quality" not in client.get("/staff").text


def test_missing_or_damaged_quality_directories_are_plain_problems(
    census: Census, staff: dict[str, Seeded], quality_dir: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for item in quality_dir.rglob("*"):
        target = damaged / item.relative_to(quality_dir)
        if item.is_dir():
            target.mkdir()
        else:
            target.write_bytes(item.read_bytes())
    report = damaged / "report" / "quality_report.json"
    doc = json.loads(report.read_text())
    doc["areas"]["CN"]["census_records"] = 80  # valid JSON, but not what quality.json lists
    report.write_text(json.dumps(doc))
    old = tmp_path / "old"
    old.mkdir()
    summary = json.loads((quality_dir / "quality.json").read_text())
    summary.pop("extra")
    (old / "quality.json").write_text(json.dumps(summary))
    cases = [(None, "E1920"), (tmp_path / "nowhere", "E1922"), (damaged, "E1921"), (old, "E1923")]
    for i, (where, code) in enumerate(cases):
        with _client(census, where) as client:
            # one account each: a one-time code is not accepted twice
            sign_in(client, add_staff(census, f"q.nat{i}", Role.national_office), new_clock())
            answer = client.get("/api/quality")
            assert answer.status_code == 503 and error_code(answer) == code, where
            page = client.get("/office/quality")
            assert page.status_code == 503 and code in page.text
