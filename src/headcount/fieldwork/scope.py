"""What every fieldwork service needs: the area scope of an Actor, its audit identity, page sizes.

An object outside the actor's areas answers as if it did not exist (404, so existence does not
leak); a missing permission is 403.
"""

from __future__ import annotations

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission
from headcount.errors import HeadcountError, Problem

MAX_PAGE = 200
DEFAULT_PAGE = 50


def audit_actor(actor: Actor, *, request_id: str = "", ip: str = "") -> AuditActor:
    return AuditActor(
        id=actor.staff_id,
        role=actor.role.value,
        area=",".join(actor.areas)[:64],
        request_id=request_id,
        ip=ip,
    )


def prefixes(actor: Actor) -> list[str] | None:
    """Area prefixes the actor covers: None for the whole census, [] for none."""
    width = SCOPE_WIDTH[actor.role]
    if width is None:
        return []
    if width == 0:
        return None
    return list(actor.areas)


def require(
    actor: Actor, permission: Permission, area_code: str, missing: Problem, **details: str
) -> None:
    """403 without the permission; ``missing`` (a 404) when the object lies outside the scope."""
    if not actor.has(permission):
        raise HeadcountError(errors.FORBIDDEN)
    if not actor.covers(area_code):
        raise HeadcountError(missing, **details)


def require_permission(actor: Actor, permission: Permission) -> None:
    if not actor.has(permission):
        raise HeadcountError(errors.FORBIDDEN)


def page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise HeadcountError(errors.REQUEST_INVALID, fields="limit")
    return limit
