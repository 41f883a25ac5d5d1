"""Append audit entries in the caller's transaction: the entry commits or fails with the change.

Each entry carries UTC time, actor, role, area, action, object, outcome, request id and IP (L1).
``append`` stages the entry in ``audit_pending`` inside the caller's transaction, without a lock;
``sequence`` (the sequencer: a background thread of the server, and every reader of the log before
it reads) moves committed entries into ``audit_log`` under the audit lock, numbering them without
gaps (L2). Numbering at append time instead held that lock from the append to COMMIT and
serialised every write of the census. An entry's canonical bytes are the leaf of the RFC 9162
Merkle tree, and both the bytes and the leaf hash are stored so a verifier can tell an edited
column from a re-hashed forgery. Control characters in any field are encoded (L7).
Entries never carry personal information in clear: objects are row ids, household ids, key ids,
scopes or masked values — the callers pass nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from headcount.audit.merkle import leaf_hash
from headcount.calendar import Clock, SystemClock
from headcount.store.queries import audit as audit_queries
from headcount.store.session import read_transaction, transaction

FORMAT_VERSION = 1
FIRST_SEQ = 1  # sequence numbers are 1, 2, 3 … (the Merkle leaf index is seq - 1)
BATCH = 2000  # staged entries numbered per sequencer transaction
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
    at: datetime
    fields: Mapping[str, str]


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
    audit_queries.stage(session, at=at, fields=fields)
    return Appended(at=at, fields=fields)


def sequence(session: Session, *, limit: int = BATCH) -> int:
    """Number up to ``limit`` committed staged entries into the log in the caller's transaction
    (which holds the audit lock until it ends); returns how many moved."""
    last = audit_queries.lock_and_last_seq(session)
    rows = audit_queries.pending(session, limit)
    if not rows:
        return 0
    seq = FIRST_SEQ if last is None else last + 1
    entries = []
    for offset, row in enumerate(rows):
        fields = {name: getattr(row, name) for name in FIELDS}
        canonical = canonical_bytes(seq + offset, row.at, fields)
        entries.append(
            {
                "seq": seq + offset,
                "at": row.at,
                "canonical": canonical,
                "leaf_hash": leaf_hash(canonical),
                **fields,
            }
        )
    audit_queries.move(session, entries, [row.id for row in rows])
    return len(rows)


def sequence_all(session: Session) -> int:
    """Number every staged entry this transaction can see (readers call this before reading)."""
    moved = 0
    while (count := sequence(session)) == BATCH:
        moved += count
    return moved + count


def flush(engine: Engine) -> int:
    """Number every entry committed so far (each batch its own short transaction)."""
    moved = 0
    while True:
        with read_transaction(engine) as peek:
            if not audit_queries.has_pending(peek):
                return moved
        with transaction(engine) as session:
            count = sequence(session)
        moved += count
        if count < BATCH:
            return moved


__all__ = [
    "SYSTEM",
    "Actor",
    "Appended",
    "AuditEvent",
    "append",
    "canonical_bytes",
    "encode_field",
    "entry_fields",
    "flush",
    "sequence",
    "sequence_all",
]
