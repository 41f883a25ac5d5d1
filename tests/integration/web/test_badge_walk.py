"""Badge numbers cannot be walked, on both databases: the neighbours of a real badge number are
nobody's; the old sequential numbers are re-issued by the migration and answered "replaced"
without a lookup; the check stays rate-limited."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, update

from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Role
from headcount.calendar import FixedClock
from headcount.fieldwork import staff as staff_service
from headcount.fieldwork.badges import (
    is_legacy,
    is_well_formed,
    legacy_badge,
    new_badge,
    normalize_badge,
)
from headcount.store import migrate
from headcount.store.models_access import StaffSecurity
from headcount.store.session import read_transaction, transaction
from headcount.web.routes.public_pages import check_badge
from tests.integration.conftest import Census
from tests.integration.helpers import raw_engine
from tests.integration.web.test_auth_support import (
    HOME_COUNTY,
    HOME_SA,
    add_areas,
    app_for,
    client_for,
    new_clock,
)

AUDIT = AuditActor(id="test", role="test", request_id="", ip="")
_TYPED = string.digits + string.ascii_uppercase


def _enumerators(census: Census, n: int) -> list[str]:
    """``n`` enumerators of one small area, created as a county office creates them."""
    add_areas(census)
    county = Actor("county.test", Role.county_office, (HOME_COUNTY,), frozenset(), True)
    badges = []
    with transaction(census.engine) as session, census.protector.bound(session):
        for i in range(n):
            made = staff_service.create(
                session,
                county,
                census.protector,
                AUDIT,
                datetime.now(UTC),
                census.settings.census_wave,
                staff_service.StaffCreate(
                    username=f"enum.walk.{i:02d}",
                    role=Role.enumerator,
                    areas=[HOME_SA],
                    display_name="测试员",
                ),
            )
            assert made.badge_no is not None
            badges.append(made.badge_no)
    return badges


def _neighbours(badge: str) -> set[str]:
    """Every well-formed number one character away from ``badge`` (its role letter and serial
    part; the check character made to fit): what a walk tries first."""
    text = normalize_badge(badge)
    found = set()
    for i in range(2, len(text) - 1):
        for c in _TYPED:
            if c == text[i]:
                continue
            body = text[:i] + c + text[i + 1 : -1]
            found.update(body + k for k in _TYPED if is_well_formed(body + k))
    return found


def test_the_neighbours_of_a_real_badge_number_are_nobodys(census: Census) -> None:
    badges = _enumerators(census, 6)
    assert len(set(badges)) == 6 and all(is_well_formed(b) for b in badges)
    neighbours = set().union(*(_neighbours(b) for b in badges))
    assert len(neighbours) > 200  # a walk has plenty to try ...
    with transaction(census.engine) as session:
        found = {check_badge(session, census.protector, AUDIT, n).outcome for n in neighbours}
        own = {check_badge(session, census.protector, AUDIT, b).outcome for b in badges}
    assert found == {"not_found"} and own == {"genuine"}  # ... and finds nobody
    clock: FixedClock = new_clock()
    with client_for(app_for(census, clock)) as client:
        genuine = client.get(f"/api/public/badge/{badges[0].lower()}").json()
        assert genuine["outcome"] == "genuine" and genuine["badge"] == badges[0]
        answers = [client.get(f"/api/public/badge/{n}") for n in sorted(neighbours)[:14]]
        codes = [a.status_code for a in answers]
        assert 429 in codes  # still rate-limited per address
        assert {a.json()["outcome"] for a in answers if a.status_code == 200} == {"not_found"}


def test_old_sequential_badges_are_reissued_and_answered_as_replaced(census: Census) -> None:
    badges = _enumerators(census, 2)
    old = [legacy_badge("11", "E", n) for n in (1, 2)]
    with raw_engine(census) as raw:
        with raw.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0006")
        with raw.begin() as conn:
            for before, badge in zip(old, badges, strict=True):
                conn.execute(
                    update(StaffSecurity.__table__)
                    .where(StaffSecurity.__table__.c.badge_no == badge)
                    .values(badge_no=before)
                )
        migrate.upgrade(raw)
    with read_transaction(census.engine) as session:
        rows = session.execute(
            select(StaffSecurity.badge_no, StaffSecurity.legacy_badge_no).where(
                StaffSecurity.legacy_badge_no.is_not(None)
            )
        ).all()
    assert sorted(legacy for _, legacy in rows) == old
    assert all(is_well_formed(str(new)) and str(new) not in badges for new, _ in rows)
    clock: FixedClock = new_clock()
    with client_for(app_for(census, clock)) as client:
        for before, (new, _) in zip(old, rows, strict=False):
            replaced = client.get(f"/api/public/badge/{before}").json()
            assert replaced["outcome"] == "replaced" and replaced["name_masked"] is None
            assert client.get(f"/api/public/badge/{new}").json()["outcome"] == "genuine"
        # An old number never issued reads exactly the same: the old form is not looked up.
        never = client.get(f"/api/public/badge/{legacy_badge('11', 'E', 9_999_999)}").json()
        assert never == {**replaced, "badge": never["badge"]}
        assert is_legacy(never["badge"])
    assert not is_well_formed(legacy_badge("11", "E", 1)) and is_well_formed(new_badge("11", "S"))
