"""``headcount backup FILE`` / ``headcount restore FILE``: a consistent, portable logical snapshot.

The file is a zip: ``manifest.json`` (format, schema revision, row count per table, the signed
audit tree head of the snapshot) and ``tables/<table>.jsonl`` (one JSON object per row; bytes as
base64, times as ISO 8601 UTC). Personal fields are in it only as the ciphertexts the database
holds, and the key file is deliberately NOT in it: a backup without the vault is unreadable, and
a scope shredded later stays unreadable in every older backup.

The snapshot is one transaction: REPEATABLE READ, READ ONLY on PostgreSQL; on SQLite one read
transaction over the WAL, which sees a single consistent state and lets writers continue.
Restore goes into a fresh, empty database in one transaction, checks every row count and
verifies the whole audit chain against the snapshot's signed head before it commits.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Date, Engine, LargeBinary, Uuid
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append, flush
from headcount.audit.verify import raise_if_bad, verify_entries
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store import heads, migrate
from headcount.store.dialect import Dialect
from headcount.store.models import TABLES_IN_ORDER, Base
from headcount.store.queries import tables as table_queries
from headcount.store.session import READ_ONLY, transaction
from headcount.store.types import UTCDateTime

FORMAT = "headcount-backup"
VERSION = 1
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    rows: dict[str, int]
    audit_size: int


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | uuid.UUID):
        return str(value)
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value["$b64"])
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Uuid):
        return uuid.UUID(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def create(engine: Engine, settings: Settings, path: Path, actor: Actor) -> BackupReport:
    """Write the snapshot to ``path`` (atomically: temp file, fsync, rename)."""
    migrate.require_current(engine)
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    counts: dict[str, int] = {}
    flush(engine)  # the archive's signed head covers every entry committed so far
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn, conn.begin():
        Dialect.of(conn).begin_snapshot(conn)
        # Ciphertexts only, but still nobody else's business: owner-only from the first byte.
        partial.touch(mode=0o600, exist_ok=True)
        partial.chmod(0o600)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in TABLES_IN_ORDER:
                buffer = io.StringIO()
                n = 0
                for mapping in table_queries.iter_rows(conn, table, batch=_BATCH):
                    row = {key: _encode(value) for key, value in mapping.items()}
                    buffer.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                    n += 1
                archive.writestr(f"tables/{table}.jsonl", buffer.getvalue())
                counts[table] = n
            head = heads.sign_current(settings, conn)
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "database": engine.dialect.name,
                "schema_revision": migrate.current_revision(conn),
                "rows": counts,
                "audit_head": head,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    heads.append_head(settings, head)
    with transaction(engine) as session:
        append(
            session,
            actor,
            AuditEvent(
                action="backup.create",
                object=target.name,
                detail={"rows": sum(counts.values()), "audit_size": head["size"]},
            ),
        )
    heads.export_current(settings)
    return BackupReport(target, counts, int(head["size"]))


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except FileNotFoundError:
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(path)) from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise HeadcountError(
            errors.BACKUP_INVALID, path=str(path), reason=type(exc).__name__
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise HeadcountError(errors.BACKUP_INVALID, path=str(path), reason="not a Headcount backup")
    if manifest.get("version") != VERSION:
        raise HeadcountError(
            errors.BACKUP_INVALID,
            path=str(path),
            reason=f"format version {manifest.get('version')}",
        )
    return manifest


def restore(engine: Engine, settings: Settings, path: Path, actor: Actor) -> dict[str, int]:
    """Load a backup into a fresh, migrated, empty database; verify; commit. Returns row counts."""
    manifest = read_manifest(path)
    migrate.require_current(engine)
    if manifest.get("schema_revision") != migrate.head_revision():
        raise HeadcountError(
            errors.BACKUP_INVALID,
            path=str(path),
            reason=f"schema revision {manifest.get('schema_revision')}",
        )
    expected: dict[str, int] = {str(k): int(v) for k, v in manifest["rows"].items()}
    head = manifest.get("audit_head")
    size = int(head["size"]) if isinstance(head, dict) else 0
    known = heads.trusted_heads(settings, [head] if isinstance(head, dict) else [])
    if known and known[-1].size > size:
        # The head file already vouches for a longer log: restoring would silently roll the
        # audit trail back. Restore into a new instance with its own head file instead.
        raise HeadcountError(errors.TREE_HEAD_ROLLBACK, size=size, last=known[-1].size)
    with transaction(engine) as session:
        _require_empty(session)
        with zipfile.ZipFile(path) as archive:
            for table in TABLES_IN_ORDER:
                _insert_table(session, archive, table, path)
        for table in TABLES_IN_ORDER:
            found = table_queries.count(session, table)
            if found != expected.get(table, 0):
                raise HeadcountError(
                    errors.BACKUP_COUNT_MISMATCH,
                    table=table,
                    found=found,
                    expected=expected.get(table, 0),
                )
        raise_if_bad(verify_entries(session, known))
        append(
            session,
            actor,
            AuditEvent(
                action="backup.restore",
                object=Path(path).name,
                detail={"rows": sum(expected.values())},
            ),
        )
    if isinstance(head, dict) and not any(h.size == size for h in heads.trusted_heads(settings)):
        heads.append_head(settings, head)
    heads.export_current(settings)
    return expected


def _require_empty(session: Session) -> None:
    for table in TABLES_IN_ORDER:
        rows = table_queries.count(session, table)
        if rows:
            raise HeadcountError(errors.DATABASE_NOT_EMPTY, table=table, rows=rows)


def _insert_table(session: Session, archive: zipfile.ZipFile, table: str, path: Path) -> None:
    columns = list(Base.metadata.tables[table].columns)
    try:
        lines = archive.read(f"tables/{table}.jsonl").decode("utf-8").splitlines()
    except KeyError:
        raise HeadcountError(
            errors.BACKUP_INVALID, path=str(path), reason=f"no table {table}"
        ) from None
    batch: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            raw = json.loads(line)
            batch.append({c.name: _decode(c, raw.get(c.name)) for c in columns})
        except (ValueError, TypeError, KeyError, AttributeError):
            raise HeadcountError(
                errors.BACKUP_INVALID, path=str(path), reason=f"{table} line {number} unreadable"
            ) from None
        if len(batch) >= _BATCH:
            table_queries.insert_rows(session, table, batch)
            batch = []
    table_queries.insert_rows(session, table, batch)
