from __future__ import annotations

import pytest

from headcount.auth.roles import GRANTS, PERSONAL_DATA, Actor, Permission, Role, validate_grant

SMALL_AREA = "110101001001" + "002"


def test_enumerator_reaches_only_assigned_small_areas() -> None:
    actor = Actor("e1", Role.enumerator, areas=(SMALL_AREA,), pledge_accepted=True)
    assert actor.can(Permission.household_register, SMALL_AREA)
    assert not actor.can(Permission.household_register, "110101001001003")
    assert not actor.can(Permission.review_first, SMALL_AREA)


def test_supervisor_covers_census_areas_and_their_small_areas() -> None:
    actor = Actor("s1", Role.supervisor, areas=("110101001001",), pledge_accepted=True)
    assert actor.can(Permission.review_first, SMALL_AREA)
    assert not actor.can(Permission.review_first, "110101001002001")
    assert not actor.can(Permission.household_register, SMALL_AREA)


def test_office_covers_its_subtree_only() -> None:
    county = Actor("c1", Role.county_office, areas=("110101",), pledge_accepted=True)
    assert county.can(Permission.progress_view, SMALL_AREA)
    assert not county.can(Permission.progress_view, "110102001001001")
    national = Actor("n1", Role.national_office, pledge_accepted=True)
    assert national.can(Permission.sample_draw, SMALL_AREA)


def test_no_personal_data_before_the_pledge() -> None:
    actor = Actor("e1", Role.enumerator, areas=(SMALL_AREA,))
    assert not actor.can(Permission.household_read, SMALL_AREA)
    assert actor.can(Permission.progress_view, SMALL_AREA)


@pytest.mark.parametrize("role", [Role.auditor, Role.system_admin])
def test_separated_duties_never_read_personal_data(role: Role) -> None:
    actor = Actor("x", role, extra=frozenset({Permission.pi_view_full}), pledge_accepted=True)
    assert not (actor.permissions() & PERSONAL_DATA)
    assert not actor.covers(SMALL_AREA)


def test_auditor_cannot_write_and_admin_cannot_audit() -> None:
    assert GRANTS[Role.auditor] <= {Permission.audit_read, Permission.audit_configure}
    assert Permission.audit_read not in GRANTS[Role.system_admin]


def test_full_view_only_by_explicit_grant() -> None:
    assert all(Permission.pi_view_full not in grants for grants in GRANTS.values())
    actor = Actor(
        "c",
        Role.county_office,
        areas=("110101",),
        extra=frozenset({Permission.pi_view_full}),
        pledge_accepted=True,
    )
    assert actor.can(Permission.pi_view_full, SMALL_AREA)


def test_validate_grant_widths() -> None:
    assert validate_grant(Role.enumerator, [SMALL_AREA]) == []
    assert validate_grant(Role.enumerator, ["110101"]) != []
    assert validate_grant(Role.auditor, ["11"]) != []
    assert validate_grant(Role.county_office, ["11010a"]) != []
