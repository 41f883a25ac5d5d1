"""``retention verify CERT [--backup FILE]``: check a destruction certificate against this
installation, long after the run.

In order, stopping at the first failure: the certificate is this installation's (E2217) and
unchanged (E2218); every shredded scope is recorded as shredded in the key file and no KEK it
names is held by any scope of the key file; its rows are gone where the certificate says they
were deleted; every ciphertext of those scopes left in the database fails to decrypt; each
deleted extract directory is absent; each audit entry it lists is in the log with the same leaf
hash (E2219 names the first claim not borne out). With ``--backup``, a backup is restored into a
temporary SQLite database, its wrapped data keys of the shredded scopes are checked against the
key file's KEKs and every ciphertext of those scopes in it is tried: every one must fail.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from headcount import errors
from headcount.audit.heads import SignedTreeHead
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.retention import certificate
from headcount.store import backup, bootstrap, heads
from headcount.store.models import DataKeyRecord
from headcount.store.protector import Protector
from headcount.store.queries import keys as key_queries
from headcount.store.queries import retention as queries
from headcount.store.session import make_engine, read_transaction


@dataclass(slots=True)
class Verdict:
    run_id: str
    scopes: list[str]
    extracts: int
    audit_entries: int
    ciphertexts_tried: int = 0  # in the database
    backup_ciphertexts_tried: int | None = None  # in the restored backup (None: none given)
    backup_keys_checked: int = 0
    notes: list[str] = field(default_factory=list)


def _refuse(what: str, reason: str) -> HeadcountError:
    return HeadcountError(errors.RETENTION_NOT_DESTROYED, what=what, reason=reason)


def verify(
    engine: Engine, protector: Protector, settings: Settings, path: Path, backup_file: Path | None
) -> Verdict:
    doc = certificate.check(
        certificate.read(path), heads.trusted_public_key(settings), path=str(path)
    )
    actions: list[dict[str, Any]] = list(doc["actions"])
    shredded = [a["target"] for a in actions if a["kind"] == "shred_scope"]
    vault = protector.master
    for action in actions:
        if action["kind"] == "shred_scope":
            scope = action["target"]
            if not vault.is_shredded(scope) or scope in vault.scopes():
                raise _refuse(f"scope {scope}", "the key file still holds its KEK")
            for key in action.get("data_keys", []):
                _kek_absent(protector, key.get("kek_id", ""), f"scope {scope}")
        elif action["kind"] == "delete_extract" and Path(action["target"]).exists():
            raise _refuse(f"extract {action['target']}", "the directory exists")
    with read_transaction(engine) as session:
        for action in actions:
            if action["kind"] == "delete_rows":
                left = queries.deletable(session, action["target"])
                again = {t: left[t] for t in action.get("rows_deleted", {}) if left.get(t)}
                if again:
                    raise _refuse(f"rows of {action['target']}", f"still there: {again}")
        for entry in doc["audit"]["entries"]:
            stored = queries.entry_at(session, int(entry["seq"]))
            if stored is None or bytes(stored.leaf_hash).hex() != entry["leaf_hash"]:
                raise _refuse(f"audit entry {entry['seq']}", "not in the log as certified")
    head = SignedTreeHead.from_json(doc["audit"]["head"])
    if not head.verify(heads.trusted_public_key(settings)):
        raise HeadcountError(errors.RETENTION_CERTIFICATE_TAMPERED)
    verdict = Verdict(
        run_id=str(doc["run_id"]),
        scopes=shredded,
        extracts=sum(1 for a in actions if a["kind"] == "delete_extract"),
        audit_entries=len(doc["audit"]["entries"]),
    )
    verdict.ciphertexts_tried = _all_unreadable(engine, protector, shredded, "the database")
    if backup_file is not None:
        verdict.backup_ciphertexts_tried, verdict.backup_keys_checked = _backup_unreadable(
            settings, backup_file, shredded
        )
    return verdict


def _kek_absent(protector: Protector, kek_hex: str, what: str) -> None:
    """No scope of the key file holds a KEK with this id (not just "marked shredded")."""
    if not kek_hex:
        return
    vault = protector.master
    for scope in vault.scopes():
        try:
            vault.kek(scope, bytes.fromhex(kek_hex))
        except HeadcountError as exc:
            if exc.problem is errors.KEY_UNKNOWN:
                continue
            raise
        raise _refuse(what, f"KEK {kek_hex[:16]} is still in the key file (scope {scope})")


def _all_unreadable(engine: Engine, protector: Protector, scopes: list[str], where: str) -> int:
    """Try every ciphertext sealed under the scopes' data keys; all must fail. Returns how many."""
    tried = 0
    with read_transaction(engine) as session, protector.bound(session):
        key_ids = list(
            session.execute(
                select(DataKeyRecord.key_id).where(DataKeyRecord.scope.in_(scopes))
            ).scalars()
        )
        for model in key_queries.KEYED_MODELS:
            columns = key_queries.encrypted_columns(model)
            for row in session.execute(select(model).where(model.key_id.in_(key_ids))).scalars():
                for column in columns:
                    blob = getattr(row, column)
                    if blob is None:
                        continue
                    tried += 1
                    try:
                        protector.decrypt(
                            bytes(blob),
                            table=model.__tablename__,
                            column=column,
                            row_id=key_queries.row_id(model, row),
                        )
                    except HeadcountError:
                        continue
                    raise _refuse(f"{where}", f"a {model.__tablename__}.{column} was decrypted")
    return tried


def _backup_unreadable(settings: Settings, file: Path, scopes: list[str]) -> tuple[int, int]:
    """Restore the backup into a throw-away SQLite database (with this key file) and try it."""
    with tempfile.TemporaryDirectory(prefix="headcount-retention-") as tmp:
        scratch = settings.model_copy(
            update={
                "database_url": f"sqlite:///{Path(tmp) / 'restored.db'}",
                "audit_head_file": Path(tmp) / "audit-heads.jsonl",
                "audit_signing_key_file": heads.signing_key_path(settings),
            }
        )
        bootstrap.prepare_empty(scratch)
        engine = make_engine(scratch)
        try:
            backup.restore(engine, scratch, file, bootstrap.CLI)
            protector = Protector.open(scratch, engine)
            checked = 0
            with read_transaction(engine) as session:
                for record in key_queries.listing(session):
                    if record.scope in scopes and record.wrapped:
                        kek = crypto.key_id_of(bytes(record.wrapped)).hex()
                        _kek_absent(protector, kek, f"backup {file.name}")
                        checked += 1
            return _all_unreadable(engine, protector, scopes, f"backup {file.name}"), checked
        finally:
            engine.dispose()
