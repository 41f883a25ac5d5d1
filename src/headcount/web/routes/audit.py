"""The auditor's API: read the audit trail page by page and verify it (read-only, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import Query

from headcount.audit import reading
from headcount.auth.roles import Permission
from headcount.web.deps import ActorDep, AuditActorDep, SessionDep, SettingsDep
from headcount.web.routes.paging import SequenceCursor
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(prefix="/api/audit", tags=["audit"])


@router.get(
    "/entries", response_model=reading.AuditPage, openapi_extra=access(Permission.audit_read)
)
def list_entries(
    session: SessionDep,
    actor: ActorDep,
    who: AuditActorDep,
    after_seq: SequenceCursor = 0,
    limit: int = Query(100, ge=1, le=reading.MAX_PAGE),
    action: str | None = Query(None, max_length=64),
) -> Any:
    return reading.entries(session, actor, who, after_seq=after_seq, limit=limit, action=action)


@router.get(
    "/verify", response_model=reading.AuditVerdict, openapi_extra=access(Permission.audit_read)
)
def verify(session: SessionDep, actor: ActorDep, who: AuditActorDep, settings: SettingsDep) -> Any:
    return reading.verify(session, actor, who, settings)
