"""Staff accounts as an office manages them: create, list, disable, re-grant, assign.

Who manages whom: an office manages the roles below its own level inside its own subtree (a county
office creates supervisors and enumerators of its county); the system administrator manages the
office, auditor and administrator accounts and nothing area-bound below them, so it never becomes
a back door to fieldwork (separated duties). An account outside the caller's reach answers 404,
as if it did not exist. A one-time password is returned once and must be changed at first sign-in.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append
from headcount.auth.passwords import hash_password
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission, Role, validate_grant
from headcount.calendar import CENSUS_2020, CensusCalendar
from headcount.errors import HeadcountError
from headcount.fieldwork import pes_staffing
from headcount.fieldwork.badges import BadgeRole, new_badge
from headcount.identity.divisions import divisions
from headcount.privacy.masking import mask_name
from headcount.privacy.scopes import scope_of
from headcount.store.bootstrap import one_time_password
from headcount.store.models import Assignment, Staff
from headcount.store.models_access import StaffSecurity
from headcount.store.protector import Protector
from headcount.store.queries import access as access_queries
from headcount.store.queries import areas as area_queries
from headcount.store.queries import pes as pes_queries
from headcount.store.queries import staff as staff_queries

MAX_PAGE = 200
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_LEVEL = {
    Role.national_office: 0,
    Role.provincial_office: 1,
    Role.prefecture_office: 2,
    Role.county_office: 3,
    Role.supervisor: 4,
    Role.enumerator: 5,
    Role.pes_enumerator: 5,  # created by the offices, like the census's enumerators
}
_ADMIN_MANAGES = frozenset(
    {
        Role.national_office,
        Role.provincial_office,
        Role.prefecture_office,
        Role.county_office,
        Role.auditor,
        Role.system_admin,
    }
)
ENUMERATE = "enumerate"
PES_ENUMERATE = "pes_enumerate"


class StaffCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, examples=["enum.110101001001.01"])
    role: Role
    areas: list[str] = Field(default_factory=list, max_length=200, examples=[["110101001001001"]])
    display_name: str | None = Field(default=None, max_length=50)


class StaffCreated(BaseModel):
    staff_id: str
    username: str
    role: Role
    areas: list[str]
    badge_no: str | None
    one_time_password: str  # shown once; stored only as an argon2id hash


class StaffPublic(BaseModel):
    staff_id: str
    username: str
    role: Role
    areas: list[str]
    badge_no: str | None
    # The old sequential number this badge replaced (migration 0007): its printed card is to be
    # exchanged for one with ``badge_no``.
    legacy_badge_no: str | None = None
    name_masked: str | None
    disabled: bool
    must_change_password: bool
    totp_enrolled: bool
    created_at: datetime


class StaffPage(BaseModel):
    items: list[StaffPublic]
    total: int
    limit: int
    offset: int


def staff_scope(wave: str) -> str:
    return scope_of(wave, "staff")


def manageable_roles(actor: Actor) -> frozenset[Role]:
    if actor.has(Permission.system_operate):
        return _ADMIN_MANAGES
    if actor.has(Permission.staff_manage) and actor.role in _LEVEL:
        own = _LEVEL[actor.role]
        return frozenset(role for role, level in _LEVEL.items() if level > own)
    return frozenset()


def _require_manager(actor: Actor) -> frozenset[Role]:
    roles = manageable_roles(actor)
    if not roles:
        raise HeadcountError(errors.FORBIDDEN)
    return roles


def _area_scoped_manager(actor: Actor) -> bool:
    return not actor.has(Permission.system_operate)


def check_areas(session: Session, actor: Actor, role: Role, areas: list[str]) -> list[str]:
    """Validated, de-duplicated grants for ``role``; raises on the first problem."""
    codes = sorted(set(areas))
    width = SCOPE_WIDTH[role]
    problems = validate_grant(role, codes)
    if problems:
        raise HeadcountError(errors.GRANT_INVALID, reason=problems[0])
    if width not in (None, 0) and not codes:
        raise HeadcountError(errors.GRANT_INVALID, reason=f"{role.value} needs at least one area")
    for code in codes:
        if _area_scoped_manager(actor) and not actor.covers(code):
            raise HeadcountError(errors.GRANT_OUTSIDE_SCOPE, code=code)
        if width == 12:
            known = area_queries.census_area(session, code) is not None
        elif width == 15:
            known = area_queries.small_area(session, code) is not None
        else:
            known = divisions().get(code) is not None
        if not known:
            raise HeadcountError(errors.AREA_NOT_FOUND, code=code)
    return codes


def _areas_of(session: Session, staff_id: uuid.UUID) -> list[str]:
    return [
        g.value
        for g in access_queries.grants_of(session, staff_id)
        if g.kind == access_queries.AREA
    ]


def _reachable(session: Session, actor: Actor, staff: Staff | None) -> Staff:
    """The account if the caller may manage it; otherwise 404 (existence does not leak)."""
    if staff is None or Role(staff.role) not in manageable_roles(actor):
        raise HeadcountError(errors.STAFF_NOT_FOUND)
    if _area_scoped_manager(actor):
        areas = _areas_of(session, staff.id)
        if not areas or not all(actor.covers(code) for code in areas):
            raise HeadcountError(errors.STAFF_NOT_FOUND)
    return staff


def get_reachable(session: Session, actor: Actor, staff_id: str) -> Staff:
    _require_manager(actor)
    try:
        key = uuid.UUID(staff_id)
    except ValueError:
        raise HeadcountError(errors.STAFF_NOT_FOUND) from None
    return _reachable(session, actor, staff_queries.by_id(session, key))


_BADGE_LETTERS: dict[Role, BadgeRole] = {
    Role.enumerator: "E",
    Role.supervisor: "S",
    Role.pes_enumerator: "P",
}


def _badge(role: Role, areas: list[str]) -> str | None:
    letter = _BADGE_LETTERS.get(role)
    if letter is None:
        return None
    return new_badge(areas[0][:2], letter)


def _assign_badge(session: Session, security: StaffSecurity, role: Role, areas: list[str]) -> None:
    """A random badge number of the province (fieldwork.badges: not guessable, so the public
    check cannot be walked). Two alike are practically impossible; the UNIQUE constraint and a
    new draw stay as the last line of defence."""
    for _ in range(5):
        badge = _badge(role, areas)
        if badge is None:
            return
        try:
            with session.begin_nested():
                security.badge_no = badge
                session.flush()
            return
        except IntegrityError:
            continue
    raise HeadcountError(errors.WRITE_CONFLICT, reason="badge number")


def masked_name(protector: Protector, staff: Staff) -> str | None:
    if staff.name_enc is None:
        return None
    name = protector.decrypt(staff.name_enc, table="staff", column="name_enc", row_id=str(staff.id))
    return mask_name(name)


def public(session: Session, protector: Protector, staff: Staff) -> StaffPublic:
    security = access_queries.security_of(session, staff.id)
    return StaffPublic(
        staff_id=str(staff.id),
        username=staff.username,
        role=Role(staff.role),
        areas=_areas_of(session, staff.id),
        badge_no=security.badge_no if security else None,
        legacy_badge_no=security.legacy_badge_no if security else None,
        name_masked=masked_name(protector, staff),
        disabled=staff.disabled,
        must_change_password=staff.must_change_password,
        totp_enrolled=security is not None and security.totp_confirmed_at is not None,
        created_at=staff.created_at,
    )


def create(
    session: Session,
    actor: Actor,
    protector: Protector,
    who: AuditActor,
    now: datetime,
    wave: str,
    data: StaffCreate,
    *,
    calendar: CensusCalendar = CENSUS_2020,
) -> StaffCreated:
    roles = _require_manager(actor)
    if data.role not in roles:
        raise HeadcountError(errors.ROLE_NOT_CREATABLE, role=data.role.value)
    username = data.username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise HeadcountError(errors.USERNAME_INVALID)
    if staff_queries.by_username(session, username) is not None:
        raise HeadcountError(errors.USERNAME_TAKEN, username=username)
    areas = check_areas(session, actor, data.role, data.areas)
    pes_staffing.check(
        session,
        protector,
        actor,
        role=data.role,
        areas=areas,
        name=data.display_name,
        now=now,
        calendar=calendar,
    )
    password = one_time_password()
    staff_id = uuid.uuid4()
    staff = Staff(
        id=staff_id,
        username=username,
        password_hash=hash_password(password),
        role=data.role.value,
        area_code=areas[0] if areas else None,
        must_change_password=True,
        disabled=False,
        created_at=now,
    )
    if data.display_name:
        blob = protector.encrypt(
            data.display_name.strip(),
            scope=staff_scope(wave),
            table="staff",
            column="name_enc",
            row_id=str(staff_id),
        )
        staff.name_enc = blob
        staff.key_id = protector.key_hex(blob)
    staff_queries.add(session, staff)
    access_queries.replace_grants(
        session, staff_id, access_queries.AREA, areas, by=actor.staff_id, at=now
    )
    security = access_queries.ensure_security(session, staff_id, created_by=actor.staff_id)
    _assign_badge(session, security, data.role, areas)
    append(
        session,
        who,
        AuditEvent(
            "staff.create",
            str(staff_id),
            detail={"role": data.role.value, "areas": areas[:20], "badge": security.badge_no},
        ),
    )
    return StaffCreated(
        staff_id=str(staff_id),
        username=username,
        role=data.role,
        areas=areas,
        badge_no=security.badge_no,
        one_time_password=password,
    )


def page(
    session: Session, actor: Actor, protector: Protector, *, limit: int, offset: int
) -> StaffPage:
    roles = _require_manager(actor)
    if not 1 <= limit <= MAX_PAGE:
        raise HeadcountError(errors.PAGE_SIZE_INVALID, max=MAX_PAGE)
    prefixes = list(actor.areas) if _area_scoped_manager(actor) else None
    if prefixes is not None and SCOPE_WIDTH[actor.role] == 0:
        prefixes = [""]  # the national office's subtree is the whole country
    rows, total = staff_queries.page_in_scope(
        session,
        prefixes=prefixes,
        roles=sorted(r.value for r in roles),
        limit=limit,
        offset=max(0, offset),
    )
    return StaffPage(
        items=[public(session, protector, s) for s in rows], total=total, limit=limit, offset=offset
    )


def disable(session: Session, actor: Actor, who: AuditActor, now: datetime, staff_id: str) -> None:
    staff = get_reachable(session, actor, staff_id)
    if str(staff.id) == actor.staff_id:
        raise HeadcountError(errors.STAFF_DISABLED_SELF)
    staff.disabled = True
    access_queries.ensure_security(session, staff.id, created_by=actor.staff_id).disabled_at = now
    ended = access_queries.end_sessions_of(session, staff.id, now, "disabled")
    append(session, who, AuditEvent("staff.disable", str(staff.id), detail={"sessions": ended}))


def regrant(
    session: Session,
    actor: Actor,
    who: AuditActor,
    now: datetime,
    staff_id: str,
    areas: list[str],
    *,
    protector: Protector | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> list[str]:
    """Replace an account's areas; its sessions end, so the change holds from the next request.
    Grants of the survey's staff, or census grants reaching a sampled area, need ``protector``
    for the independence check (``pes_staffing``)."""
    staff = get_reachable(session, actor, staff_id)
    codes = check_areas(session, actor, Role(staff.role), areas)
    _independent(session, protector, actor, staff, codes, now, calendar)
    access_queries.replace_grants(
        session, staff.id, access_queries.AREA, codes, by=actor.staff_id, at=now
    )
    staff.area_code = codes[0] if codes else None
    ended = access_queries.end_sessions_of(session, staff.id, now, "grants_changed")
    append(
        session,
        who,
        AuditEvent("staff.grants", str(staff.id), detail={"areas": codes[:20], "sessions": ended}),
    )
    return codes


def assign(
    session: Session,
    actor: Actor,
    who: AuditActor,
    now: datetime,
    *,
    area_code: str,
    width: int,
    staff_id: str,
    protector: Protector | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> list[str]:
    """Give an enumerator a small area (15 digits) or a supervisor a census area (12 digits); a
    survey enumerator a sampled small area (checked by ``pes_staffing``; not by a supervisor)."""
    if not actor.has(Permission.assignment_manage):
        raise HeadcountError(errors.FORBIDDEN)
    known = len(area_code) == width and (
        area_queries.small_area(session, area_code) is not None
        if width == 15
        else area_queries.census_area(session, area_code) is not None
    )
    if not known or not actor.covers(area_code):
        raise HeadcountError(errors.AREA_NOT_FOUND, code=area_code[:16])
    try:
        target = staff_queries.by_id(session, uuid.UUID(staff_id))
    except ValueError:
        target = None
    if target is None or target.disabled:
        raise HeadcountError(errors.STAFF_NOT_FOUND)
    role = Role(target.role)
    wanted = Role.enumerator if width == 15 else Role.supervisor
    if role == Role.pes_enumerator and (width != 15 or actor.role == Role.supervisor):
        raise HeadcountError(errors.PES_ROLE_MIXED)
    if role != wanted and role != Role.pes_enumerator:
        raise HeadcountError(
            errors.ASSIGNMENT_INVALID, reason=f"this area takes a {wanted.value}, not {role.value}"
        )
    current = _areas_of(session, target.id)
    # A supervisor may assign only enumerators already working inside her census areas.
    if actor.role == Role.supervisor and not all(actor.covers(c) for c in current):
        raise HeadcountError(errors.STAFF_NOT_FOUND)
    if actor.role != Role.supervisor:
        _reachable(session, actor, target)
    _independent(session, protector, actor, target, [area_code], now, calendar)
    added = access_queries.add_grant(
        session, target.id, access_queries.AREA, area_code, by=actor.staff_id, at=now
    )
    if width == 15 and added:
        session.add(
            Assignment(
                id=uuid.uuid4(),
                staff_id=target.id,
                small_area_code=area_code,
                duty=PES_ENUMERATE if role == Role.pes_enumerator else ENUMERATE,
                created_at=now,
            )
        )
        session.flush()
    if added:
        append(
            session,
            who,
            AuditEvent("staff.assign", str(target.id), detail={"area": area_code}),
        )
    return sorted({*current, area_code})


def _independent(
    session: Session,
    protector: Protector | None,
    actor: Actor,
    staff: Staff,
    codes: list[str],
    now: datetime,
    calendar: CensusCalendar,
) -> None:
    """The survey's independence rule for a grant to an existing account (``pes_staffing``)."""
    role = Role(staff.role)
    if role != Role.pes_enumerator and role not in pes_staffing.CENSUS_FIELD:
        return
    if protector is None:  # a caller that cannot decrypt names cannot check them
        if role == Role.pes_enumerator or pes_queries.sample_rows(session, calendar.wave):
            raise HeadcountError(errors.PES_STAFF_NAME_REQUIRED)
        return
    pes_staffing.check(
        session,
        protector,
        actor,
        role=role,
        areas=codes,
        name=pes_staffing.name_of(protector, staff),
        now=now,
        calendar=calendar,
        staff_id=str(staff.id),
    )


class PasswordReset(BaseModel):
    staff_id: str
    one_time_password: str  # shown once; the account must change it at its next sign-in


def reset_password(
    session: Session, actor: Actor, who: AuditActor, now: datetime, staff_id: str
) -> PasswordReset:
    """A new one-time password for a forgotten one. The second factor stays as it is, so a
    reset never signs anyone in on its own (A5); every session of the account ends."""
    staff = _grant_target(session, actor, staff_id)
    if str(staff.id) == actor.staff_id:
        raise HeadcountError(errors.FORBIDDEN)  # one's own password changes with the current one
    password = one_time_password()
    staff.password_hash = hash_password(password)
    staff.must_change_password = True
    ended = access_queries.end_sessions_of(session, staff.id, now, "password_reset")
    append(
        session, who, AuditEvent("staff.password_reset", str(staff.id), detail={"sessions": ended})
    )
    return PasswordReset(staff_id=str(staff.id), one_time_password=password)


def reset_second_factor(
    session: Session, actor: Actor, who: AuditActor, now: datetime, staff_id: str
) -> None:
    """Forget a lost device's seed; the account enrols again at its next sign-in."""
    staff = _grant_target(session, actor, staff_id)
    if str(staff.id) == actor.staff_id:
        raise HeadcountError(errors.FORBIDDEN)
    security = access_queries.ensure_security(session, staff.id, created_by=actor.staff_id)
    security.totp_secret_enc = None
    security.totp_confirmed_at = None
    security.totp_last_step = None
    ended = access_queries.end_sessions_of(session, staff.id, now, "totp_reset")
    append(session, who, AuditEvent("staff.totp_reset", str(staff.id), detail={"sessions": ended}))


# Individually grantable permissions, who may grant them, and to which roles.
_GRANTORS = frozenset({Role.national_office, Role.provincial_office})
# Individually grantable permissions → the roles that may hold them, and who may grant them.
GRANTABLE: dict[Permission, tuple[frozenset[Role], frozenset[Role]]] = {
    Permission.pi_view_full: (
        frozenset(
            {Role.provincial_office, Role.prefecture_office, Role.county_office, Role.supervisor}
        ),
        _GRANTORS,
    ),
    Permission.processing_extract: (
        frozenset({Role.national_office}),
        frozenset({Role.national_office}),
    ),
}


def _grant_target(session: Session, actor: Actor, staff_id: str) -> Staff:
    """An account below the actor, or — for the national office only — a national peer: the
    processing centre's accounts are national, and only the national office may let one of them
    make extracts (which permissions a peer may receive is checked against GRANTABLE)."""
    try:
        return get_reachable(session, actor, staff_id)
    except HeadcountError as exc:
        if exc.problem is not errors.STAFF_NOT_FOUND or actor.role != Role.national_office:
            raise
        with contextlib.suppress(ValueError):
            peer = staff_queries.by_id(session, uuid.UUID(staff_id))
            if peer is not None and peer.role == Role.national_office.value:
                return peer
        raise


def set_extra_permissions(
    session: Session,
    actor: Actor,
    who: AuditActor,
    now: datetime,
    staff_id: str,
    permissions: list[Permission],
) -> list[str]:
    """Replace an account's individually granted permissions (full view of personal data; making
    the processing extract). Only national and provincial offices decide this, for accounts in
    their reach and never for themselves; the account's sessions end so the change holds from its
    next request."""
    if actor.role not in _GRANTORS or not actor.has(Permission.staff_manage):
        raise HeadcountError(errors.FORBIDDEN)
    staff = _grant_target(session, actor, staff_id)
    if str(staff.id) == actor.staff_id:
        raise HeadcountError(errors.FORBIDDEN)
    wanted = sorted({p.value for p in permissions})
    for value in wanted:
        holders, grantors = GRANTABLE.get(Permission(value), (frozenset(), frozenset()))
        if Role(staff.role) not in holders or actor.role not in grantors:
            raise HeadcountError(
                errors.GRANT_INVALID, reason=f"{value} cannot be granted to {staff.role}"
            )
    access_queries.replace_grants(
        session, staff.id, access_queries.PERMISSION, wanted, by=actor.staff_id, at=now
    )
    ended = access_queries.end_sessions_of(session, staff.id, now, "grants_changed")
    append(
        session,
        who,
        AuditEvent(
            "staff.permissions", str(staff.id), detail={"permissions": wanted, "sessions": ended}
        ),
    )
    return wanted
