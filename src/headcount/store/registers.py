"""``headcount registers import KIND FILE``: administrative registers into the store, encrypted.

The hukou register (公安), birth certificates (卫健) and the death register are compared with the
census (比对复查); verification tasks later show a register person's name and address masked,
decrypted from the store at display time. So each register record is stored like a census person:
names, ID numbers and addresses sealed per field under the scope (wave × county) of the record,
the citizen ID also as the census's blind index, codes in clear (models_registers.py).

An import is all-or-nothing:

1. the file is read (a synth directory ``DIR/registers_<kind>/part-*``, that folder itself, or
   one Parquet or CSV file with the synth's column names); every column must be there and no
   other (E1902);
2. **every** row is checked before anything is written; each fault is reported with its file,
   row and column and a numbered code (E1907 empty, E1908 invalid), never with the value; one bad
   row and nothing is written (E1903). A wrong ID number is not a bad row: registers contain
   errors, and the row is kept with its ``id_status`` and the number's first E11xx code; so is a
   birth date whose parts are valid but which does not exist (``birth_date_valid`` false);
3. the import claims the file in ``register_imports`` (one live import per SHA-256: the same file
   again is E1904; record ids already in the register, from any file, E1905);
4. records go in by batches, one short transaction each; readers see only records of
   ``complete`` imports;
5. the last transaction counts the rows, marks the import complete and writes its audit entry.

If anything fails after the claim (database error, interrupt), the import's records are deleted
and the import is marked ``failed`` (audited), so running the same command again starts clean.
A process killed outright leaves an ``importing`` row: it stops moving (``heartbeat_at``) and the
next run of the same file takes it over after ``STALE_AFTER`` (before that: E1906).

Reading and checking the file: register_rows.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.calendar import Clock, SystemClock
from headcount.errors import HeadcountError
from headcount.identity import citizen_id
from headcount.privacy import masking
from headcount.privacy.keys import scope_of
from headcount.store.models_registers import REGISTER_KINDS
from headcount.store.protector import Protector
from headcount.store.queries import registers as queries
from headcount.store.register_rows import (
    LAYOUTS,
    Layout,
    RegisterRowsInvalid,
    RowProblem,
    Source,
    id_status,
    known_counties,
    layout_of,
    read_source,
    real_birth_date,
    validate,
)
from headcount.store.session import transaction

_log = logging.getLogger(__name__)

IMPORTER = Actor(id="registers", role="system_admin")
TABLE = "register_persons"
STALE_AFTER = timedelta(minutes=5)

Progress = Callable[[int, int], None]  # (records written, records in the file)


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: str
    import_id: uuid.UUID
    file: str
    sha256: str
    rows: int
    batches: int
    id_status: dict[str, int] = field(default_factory=dict)
    taken_over: bool = False  # an interrupted import of the same file was cleaned up first


@dataclass(frozen=True, slots=True)
class RegisterRecord:
    """A register record as its reader may see it (personal fields masked unless pi.view_full)."""

    kind: str
    record_id: str
    name: str
    citizen_id: str | None
    mother_citizen_id: str | None
    address: str | None
    id_status: str
    id_issue: str | None
    sex: int
    birth_year: int
    birth_month: int
    birth_day: int | None
    birth_date_valid: bool | None
    ethnic_group: str | None
    hukou_county: str | None
    hukou_township: str | None
    birth_county: str | None
    death_year: int | None
    death_month: int | None


# --- importing ----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def _int(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text is not None else None


def _scope(wave: str, layout: Layout, row: Mapping[str, Any], status: str) -> str:
    """The key scope: wave × the record's county; for deaths (no county column) the county of
    the ID number's address code when it is one, else ``wave:deaths``."""
    if layout.county is not None:
        return scope_of(wave, str(_text(row[layout.county])))
    raw = _text(row[layout.citizen_id])
    if raw is not None and status in ("valid", "flagged"):
        normalized = citizen_id.check(raw, allow_legacy=True).normalized
        if normalized and known_counties([normalized[:6]]):
            return scope_of(wave, normalized[:6])
    return scope_of(wave, "deaths")


def _prepare(
    protector: Protector,
    kind: str,
    layout: Layout,
    row: Mapping[str, Any],
    import_id: uuid.UUID,
    wave: str,
    now: datetime,
) -> dict[str, Any]:
    row_id = uuid.uuid4()
    sex, year, month = _int(row["sex"]), _int(row["birth_year"]), _int(row["birth_month"])
    raw_id = _text(row[layout.citizen_id])
    status, issue = id_status(raw_id, sex=sex, birth_year=year, birth_month=month)
    scope = _scope(wave, layout, row, status)

    def seal(column: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        return protector.encrypt(value, scope=scope, table=TABLE, column=column, row_id=str(row_id))

    name_enc = seal("name_enc", _text(row[layout.name]))
    assert name_enc is not None  # required, checked by validate()
    ethnic = _text(row.get("ethnic_group"))
    return {
        "id": row_id,
        "kind": kind,
        "record_id": str(_text(row["record_id"])),
        "import_id": import_id,
        "scope": scope,
        "key_id": protector.key_hex(name_enc),
        "name_enc": name_enc,
        "citizen_id_enc": seal("citizen_id_enc", raw_id),
        "citizen_id_bidx": protector.citizen_index(raw_id) if status != "invalid" else None,
        "id_status": status,
        "id_issue": issue,
        "mother_citizen_id_enc": seal(
            "mother_citizen_id_enc", _text(row[layout.mother_id]) if layout.mother_id else None
        ),
        "address_enc": seal("address_enc", _text(row[layout.address]) if layout.address else None),
        "sex": sex,
        "birth_year": year,
        "birth_month": month,
        "birth_day": _int(row.get("birth_day")),
        "birth_date_valid": real_birth_date(year, month, _int(row.get("birth_day"))),
        "ethnic_group": ethnic.zfill(2) if ethnic else None,
        "hukou_county": _text(row.get("hukou_county")),
        "hukou_township": _text(row.get("hukou_township")),
        "birth_county": _text(row.get("birth_county")),
        "death_year": _int(row.get("death_year")),
        "death_month": _int(row.get("death_month")),
        "imported_at": now,
    }


def _event(
    kind: str, source: Source, import_id: uuid.UUID, outcome: str, detail: dict[str, Any]
) -> AuditEvent:
    return AuditEvent(
        action="register.import",
        object=f"{kind}:{source.path.name}"[:256],
        outcome=outcome,
        detail={"kind": kind, "import": str(import_id), "sha256": source.sha256[:16], **detail},
    )


def _fail_import(
    session: Session,
    actor: Actor,
    kind: str,
    source: Source,
    import_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> None:
    removed = queries.delete_import_rows(session, import_id)
    queries.finish_import(session, import_id, "failed", now)
    detail = {"reason": reason, "records_removed": removed}
    append(session, actor, _event(kind, source, import_id, "failure", detail))


def _claim(
    engine: Engine,
    actor: Actor,
    kind: str,
    source: Source,
    now: datetime,
    stale_after: timedelta,
) -> tuple[uuid.UUID, bool]:
    """Register the import (state ``importing``); returns its id and whether an interrupted
    import of the same file was cleaned up first."""
    record_ids = [str(_text(v)) for v in source.frame.get_column("record_id").to_list()]
    import_id = uuid.uuid4()
    taken_over = False
    try:
        with transaction(engine) as session:
            live = queries.live_import(session, kind, source.sha256)
            if live is not None and live.state == "complete":
                raise HeadcountError(
                    errors.REGISTER_ALREADY_IMPORTED,
                    kind=kind,
                    at=_when(live.finished_at or live.started_at),
                    sha256=source.sha256[:16],
                )
            if live is not None:
                if now - live.heartbeat_at < stale_after:
                    raise _busy(live.heartbeat_at, stale_after)
                _fail_import(session, actor, kind, source, live.id, "interrupted", now)
                taken_over = True
            present = queries.present_record_ids(session, kind, record_ids)
            if present:
                raise HeadcountError(
                    errors.REGISTER_RECORDS_PRESENT,
                    kind=kind,
                    count=len(present),
                    example=present[0],
                )
            queries.add_import(
                session,
                {
                    "id": import_id,
                    "kind": kind,
                    "file_name": source.path.name[:255],
                    "file_sha256": source.sha256,
                    "rows": source.frame.height,
                    "state": "importing",
                    "actor": actor.id[:64],
                    "actor_role": actor.role[:32],
                    "started_at": now,
                    "heartbeat_at": now,
                    "finished_at": None,
                },
            )
    except IntegrityError:
        # Another process claimed the same file between our look and our insert.
        raise _busy(now, stale_after) from None
    return import_id, taken_over


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _busy(since: datetime, stale_after: timedelta) -> HeadcountError:
    return HeadcountError(
        errors.REGISTER_IMPORT_BUSY,
        since=_when(since),
        retry_after=_when(since + stale_after),
    )


def import_register(
    engine: Engine,
    protector: Protector,
    kind: str,
    path: Path,
    *,
    wave: str = "2020",
    actor: Actor = IMPORTER,
    batch_size: int = 1000,
    progress: Progress | None = None,
    stale_after: timedelta = STALE_AFTER,
    clock: Clock | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import one register file all-or-nothing (see the module docstring)."""
    clock = clock or SystemClock()
    layout = layout_of(kind)
    source = read_source(kind, path)
    problems = validate(kind, source.frame, today=today)
    if problems:
        raise RegisterRowsInvalid(path, problems)
    total = source.frame.height
    import_id, taken_over = _claim(
        engine, actor, kind, source, clock.now().astimezone(UTC), stale_after
    )
    statuses: dict[str, int] = {}
    batches = 0
    try:
        rows = source.frame.drop("_file", "_row")
        for start in range(0, total, batch_size):
            now = clock.now().astimezone(UTC)
            with transaction(engine) as session, protector.bound(session):
                prepared = [
                    _prepare(protector, kind, layout, row, import_id, wave, now)
                    for row in rows.slice(start, batch_size).iter_rows(named=True)
                ]
                queries.insert_persons(session, prepared)
                queries.touch_import(session, import_id, now)
            batches += 1
            for item in prepared:
                statuses[item["id_status"]] = statuses.get(item["id_status"], 0) + 1
            if progress is not None:
                progress(min(start + batch_size, total), total)
        with transaction(engine) as session:
            written = queries.count_of_import(session, import_id)
            if written != total:  # only a concurrent deletion could cause this
                raise HeadcountError(
                    errors.REGISTER_FILE_UNREADABLE,
                    path=path.name,
                    reason=f"{written} of {total} records found after writing",
                )
            queries.finish_import(session, import_id, "complete", clock.now().astimezone(UTC))
            append(
                session,
                actor,
                _event(
                    kind,
                    source,
                    import_id,
                    "success",
                    {
                        "rows": total,
                        "batches": batches,
                        "id_status": dict(sorted(statuses.items())),
                        "taken_over": taken_over,
                    },
                ),
            )
    except BaseException as exc:
        _abandon(engine, actor, kind, source, import_id, exc, clock)
        if isinstance(exc, IntegrityError):
            # A record id arrived from a concurrent import of another file after our check.
            raise HeadcountError(
                errors.REGISTER_RECORDS_PRESENT, kind=kind, count="?", example="-"
            ) from None
        raise
    return ImportReport(
        kind=kind,
        import_id=import_id,
        file=path.name,
        sha256=source.sha256,
        rows=total,
        batches=batches,
        id_status=dict(sorted(statuses.items())),
        taken_over=taken_over,
    )


def _abandon(
    engine: Engine,
    actor: Actor,
    kind: str,
    source: Source,
    import_id: uuid.UUID,
    exc: BaseException,
    clock: Clock,
) -> None:
    """Delete what an import wrote and mark it failed; when even that fails (the database is
    gone), the import stays ``importing`` and the next run takes it over once it is stale."""
    reason = exc.code if isinstance(exc, HeadcountError) else type(exc).__name__
    try:
        with transaction(engine) as session:
            _fail_import(
                session, actor, kind, source, import_id, reason, clock.now().astimezone(UTC)
            )
    except Exception as cleanup:  # the original failure is the one to report
        _log.warning(
            "register import %s left importing: cleanup failed (%s)",
            import_id,
            type(cleanup).__name__,
        )


# --- reading back -------------------------------------------------------------------------------


def read_person(
    session: Session,
    protector: Protector,
    actor: Actor,
    kind: str,
    record_id: str,
    *,
    permissions: Iterable[str] = (),
) -> RegisterRecord:
    """One register record, decrypted and masked to what ``permissions`` allow (pi.view_full:
    in clear); audited as ``register.read``. Records of unfinished imports are not found."""
    layout_of(kind)
    granted = frozenset(permissions)
    row = queries.person(session, kind, record_id)
    if row is None:
        raise HeadcountError(errors.REGISTER_RECORD_NOT_FOUND, kind=kind, record_id=record_id[:40])
    with protector.bound(session):
        append(
            session,
            actor,
            AuditEvent(
                action="register.read",
                object=f"{kind}:{record_id}",
                detail={"full": masking.VIEW_FULL in granted},
            ),
        )

        def opened(column: str, data_class: masking.DataClass) -> str | None:
            blob = getattr(row, column)
            if blob is None:
                return None
            clear = protector.decrypt(blob, table=TABLE, column=column, row_id=str(row.id))
            return masking.mask(clear, data_class, permissions=granted)

        name = opened("name_enc", "name") or ""
        return RegisterRecord(
            kind=row.kind,
            record_id=row.record_id,
            name=name,
            citizen_id=opened("citizen_id_enc", "citizen_id"),
            mother_citizen_id=opened("mother_citizen_id_enc", "citizen_id"),
            address=opened("address_enc", "address"),
            id_status=row.id_status,
            id_issue=row.id_issue,
            sex=row.sex,
            birth_year=row.birth_year,
            birth_month=row.birth_month,
            birth_day=row.birth_day,
            birth_date_valid=row.birth_date_valid,
            ethnic_group=row.ethnic_group,
            hukou_county=row.hukou_county,
            hukou_township=row.hukou_township,
            birth_county=row.birth_county,
            death_year=row.death_year,
            death_month=row.death_month,
        )


def records_with_citizen_id(
    session: Session, protector: Protector, raw: str
) -> list[tuple[str, str]]:
    """(kind, record_id) of the register records with this ID number, found by its blind index
    without decrypting anything; [] for a structurally invalid number."""
    bidx = protector.citizen_index(raw)
    return queries.by_citizen_index(session, bidx) if bidx is not None else []


__all__ = [
    "IMPORTER",
    "LAYOUTS",
    "REGISTER_KINDS",
    "ImportReport",
    "Layout",
    "RegisterRecord",
    "RegisterRowsInvalid",
    "RowProblem",
    "Source",
    "id_status",
    "import_register",
    "layout_of",
    "read_person",
    "read_source",
    "records_with_citizen_id",
    "validate",
]
