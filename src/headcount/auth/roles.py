"""Roles, permissions and area scopes: deny by default, least privilege, separated duties.

An area code is a prefix path: province (2 digits) ⊂ prefecture (4) ⊂ county (6) ⊂ township (9) ⊂
census area 普查区 (12) ⊂ small area 普查小区 (15). A grant covers its code and everything below it,
so one prefix test answers every scope question (an office's subtree, a supervisor's census areas,
an enumerator's small areas).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from headcount.privacy import masking


class Role(StrEnum):
    national_office = "national_office"
    provincial_office = "provincial_office"
    prefecture_office = "prefecture_office"
    county_office = "county_office"
    supervisor = "supervisor"
    enumerator = "enumerator"
    # 事后质量抽查员: re-enumerates the PES sample, never the census's own staff (issue 13)
    pes_enumerator = "pes_enumerator"
    auditor = "auditor"
    system_admin = "system_admin"


class Permission(StrEnum):
    area_manage = "area.manage"
    staff_manage = "staff.manage"
    assignment_manage = "assignment.manage"
    pre_register = "household.pre_register"
    household_register = "household.register"
    household_read = "household.read"
    self_report_issue = "self_report.issue"
    self_report_confirm = "self_report.confirm"
    review_first = "review.first_level"
    review_second = "review.second_level"
    progress_view = "progress.view"
    sample_draw = "sample.draw"
    export_request = "export.request"
    export_approve = "export.approve"
    pi_view_area = masking.VIEW_AREA  # ID with the county digits, for supervisors and offices
    pi_view_full = masking.VIEW_FULL  # unmasked values; every use is audited
    # Make the de-identified processing extract (decrypts approved households in memory); granted
    # one account at a time to the processing centre, never by role.
    processing_extract = "processing.extract"
    tables_view = "tables.view"  # read the computed tables and charts of the office's subtree
    # Read the quality report of the office's subtree (rates, score histogram; the sample of
    # cases, references to records, only with household.read too: web/quality.py).
    quality_view = "quality.view"
    # Register households of the post-enumeration survey in one's sampled small areas: a record
    # apart from the census's, which the PES enumerator can neither read nor change.
    pes_register = "pes.register"
    audit_read = "audit.read"
    audit_configure = "audit.configure"
    keys_manage = "keys.manage"
    system_operate = "system.operate"


# Width of the area code each role's grants are expressed in; None: not area-scoped.
SCOPE_WIDTH: dict[Role, int | None] = {
    Role.national_office: 0,
    Role.provincial_office: 2,
    Role.prefecture_office: 4,
    Role.county_office: 6,
    Role.supervisor: 12,
    Role.enumerator: 15,
    Role.pes_enumerator: 15,
    Role.auditor: None,
    Role.system_admin: None,
}

_OFFICE = {
    Permission.tables_view,
    Permission.quality_view,
    Permission.progress_view,
    Permission.household_read,
    Permission.pi_view_area,
    Permission.export_request,
}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.national_office: frozenset(
        _OFFICE
        | {
            Permission.area_manage,
            Permission.staff_manage,
            Permission.assignment_manage,
            Permission.sample_draw,
            Permission.export_approve,
            Permission.review_second,
        }
    ),
    Role.provincial_office: frozenset(
        _OFFICE
        | {
            Permission.area_manage,
            Permission.staff_manage,
            Permission.assignment_manage,
            Permission.export_approve,
            Permission.review_second,
        }
    ),
    Role.prefecture_office: frozenset(
        _OFFICE | {Permission.staff_manage, Permission.assignment_manage, Permission.review_second}
    ),
    Role.county_office: frozenset(
        _OFFICE
        | {
            Permission.area_manage,
            Permission.staff_manage,
            Permission.assignment_manage,
            Permission.review_second,
        }
    ),
    Role.supervisor: frozenset(
        {
            Permission.household_read,
            Permission.review_first,
            Permission.progress_view,
            Permission.pi_view_area,
            Permission.assignment_manage,
        }
    ),
    Role.enumerator: frozenset(
        {
            Permission.household_read,
            Permission.household_register,
            Permission.pre_register,
            Permission.self_report_issue,
            Permission.self_report_confirm,
            Permission.progress_view,
        }
    ),
    # Independence of the PES: nothing of the census (no household, register, task or self-report
    # permission), so what the census found in the area cannot steer the re-enumeration.
    Role.pes_enumerator: frozenset({Permission.pes_register}),
    # Separation of duties (三权分立): the auditor reads the trail and changes nothing else; the
    # administrator operates the system and reads neither personal data nor the audit trail.
    Role.auditor: frozenset({Permission.audit_read, Permission.audit_configure}),
    Role.system_admin: frozenset({Permission.keys_manage, Permission.system_operate}),
}

# Permissions that expose personal data; never granted to the auditor or the administrator.
PERSONAL_DATA = frozenset(
    {
        Permission.household_read,
        Permission.household_register,
        Permission.pi_view_area,
        Permission.pi_view_full,
        Permission.review_first,
        Permission.review_second,
        Permission.self_report_confirm,
        Permission.pre_register,
        Permission.processing_extract,
        Permission.pes_register,
    }
)


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in staff member as the services see them."""

    staff_id: str
    role: Role
    areas: tuple[str, ...] = ()  # granted area codes, each of the role's scope width
    extra: frozenset[Permission] = frozenset()  # individually granted, e.g. pi.view_full
    pledge_accepted: bool = False  # 保密承诺书: no personal data before it is signed

    def permissions(self) -> frozenset[Permission]:
        granted = GRANTS[self.role] | self.extra
        if self.role in (Role.auditor, Role.system_admin):
            granted -= PERSONAL_DATA
        if not self.pledge_accepted:
            granted -= PERSONAL_DATA
        return granted

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions()

    def covers(self, area_code: str) -> bool:
        """True when ``area_code`` lies inside one of the actor's granted areas."""
        width = SCOPE_WIDTH[self.role]
        if width is None:
            return False
        if width == 0:
            return True
        return any(area_code.startswith(granted) for granted in self.areas)

    def can(self, permission: Permission, area_code: str | None = None) -> bool:
        """Deny by default: the permission, and — for an area-bound object — the area."""
        if not self.has(permission):
            return False
        return area_code is None or self.covers(area_code)


def validate_grant(role: Role, areas: Iterable[str]) -> list[str]:
    """Problems with granting ``areas`` to ``role`` (empty when fine): width and digits."""
    width = SCOPE_WIDTH[role]
    problems: list[str] = []
    for code in areas:
        if width is None:
            problems.append(f"{role.value} is not area-scoped")
        elif not (code.isascii() and code.isdigit()) or len(code) != width:
            problems.append(f"{role.value} needs {width}-digit area codes")
    return problems
