"""Append audit entries in the caller's transaction: the entry commits or fails with the change.

Each entry carries UTC time, actor, role, area, action, object, outcome, request id and IP (L1);
sequence numbers are gapless (taken under a lock, L2); its canonical bytes are the leaf of the
RFC 9162 Merkle tree, and both the bytes and the leaf hash are stored so a verifier can tell an
edited column from a re-hashed forgery. Control characters in any field are encoded (L7).
Entries never carry personal information in clear: objects are row ids, household ids, key ids,
scopes or masked values — the callers pass nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from headcount.audit.merkle import leaf_hash
from headcount.calendar import Clock, SystemClock
from headcount.store.queries import audit as audit_queries

FORMAT_VERSION = 1
FIRST_SEQ = 1  # sequence numbers are 1, 2, 3 … (the Merkle leaf index is seq - 1)
FIELDS = ("actor", "role", "area", "action", "object", "outcome", "request_id", "ip", "detail")
LIMITS = {
    "actor": 128,
    "role": 64,
    "area": 64,
    "action": 64,
    "object": 256,
    "outcome": 32,
    "request_id": 64,
    "ip": 64,
    "detail": 2000,
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff id or a system name (``cli``, ``loader``), never a person's name."""

    id: str
    role: str
    area: str = ""
    request_id: str = ""
    ip: str = ""


SYSTEM = Actor(id="system", role="system")


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str  # dotted verb: household.submit, person.read, keys.rotate, backup.create …
    object: str  # what was touched: an id, a scope, a file name (no PI)
    outcome: str = "success"
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    at: datetime
    leaf_hash: bytes


def encode_field(value: object, limit: int) -> str:
    """Encode CR, LF and every other control or separator character as ``\\uXXXX`` (L7)."""
    text = str(value)
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029) or char == "\\":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    encoded = "".join(out)
    return encoded if len(encoded) <= limit else encoded[: limit - 1] + "…"


def format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(seq: int, at: datetime, fields: Mapping[str, str]) -> bytes:
    """The leaf input: a JSON object with sorted keys, no spaces, UTF-8 (stable across versions)."""
    body: dict[str, object] = {"v": FORMAT_VERSION, "seq": seq, "at": format_time(at)}
    body.update({name: fields[name] for name in FIELDS})
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_fields(actor: Actor, event: AuditEvent) -> dict[str, str]:
    detail = json.dumps(dict(event.detail), ensure_ascii=False, sort_keys=True, default=str)
    raw = {
        "actor": actor.id,
        "role": actor.role,
        "area": actor.area,
        "action": event.action,
        "object": event.object,
        "outcome": event.outcome,
        "request_id": actor.request_id,
        "ip": actor.ip,
        "detail": detail if event.detail else "",
    }
    return {name: encode_field(raw[name], LIMITS[name]) for name in FIELDS}


def append(
    session: Session, actor: Actor, event: AuditEvent, *, clock: Clock | None = None
) -> Appended:
    """Add one entry to the caller's transaction; if the transaction rolls back, so does this."""
    at = (clock or SystemClock()).now().astimezone(UTC)
    fields = entry_fields(actor, event)
    seq = audit_queries.next_seq(session, first=FIRST_SEQ)
    canonical = canonical_bytes(seq, at, fields)
    leaf = leaf_hash(canonical)
    audit_queries.insert_entry(
        session, seq=seq, at=at, fields=fields, canonical=canonical, leaf_hash=leaf
    )
    return Appended(seq=seq, at=at, leaf_hash=leaf)


__all__ = [
    "SYSTEM",
    "Actor",
    "Appended",
    "AuditEvent",
    "append",
    "canonical_bytes",
    "encode_field",
    "entry_fields",
]
