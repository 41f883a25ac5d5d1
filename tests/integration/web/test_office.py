"""Office set-up over HTTP: area import (all-or-nothing, every bad row reported), areas and staff
within scope, staff creation limited to the creator's subtree, assignments, separated duties."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Role
from headcount.fieldwork import staff
from headcount.fieldwork.badges import is_well_formed
from headcount.store.models import AuditEntry, CensusArea, SmallArea
from headcount.store.models_access import Building
from headcount.store.queries import access as access_queries
from headcount.store.session import read_transaction, transaction
from tests.integration.conftest import Census
from tests.integration.helpers import raw_engine
from tests.integration.web.test_auth_support import (
    AWAY_CA,
    AWAY_SA,
    HOME_CA,
    HOME_COUNTY,
    HOME_SA,
    PASSWORD,
    Seeded,
    add_areas,
    add_staff,
    app_for,
    client_for,
    error_code,
    new_clock,
    sign_in,
)

CSV_TYPE = {"Content-Type": "text/csv"}
GOOD = (
    "census_area_code,census_area_name,small_area_no,small_area_name,expected_persons,"
    "building_no,building_address\n"
    "110101001002,东华门测试社区,,,,,\n"
    "110101001002,,001,第一小区,350,,\n"
    "110101001002,,001,,,12,北京市东城区测试路甲12号\n"
    "110101001002,,002,第二小区,,,\n"
    "110101001003,景山测试社区,001,,1999,,\n"
)


def _counts(census: Census) -> tuple[int, int, int]:
    with read_transaction(census.engine) as session:
        return (
            int(session.execute(select(func.count()).select_from(CensusArea)).scalar() or 0),
            int(session.execute(select(func.count()).select_from(SmallArea)).scalar() or 0),
            int(session.execute(select(func.count()).select_from(Building)).scalar() or 0),
        )


def _office(census: Census, name: str = "county.setup") -> Seeded:
    return add_staff(census, name, Role.county_office, (HOME_COUNTY,))


def test_area_import_creates_units_once_and_encrypts_building_addresses(census: Census) -> None:
    clock = new_clock()
    office = _office(census)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        first = client.post("/api/office/areas/import", content=GOOD.encode(), headers=CSV_TYPE)
        assert first.status_code == 200, first.text
        assert first.json() == {
            "rows": 5,
            "census_areas_created": 2,
            "small_areas_created": 3,
            "buildings_created": 1,
        }
        again = client.post("/api/office/areas/import", content=GOOD.encode(), headers=CSV_TYPE)
        assert again.json()["small_areas_created"] == 0 and again.json()["buildings_created"] == 0
        listed = client.get("/api/office/census-areas").json()
        assert [a["code"] for a in listed["items"]] == ["110101001002", "110101001003"]
        assert listed["items"][0]["small_areas"] == 2 and "东城区" in listed["items"][0]["region"]
        small = client.get("/api/office/census-areas/110101001002/small-areas").json()
        assert [s["code"] for s in small] == ["110101001002001", "110101001002002"]
        assert small[0]["expected_persons"] == 350
    assert _counts(census) == (2, 3, 1)
    with raw_engine(census) as raw, raw.connect() as conn:
        blob = conn.execute(select(Building.address_enc)).scalar_one()
    assert blob is not None and "测试路".encode() not in bytes(blob)


def test_a_file_with_bad_rows_is_reported_row_by_row_and_writes_nothing(census: Census) -> None:
    clock = new_clock()
    office = _office(census)
    bad = (
        "census_area_code,census_area_name,small_area_no,building_no\n"
        "110101001002,好的社区,001,\n"  # fine on its own
        "110101999002,不存在的乡镇,001,\n"  # township 110101999 does not exist
        "110102001001,别的区县,001,\n"  # outside the county office's jurisdiction
        "110101001002,,01,\n"  # small area number of 2 digits
        "110101001002,好的社区,001,\n"  # duplicate of line 2
        "110101001004,,001,\n"  # a new census area without a name
        "110101001002,,001,12345\n"  # building number too long
    )
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        response = client.post("/api/office/areas/import", content=bad.encode(), headers=CSV_TYPE)
    assert response.status_code == 422 and error_code(response) == "E2022"
    details = response.json()["error"]["details"]
    assert details["count"] == 6
    found = sorted((row["details"]["line"], row["code"]) for row in details["rows"])
    assert found == [
        (3, "E2023"),
        (4, "E2025"),
        (5, "E2024"),
        (6, "E2026"),
        (7, "E2029"),
        (8, "E2028"),
    ]
    assert all(row["message"]["zh"] and row["message"]["en"] for row in details["rows"])
    assert _counts(census) == (0, 0, 0)


def test_unreadable_files_are_refused_whole_and_gb18030_is_accepted(census: Census) -> None:
    clock = new_clock()
    office = _office(census)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        unknown = client.post(
            "/api/office/areas/import",
            content=b"census_area_code,colour\n110101001002,red\n",
            headers=CSV_TYPE,
        )
        assert unknown.status_code == 422 and error_code(unknown) == "E2021"
        binary = client.post(
            "/api/office/areas/import", content=b"\xff\xfe\x00\x81\x00", headers=CSV_TYPE
        )
        assert error_code(binary) == "E2021"
        legacy = "census_area_code,census_area_name\n110101001005,东华门旧编码社区\n"
        accepted = client.post(
            "/api/office/areas/import", content=legacy.encode("gb18030"), headers=CSV_TYPE
        )
        assert accepted.status_code == 200, accepted.text
    with read_transaction(census.engine) as session:
        assert session.get(CensusArea, "110101001005").name == "东华门旧编码社区"  # type: ignore[union-attr]


def test_staff_creation_stays_inside_the_creators_subtree(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    office = _office(census)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        created = client.post(
            "/api/office/staff",
            json={
                "username": "enum.home",
                "role": "enumerator",
                "areas": [HOME_SA],
                "display_name": "测试员甲",
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert is_well_formed(body["badge_no"]) and body["badge_no"].startswith("11E")
        password = body["one_time_password"]
        outside = client.post(
            "/api/office/staff",
            json={"username": "enum.away", "role": "enumerator", "areas": [AWAY_SA]},
        )
        assert outside.status_code == 403 and error_code(outside) == "E2033"
        peer = client.post(
            "/api/office/staff",
            json={"username": "county.peer", "role": "county_office", "areas": [HOME_COUNTY]},
        )
        assert peer.status_code == 403 and error_code(peer) == "E2034"
        taken = client.post(
            "/api/office/staff",
            json={"username": "enum.home", "role": "enumerator", "areas": [HOME_SA]},
        )
        assert taken.status_code == 409 and error_code(taken) == "E2030"
        wrong_width = client.post(
            "/api/office/staff",
            json={"username": "sup.x", "role": "supervisor", "areas": [HOME_SA]},
        )
        assert wrong_width.status_code == 422 and error_code(wrong_width) == "E2032"
        listed = client.get("/api/office/staff").json()
        assert [s["username"] for s in listed["items"]] == ["enum.home"]
        assert listed["items"][0]["name_masked"] == "测***"
    away_enum = add_staff(census, "enum.elsewhere", Role.enumerator, (AWAY_SA,), totp=False)
    with client_for(app_for(census, clock)) as client:
        clock.advance(timedelta(seconds=30))  # a fresh TOTP step for the second sign-in
        sign_in(client, office, clock)
        hidden = client.get(f"/api/office/staff/{away_enum.staff_id}")
        assert hidden.status_code == 404 and error_code(hidden) == "E2035"
        assert client.post(f"/api/office/staff/{away_enum.staff_id}/disable").status_code == 404
        # The new enumerator signs in with the one-time password and must change it.
        client.cookies.clear()
        first = client.post("/api/auth/login", json={"username": "enum.home", "password": password})
        assert first.status_code == 200 and first.json()["must_change_password"] is True


def test_assignments_follow_the_assigners_areas(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    supervisor = add_staff(census, "sup.home", Role.supervisor, (HOME_CA,), totp=False)
    enum = add_staff(census, "enum.a", Role.enumerator, (HOME_SA,), totp=False)
    away_enum = add_staff(census, "enum.b", Role.enumerator, (AWAY_SA,), totp=False)
    office = _office(census)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, supervisor, clock)
        out_of_area = client.post(
            f"/api/office/small-areas/{AWAY_SA}/enumerators", json={"staff_id": enum.staff_id}
        )
        assert out_of_area.status_code == 404 and error_code(out_of_area) == "E2065"
        foreign = client.post(
            f"/api/office/small-areas/{HOME_SA}/enumerators", json={"staff_id": away_enum.staff_id}
        )
        assert foreign.status_code == 404 and error_code(foreign) == "E2035"
        wrong_role = client.post(
            f"/api/office/small-areas/{HOME_SA}/enumerators", json={"staff_id": supervisor.staff_id}
        )
        assert wrong_role.status_code == 422 and error_code(wrong_role) == "E2037"
        # Supervisors steer enumerators; they do not appoint supervisors or create accounts.
        assert client.get("/api/office/staff").status_code == 403
        client.cookies.clear()
        sign_in(client, office, clock)
        new_sup = client.post(
            "/api/office/staff",
            json={"username": "sup.new", "role": "supervisor", "areas": [HOME_CA]},
        ).json()
        assert new_sup["badge_no"].startswith("11S")
        appointed = client.post(
            f"/api/office/census-areas/{HOME_CA}/supervisors",
            json={"staff_id": new_sup["staff_id"]},
        )
        assert appointed.status_code == 200 and appointed.json()["areas"] == [HOME_CA]
        far = client.post(
            f"/api/office/census-areas/{AWAY_CA}/supervisors",
            json={"staff_id": new_sup["staff_id"]},
        )
        assert far.status_code == 404


def test_administrator_and_auditor_cannot_reach_fieldwork_or_write(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    admin = add_staff(census, "sys.admin2", Role.system_admin)
    auditor = add_staff(census, "audit.one", Role.auditor)
    enum = add_staff(census, "enum.c", Role.enumerator, (HOME_SA,), totp=False)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, admin, clock)
        national = client.post(
            "/api/office/staff",
            json={"username": "nbs.office", "role": "national_office", "areas": []},
        )
        assert national.status_code == 201, national.text
        field = client.post(
            "/api/office/staff",
            json={"username": "enum.by.admin", "role": "enumerator", "areas": [HOME_SA]},
        )
        assert field.status_code == 403 and error_code(field) == "E2034"
        assert client.get("/api/office/census-areas").status_code == 403
        assert client.get(f"/api/office/staff/{enum.staff_id}").status_code == 404
        assert "household.read" not in client.get("/api/auth/me").json()["permissions"]
        client.cookies.clear()
        sign_in(client, auditor, clock)
        writes = [
            client.post("/api/office/areas/import", content=GOOD.encode(), headers=CSV_TYPE),
            client.post(
                "/api/office/staff",
                json={"username": "enum.by.auditor", "role": "enumerator", "areas": [HOME_SA]},
            ),
            client.post(f"/api/office/staff/{enum.staff_id}/disable"),
            client.put(f"/api/office/staff/{enum.staff_id}/grants", json={"areas": [HOME_SA]}),
            client.post(
                f"/api/office/small-areas/{HOME_SA}/enumerators", json={"staff_id": enum.staff_id}
            ),
        ]
        assert [w.status_code for w in writes] == [403, 403, 403, 403, 403]
        assert client.get("/api/office/census-areas").status_code == 403
    assert _counts(census) == (2, 3, 0)


def test_badges_stay_unique_when_offices_create_staff_at_the_same_time(census: Census) -> None:
    add_areas(census)
    office = Actor("office", Role.county_office, (HOME_COUNTY,), pledge_accepted=True)
    who = AuditActor("office", "county_office")
    start = threading.Barrier(6)

    def create(n: int) -> str | None:
        start.wait()
        with transaction(census.engine) as session:
            created = staff.create(
                session,
                office,
                census.protector,
                who,
                new_clock().now(),
                "2020",
                staff.StaffCreate(username=f"enum.race{n}", role=Role.enumerator, areas=[HOME_SA]),
            )
        return created.badge_no

    with ThreadPoolExecutor(max_workers=6) as pool:
        badges = list(pool.map(create, range(6)))
    assert len({b for b in badges if b}) == 6 and all(b and is_well_formed(b) for b in badges)


def test_forgotten_password_and_lost_device_are_reset_by_the_office_above(
    census: Census,
) -> None:
    add_areas(census)
    clock = new_clock()
    office = _office(census)
    enum = add_staff(census, "enum.forgot", Role.enumerator, (HOME_SA,), totp=False)
    admin = add_staff(census, "sys.reset", Role.system_admin)
    national = add_staff(census, "nbs.lost", Role.national_office)
    app = app_for(census, clock)
    with client_for(app) as field, client_for(app) as desk:
        sign_in(field, enum, clock)
        sign_in(desk, office, clock)
        reset = desk.post(f"/api/office/staff/{enum.staff_id}/password-reset")
        assert reset.status_code == 200, reset.text
        fresh = reset.json()["one_time_password"]
        assert error_code(field.get("/api/auth/me")) == "E2020"
        old = field.post("/api/auth/login", json={"username": enum.username, "password": PASSWORD})
        assert old.status_code == 401
        new = field.post("/api/auth/login", json={"username": enum.username, "password": fresh})
        assert new.status_code == 200 and new.json()["must_change_password"] is True
        own = desk.post(f"/api/office/staff/{office.staff_id}/password-reset")
        assert own.status_code == 404  # a county office does not manage county offices
        desk.cookies.clear()
        sign_in(desk, admin, clock)
        assert desk.post(f"/api/office/staff/{national.staff_id}/totp-reset").status_code == 204
        # Without a code now, but nothing else until a new device is enrolled.
        after = field.post(
            "/api/auth/login", json={"username": national.username, "password": PASSWORD}
        )
        assert after.status_code == 200 and after.json()["totp_enrolment_required"] is True
        assert error_code(field.get("/api/office/staff")) == "E2015"


def test_building_addresses_are_masked_unless_full_view_is_granted(census: Census) -> None:
    clock = new_clock()
    office = _office(census)
    small = "110101001002001"
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        client.post("/api/office/areas/import", content=GOOD.encode(), headers=CSV_TYPE)
        masked = client.get(f"/api/office/small-areas/{small}/buildings")
        assert masked.status_code == 200, masked.text
        assert masked.json() == [{"building_no": "0012", "address": "北京市东城区****"}]
        assert masked.headers["cache-control"] == "no-store"
        far = client.get(f"/api/office/small-areas/{AWAY_SA}/buildings")
        assert far.status_code == 404
    viewer = add_staff(census, "county.full", Role.county_office, (HOME_COUNTY,))
    with transaction(census.engine) as session:
        access_queries.add_grant(
            session,
            uuid.UUID(viewer.staff_id),
            access_queries.PERMISSION,
            "pi.view_full",
            by="test",
            at=clock.now(),
        )
    with client_for(app_for(census, clock)) as client:
        sign_in(client, viewer, clock)
        full = client.get(f"/api/office/small-areas/{small}/buildings").json()
        assert full[0]["address"] == "北京市东城区测试路甲12号"
    with read_transaction(census.engine) as session:
        reads = [
            e.detail
            for e in session.execute(select(AuditEntry)).scalars()
            if e.action == "buildings.read"
        ]
    assert ['"unmasked":false' in d.replace(" ", "") for d in reads] == [True, False]


def test_only_national_and_provincial_offices_grant_full_view(census: Census) -> None:
    add_areas(census)
    clock = new_clock()
    province = add_staff(census, "prov.bj", Role.provincial_office, ("11",))
    county = _office(census, "county.viewer")
    enum = add_staff(census, "enum.noview", Role.enumerator, (HOME_SA,), totp=False)
    app = app_for(census, clock)
    with client_for(app) as desk, client_for(app) as other:
        sign_in(other, county, clock)
        refused = other.put(
            f"/api/office/staff/{enum.staff_id}/permissions", json={"permissions": ["pi.view_full"]}
        )
        assert refused.status_code == 403
        sign_in(desk, province, clock)
        granted = desk.put(
            f"/api/office/staff/{county.staff_id}/permissions",
            json={"permissions": ["pi.view_full"]},
        )
        assert granted.status_code == 200 and granted.json()["permissions"] == ["pi.view_full"]
        assert error_code(other.get("/api/auth/me")) == "E2020"  # privilege change: sign in again
        clock.advance(timedelta(seconds=30))
        sign_in(other, county, clock)
        assert "pi.view_full" in other.get("/api/auth/me").json()["permissions"]
        to_field = desk.put(
            f"/api/office/staff/{enum.staff_id}/permissions", json={"permissions": ["pi.view_full"]}
        )
        assert to_field.status_code == 422 and error_code(to_field) == "E2032"
        unknown = desk.put(
            f"/api/office/staff/{enum.staff_id}/permissions", json={"permissions": ["keys.manage"]}
        )
        assert unknown.status_code == 422
