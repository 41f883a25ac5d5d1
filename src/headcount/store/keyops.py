"""``headcount keys rotate`` and ``headcount keys shred``: key life-cycle over the database rows.

Rotation: a new data key becomes active (old one ``retired``, still decrypts), then the rows on the
retired key are re-encrypted in small batches — each batch its own short transaction, so the census
keeps running — and only when no row uses the retired key is it ``disabled`` (material destroyed).
A rotation interrupted half-way resumes: every run first finishes the scope's retired keys.

Shredding: the scope's KEK leaves the key file (so copies of the wrapped data keys in old backups
become useless), the wrapped keys are erased, the scope's blind indexes cleared; audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from headcount.audit.log import Actor, AuditEvent, append
from headcount.store.protector import Protector
from headcount.store.queries import keys as key_queries
from headcount.store.session import transaction

Progress = Callable[[str, int], None]  # (scope, rows re-encrypted so far)


@dataclass(slots=True)
class RotationReport:
    scope: str
    new_key: str
    reencrypted: int = 0
    disabled: list[str] = field(default_factory=list)


def live_scopes(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return [
            scope
            for scope in key_queries.scopes(session)
            if any(k.state in ("active", "retired") for k in key_queries.listing(session, scope))
        ]


def rotate(
    engine: Engine,
    protector: Protector,
    actor: Actor,
    scope: str,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationReport:
    with transaction(engine) as session, protector.bound(session):
        old = key_queries.active_for(session, scope)
        new_id = protector.keyring.rotate(scope).hex()
        append(
            session,
            actor,
            AuditEvent(
                action="keys.rotate",
                object=scope,
                detail={"new_key": new_id[:16], "old_key": old.key_id[:16] if old else ""},
            ),
        )
    report = RotationReport(scope=scope, new_key=new_id)
    with transaction(engine) as session:
        retired = [k.key_id for k in key_queries.listing(session, scope) if k.state == "retired"]
    for key_id in retired:
        report.reencrypted += _reencrypt_rows(
            engine,
            protector,
            scope,
            key_id,
            batch_size,
            lambda n: progress(scope, n) if progress else None,
            report.reencrypted,
        )
        with transaction(engine) as session, protector.bound(session):
            rows = key_queries.rows_using(session, key_id)
            protector.keyring.disable(bytes.fromhex(key_id), rows_using=rows)
            append(
                session,
                actor,
                AuditEvent(
                    action="keys.disable",
                    object=scope,
                    detail={"key": key_id[:16], "rows_using": rows},
                ),
            )
        report.disabled.append(key_id)
    return report


def _reencrypt_rows(
    engine: Engine,
    protector: Protector,
    scope: str,
    key_id: str,
    batch_size: int,
    tick: Callable[[int], Any],
    base: int,
) -> int:
    done = 0
    for model in key_queries.KEYED_MODELS:
        columns = key_queries.encrypted_columns(model)
        while True:
            with transaction(engine) as session, protector.bound(session):
                rows = key_queries.batch_using(session, model, key_id, batch_size)
                if not rows:
                    break
                active = protector.keyring.active_id(scope)
                assert active is not None, "rotate() left an active key"
                for row in rows:
                    for column in columns:
                        blob = getattr(row, column)
                        if blob is None:
                            continue
                        where = {
                            "table": model.__tablename__,
                            "column": column,
                            "row_id": key_queries.row_id(model, row),
                        }
                        setattr(
                            row,
                            column,
                            protector.cipher.reencrypt(bytes(blob), scope=scope, **where),
                        )
                    row.key_id = active.hex()
                session.flush()
            done += len(rows)
            tick(base + done)
    return done


def shred(engine: Engine, protector: Protector, actor: Actor, scope: str) -> int:
    """Crypto-shred one scope; returns how many data keys were destroyed."""
    with transaction(engine) as session, protector.bound(session):
        # The entry is in the same transaction; the vault change inside shred() is the
        # irreversible step, taken last before commit.
        cleared = key_queries.clear_blind_indexes(session, scope)
        destroyed = protector.keyring.shred(scope)
        append(
            session,
            actor,
            AuditEvent(
                action="keys.shred",
                object=scope,
                detail={"data_keys": destroyed, "blind_indexes_cleared": cleared},
            ),
        )
    return destroyed


def rotate_master(engine: Engine, protector: Protector, actor: Actor, *, rotate_keks: bool) -> int:
    """Re-wrap under a new master key (and, with ``rotate_keks``, new per-scope KEKs); audited.

    Returns how many data keys were re-wrapped (0 unless ``rotate_keks``: routine master
    rotation only re-wraps the KEKs inside the key file)."""
    with transaction(engine) as session, protector.bound(session):
        result = protector.keyring.rotate_master(rotate_keks=rotate_keks)
        append(
            session,
            actor,
            AuditEvent(
                action="keys.rotate_master",
                object=protector.master.key_id[:16],
                detail={
                    "scopes": result.scopes,
                    "keks_rotated": result.keks_rotated,
                    "data_keys_rewrapped": result.deks_rewrapped,
                },
            ),
        )
    return result.deks_rewrapped
