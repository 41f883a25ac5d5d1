"""The auditor's view of the audit log: entries page by page, and the verification verdict.

Entries carry no personal information by construction (audit/log.py); the client address is
still shortened (last IPv4 octet or the IPv6 interface part) because the auditor needs the
network, not the device. Every read of the trail is itself recorded in the trail.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.audit.log import AuditEvent, append, sequence_all
from headcount.auth.roles import Actor, Permission
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store import heads
from headcount.store.queries import audit as audit_queries
from headcount.store.queries import audit_pages

MAX_PAGE = 200


class AuditEntryPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str
    area: str
    action: str
    object: str
    outcome: str
    request_id: str
    ip: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_after_seq: int | None  # pass as after_seq for the next page; None at the end


class AuditVerdict(BaseModel):
    ok: bool
    entries: int
    heads_checked: int
    unverified_tail: int
    problem: str | None
    position: int | None
    message: dict[str, str]


def shorten_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return value[:32]
    if address.version == 4:
        return str(ipaddress.ip_network(f"{address}/24", strict=False).network_address) + "/24"
    return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {"raw": text[:200]}
    return value if isinstance(value, dict) else {"value": value}


def entries(
    session: Session,
    actor: Actor,
    who: AuditActor,
    *,
    after_seq: int,
    limit: int,
    action: str | None,
) -> AuditPage:
    if not actor.has(Permission.audit_read):
        raise HeadcountError(errors.FORBIDDEN)
    if not 1 <= limit <= MAX_PAGE:
        raise HeadcountError(errors.PAGE_SIZE_INVALID, max=MAX_PAGE)
    sequence_all(session)  # the auditor sees everything committed before the read
    rows = audit_pages.page(session, after_seq=max(0, after_seq), limit=limit, action=action)
    items = [
        AuditEntryPublic(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            role=row.role,
            area=row.area,
            action=row.action,
            object=row.object,
            outcome=row.outcome,
            request_id=row.request_id,
            ip=shorten_ip(row.ip),
            detail=_detail(row.detail),
        )
        for row in rows
    ]
    append(
        session,
        who,
        AuditEvent(
            "audit.read", "audit_log", detail={"after_seq": after_seq, "returned": len(items)}
        ),
    )
    return AuditPage(items=items, next_after_seq=items[-1].seq if len(items) == limit else None)


def verify(session: Session, actor: Actor, who: AuditActor, settings: Settings) -> AuditVerdict:
    """Check the whole log against the signed heads exported outside the database."""
    if not actor.has(Permission.audit_read):
        raise HeadcountError(errors.FORBIDDEN)
    sequence_all(session)  # the auditor sees everything committed before the read
    verdict = heads.verify_database(session, heads.trusted_heads(settings))
    append(
        session,
        who,
        AuditEvent(
            "audit.verify",
            "audit_log",
            outcome="success" if verdict.ok else "failure",
            detail={"entries": verdict.entries, "size": audit_queries.size(session)},
        ),
    )
    return AuditVerdict(
        ok=verdict.ok,
        entries=verdict.entries,
        heads_checked=verdict.heads_checked,
        unverified_tail=verdict.unverified_tail,
        problem=verdict.problem.code if verdict.problem else None,
        position=verdict.position,
        message={"zh": verdict.message("zh"), "en": verdict.message("en")},
    )
