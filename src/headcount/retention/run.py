"""The retention job over the store: take the inventory, plan, destroy what is due, certify it.

Each destruction is its own audited step, in this order, so a crash leaves a state the next run
finishes (the plan finds what is left): a scope's crypto-shred (``keyops.shred``: KEK out of the
key file, wrapped keys erased, blind indexes cleared, ``keys.shred`` audited), then its rows
(deleted with a ``retention.delete_rows`` entry in the same transaction), then each extract
directory (renamed out of the way, ``retention.delete_extract`` committed, then removed: an
extract is never gone without its entry). A final ``retention.run`` entry names the schedule and
the run; the signed tree head exported after it covers every entry the certificate lists.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append, flush
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.retention import certificate, extracts
from headcount.retention.plan import (
    DELETABLE,
    Action,
    ExtractFound,
    Inventory,
    Plan,
    ScopeHolding,
    in_wave,
)
from headcount.retention.plan import make_plan as plan_of
from headcount.retention.schedule import Schedule
from headcount.store import heads, keyops
from headcount.store.protector import Protector
from headcount.store.queries import audit as audit_queries
from headcount.store.queries import keys as key_queries
from headcount.store.queries import retention as queries
from headcount.store.session import read_transaction, transaction


def inventory(engine: Engine, protector: Protector, schedule: Schedule) -> Inventory:
    """What exists of the schedule's wave: key scopes with their rows, and the listed extracts."""
    vault = protector.master
    with read_transaction(engine) as session:
        keys: dict[str, list[tuple[str, str]]] = {}
        for record in key_queries.listing(session):
            kek = crypto.key_id_of(bytes(record.wrapped)).hex() if record.wrapped else ""
            keys.setdefault(record.scope, []).append((record.key_id, kek))
        sealed = queries.sealed_by_key(session)
        names = set(keys) | set(vault.scopes()) | queries.scopes_with_rows(session)
        holdings = []
        for scope in sorted(s for s in names if in_wave(s, schedule.wave)):
            tables: dict[str, int] = {}
            for key_id, _ in keys.get(scope, []):
                for table, count in sealed.get(key_id, {}).items():
                    tables[table] = tables.get(table, 0) + count
            holdings.append(
                ScopeHolding(
                    scope,
                    tables,
                    queries.deletable(session, scope),
                    vault.is_shredded(scope),
                    tuple(keys.get(scope, [])),
                )
            )
    found, absent = extracts.listed(schedule)
    return Inventory(tuple(holdings), tuple(found), tuple(absent))


def make_plan(engine: Engine, protector: Protector, schedule: Schedule, at: date) -> Plan:
    return plan_of(schedule, inventory(engine, protector, schedule), at)


def run(
    engine: Engine,
    protector: Protector,
    settings: Settings,
    schedule: Schedule,
    at: date,
    actor: Actor,
) -> dict[str, Any] | None:
    """Destroy what is due at ``at``; the signed certificate, or None when nothing was due."""
    stock = inventory(engine, protector, schedule)
    plan = plan_of(schedule, stock, at)  # raises before anything is touched
    if not plan.due:
        return None
    holdings = {h.scope: h for h in stock.scopes}
    found = {str(e.path): e for e in stock.extracts}
    run_id = str(uuid.uuid4())
    flush(engine)
    with read_transaction(engine) as session:
        start = audit_queries.size(session)
    done = [_apply(engine, protector, actor, run_id, a, holdings, found) for a in plan.due]
    with transaction(engine) as session:
        append(
            session,
            actor,
            AuditEvent(
                "retention.run",
                run_id,
                detail={
                    "schedule": schedule.name,
                    "revision": schedule.revision,
                    "digest": schedule.digest[:16],
                    "as_of": at.isoformat(),
                    "actions": len(done),
                },
            ),
        )
    head = heads.export_current(settings)
    signing = heads.ensure_signing_key(settings)
    with read_transaction(engine) as session:
        entries = [
            {
                "seq": e.seq,
                "action": e.action,
                "object": e.object,
                "leaf_hash": bytes(e.leaf_hash).hex(),
            }
            for e in queries.entries_after(session, start, int(head["size"]))
            if (e.action == "keys.shred" and any(d["target"] == e.object for d in done))
            or (e.action.startswith("retention.") and run_id in (e.object + e.detail))
        ]
    body = {
        "run_id": run_id,
        "installation": {
            "signing_key_id": signing.key_id,
            "database": engine.dialect.name,
        },
        "schedule": {
            "name": schedule.name,
            "revision": schedule.revision,
            "wave": schedule.wave,
            "sha256": schedule.digest,
            "processing_close": schedule.processing_close.isoformat(),
        },
        "as_of": at.isoformat(),
        "executed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "actor": actor.id,
        "actions": done,
        "audit": {"entries": entries, "head": head},
    }
    return certificate.sign(body, signing.private_key)


def _apply(
    engine: Engine,
    protector: Protector,
    actor: Actor,
    run_id: str,
    action: Action,
    holdings: dict[str, ScopeHolding],
    extracts_found: dict[str, ExtractFound],
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": action.kind,
        "target": action.target,
        "rule": action.rule,
        "classes": list(action.classes),
        "due": action.due.isoformat(),
    }
    detail = {"run": run_id, "rule": action.rule}
    if action.kind == "shred_scope":
        keys = holdings[action.target].data_keys
        out["data_keys"] = [{"key_id": k, "kek_id": kek} for k, kek in keys]
        out["data_keys_destroyed"] = keyops.shred(engine, protector, actor, action.target)
    elif action.kind == "delete_rows":
        with transaction(engine) as session:
            tables = tuple(
                t for c in action.classes for t in DELETABLE.get(c, ()) if t in action.rows
            )
            out["rows_deleted"] = queries.delete_rows(session, action.target, tables)
            event = AuditEvent(
                "retention.delete_rows", action.target, detail={**detail, **out["rows_deleted"]}
            )
            append(session, actor, event)
    else:
        found = extracts_found[action.target]
        out.update(manifest_sha256=found.manifest_sha256, files=found.files, bytes=found.bytes)
        _delete_directory(engine, actor, found, detail)
    return out


def _delete_directory(
    engine: Engine, actor: Actor, found: ExtractFound, detail: dict[str, Any]
) -> None:
    aside = found.path.with_name(f".{found.path.name}.deleting-{os.getpid()}")
    os.replace(found.path, aside)  # gone under its name at once; back if the audit fails
    try:
        with transaction(engine) as session:
            event = AuditEvent(
                "retention.delete_extract",
                found.path.name,
                detail={**detail, "manifest_sha256": found.manifest_sha256[:16]},
            )
            append(session, actor, event)
    except BaseException:
        os.replace(aside, found.path)
        raise
    shutil.rmtree(aside)


def write(doc: dict[str, Any], out: Path) -> Path:
    """Write the certificate atomically (temp file, fsync, rename); refuses to overwrite."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise HeadcountError(
            errors.RETENTION_CERTIFICATE_INVALID, path=str(target), reason="exists"
        )
    partial = target.with_name(f".{target.name}.partial")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return target
