"""Independence of the post-enumeration survey from the census: who may work a sampled area.

Dual-system estimation assumes the survey finds people independently of the census. The service
refuses every grant that breaks it, whoever asks:

* **Separate accounts** (E2207): the survey's enumerators hold the role ``pes_enumerator``, which
  has no census permission; a census account is never given survey work, nor a survey account
  census work, and a census supervisor cannot direct survey staff.
* **Only the sample** (E2200): a survey enumerator is granted sampled small areas only, and not
  before the count has closed (E2165: the sample is secret until then), except by the national
  office that drew it.
* **Not the area's census staff** (E2201, E2202): one person could hold two accounts, so each
  survey enumerator is registered with her name, and a grant is refused when a census enumerator
  of that small area, or a census supervisor of its census area, has the same name (compared
  after Unicode normalisation, spaces and case ignored). The check runs both ways: a census
  grant is refused too when a survey enumerator of the same name already works the area. Names
  are decrypted in memory for the comparison only; the refusal names the role and the area,
  never the person.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from headcount import errors
from headcount.auth.roles import SCOPE_WIDTH, Actor, Role
from headcount.calendar import CensusCalendar
from headcount.errors import HeadcountError
from headcount.store.models import Staff
from headcount.store.protector import Protector
from headcount.store.queries import pes as queries

CENSUS_FIELD = (Role.enumerator, Role.supervisor)


def normalized(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).casefold()


def name_of(protector: Protector, staff: Staff) -> str | None:
    if staff.name_enc is None:
        return None
    return protector.decrypt(staff.name_enc, table="staff", column="name_enc", row_id=str(staff.id))


def check(
    session: Session,
    protector: Protector,
    actor: Actor,
    *,
    role: Role,
    areas: Sequence[str],
    name: str | None,
    now: datetime,
    calendar: CensusCalendar,
    staff_id: str | None = None,
) -> None:
    """Refuse a grant of ``areas`` to an account of ``role`` named ``name`` that breaks the
    survey's independence (see the module docstring). ``staff_id``: the account itself, when it
    exists already (it is not compared with itself)."""
    if role == Role.pes_enumerator:
        _survey_grant(session, protector, actor, areas, name, now, calendar, staff_id)
    elif role in CENSUS_FIELD and name:
        sampled = _sampled_under(session, areas, calendar)
        clash = _same_name(session, protector, sampled, Role.pes_enumerator, name, staff_id)
        if clash is not None:
            raise HeadcountError(errors.PES_NOT_INDEPENDENT, area=clash, census_role=role.value)


def _survey_grant(
    session: Session,
    protector: Protector,
    actor: Actor,
    areas: Sequence[str],
    name: str | None,
    now: datetime,
    calendar: CensusCalendar,
    staff_id: str | None,
) -> None:
    central = SCOPE_WIDTH[actor.role] == 0
    if actor.role in CENSUS_FIELD:
        raise HeadcountError(errors.PES_ROLE_MIXED)
    if not central and now.astimezone(UTC) < calendar.short_form.closes:
        raise HeadcountError(errors.PES_SAMPLE_SECRET)
    for code in areas:
        if not queries.is_sampled(session, calendar.wave, code):
            raise HeadcountError(errors.PES_AREA_NOT_SAMPLED, code=code, wave=calendar.wave)
    if not name or not normalized(name):
        raise HeadcountError(errors.PES_STAFF_NAME_REQUIRED)
    for code in areas:
        for role, codes in ((Role.enumerator, [code]), (Role.supervisor, [code[:12]])):
            if _same_name(session, protector, codes, role, name, staff_id) is not None:
                raise HeadcountError(errors.PES_NOT_INDEPENDENT, area=code, census_role=role.value)


def _sampled_under(session: Session, areas: Sequence[str], calendar: CensusCalendar) -> list[str]:
    """The sampled small areas a census grant reaches (its own; a census area's small areas)."""
    sampled = [a.small_area_code for a in queries.sample_rows(session, calendar.wave)]
    return [s for s in sampled if any(s.startswith(a) for a in areas)]


def _same_name(
    session: Session,
    protector: Protector,
    codes: Sequence[str],
    role: Role,
    name: str,
    staff_id: str | None,
) -> str | None:
    """The area code of an account of ``role`` granted one of ``codes`` with the same name."""
    wanted = normalized(name)
    for staff, code in queries.staff_granted(session, codes, [role.value]):
        if staff_id is not None and str(staff.id) == staff_id:
            continue
        other = name_of(protector, staff)
        if other is not None and normalized(other) == wanted:
            return code
    return None


__all__ = ["CENSUS_FIELD", "check", "name_of", "normalized"]
