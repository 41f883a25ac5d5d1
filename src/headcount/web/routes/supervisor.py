"""Review API at both levels: supervisors (first level) and county-and-up offices (second)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from headcount.auth.roles import Permission
from headcount.fieldwork import review
from headcount.fieldwork.scope import MAX_PAGE
from headcount.web.deps import (
    ActorDep,
    AuditActorDep,
    CalendarDep,
    ClockDep,
    ProtectorDep,
    SessionDep,
)
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api", tags=["review"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
After = Annotated[str, Query(max_length=40)]
_LEVELS: tuple[tuple[str, review.Level, Permission], ...] = (
    ("/supervisor", "first", Permission.review_first),
    ("/office", "second", Permission.review_second),
)


def _routes(prefix: str, level: review.Level, permission: Permission) -> None:
    @router.get(
        f"{prefix}/reviews",
        response_model=review.ReviewPage,
        openapi_extra=access(permission),
        name=f"pending_{level}",
    )
    def pending(session: SessionDep, actor: ActorDep, after: After = "", limit: Limit = 50) -> Any:
        return review.pending(session, actor, after=after, limit=limit, level=level)

    @router.post(
        f"{prefix}/households/{{household_id}}/review",
        response_model=review.ReviewOut,
        openapi_extra=access(permission),
        name=f"decide_{level}",
    )
    def decide(
        household_id: str,
        body: review.DecisionIn,
        session: SessionDep,
        protector: ProtectorDep,
        actor: ActorDep,
        audit: AuditActorDep,
        clock: ClockDep,
        calendar: CalendarDep,
    ) -> Any:
        return review.decide(
            session,
            protector,
            actor,
            household_id,
            body,
            clock=clock,
            calendar=calendar,
            level=level,
            audit=audit,
        )


for _prefix, _level, _permission in _LEVELS:
    _routes(_prefix, _level, _permission)
