"""``headcount extract``: the de-identified processing extract, from the store or a synthetic
census.

From the store the command needs an operator: a staff account holding ``processing.extract``,
signed in as on the web (password, second factor, lockout, audit), so the extract is attributed to
a person and refused to everyone else — holding the database and the key file is not enough to be
recorded as nobody. The password comes from ``HEADCOUNT_OPERATOR_PASSWORD`` or a hidden prompt.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Permission
from headcount.commands.output import console, emit_json
from headcount.commands.store import (
    AsJson,
    DatabaseUrl,
    HeadFile,
    KeyFile,
    Totp,
    guarded,
    opened,
    settings_from,
)
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy.vault import MasterKey
from headcount.processing.extract import ExtractResult, from_registers, from_synth
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.store import heads
from headcount.store.protector import Protector
from headcount.store.queries import access as access_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import transaction


def operator_actor(
    engine: Engine,
    protector: Protector,
    settings: Settings,
    username: str,
    totp: str | None,
    *,
    purpose: str = "extract",
    permission: Permission = Permission.processing_extract,
) -> Actor:
    """The staff account ``username`` signed in as on the web (password, second factor, lockout,
    audit), holding ``permission`` (E1808 for the extract's, else E2002 otherwise)."""
    from headcount.web import accounts, sessions  # the web sign-in: lockout, 2FA, audit

    password = os.environ.get("HEADCOUNT_OPERATOR_PASSWORD") or typer.prompt(
        "操作员密码 / operator password", hide_input=True
    )
    now = datetime.now(UTC)
    cli = AuditActor(id="cli", role="system", request_id=purpose)
    accounts.login(
        engine, protector, settings, cli, now, username=username, password=password, totp_code=totp
    )
    with transaction(engine) as session:
        staff = staff_queries.by_username(session, username.strip().lower()[:64])
        assert staff is not None
        actor = sessions.actor_for(session, staff.id, staff.role, settings)
        access_queries.end_sessions_of(session, staff.id, now, f"cli_{purpose}_done")
    if not actor.has(permission):
        if permission == Permission.processing_extract:
            raise HeadcountError(errors.EXTRACT_FORBIDDEN, user=username)
        raise HeadcountError(errors.FORBIDDEN)
    return actor


def extract_command(
    out: Annotated[Path, typer.Option("--out", help="new or empty directory for the extract")],
    from_synth_dir: Annotated[
        Path | None,
        typer.Option("--from-synth", help="a synthetic census directory instead of the store"),
    ] = None,
    registers: Annotated[
        Path | None,
        typer.Option(
            "--registers",
            help="directory with registers_hukou/births/deaths (the synthetic census itself)",
        ),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option("--operator", help="staff account holding processing.extract (store only)"),
    ] = None,
    totp: Totp = None,
    registers_only: Annotated[
        bool,
        typer.Option(
            "--registers-only",
            help="only the registers of --registers, an extract of their own (quality --registers)",
        ),
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="processes (synthetic census)")
    ] = 2,
    wave: Annotated[
        str | None, typer.Option("--wave", help="census wave (default: settings)")
    ] = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Write the de-identified processing extract (no clear names, ID numbers or phones)."""

    def work() -> ExtractResult:
        settings = settings_from(database_url, key_file, head_file)
        census_wave = wave or settings.census_wave
        if registers_only:
            if registers is None:
                raise HeadcountError(errors.QUALITY_REGISTERS_ONLY_NEEDS_SOURCE)
            master = MasterKey.load(settings.key_file, mode=settings.mode)
            keys = ProcessingKeys.of_wave(master, census_wave)
            return from_registers(registers, out, keys, wave=census_wave)
        if from_synth_dir is not None:
            master = MasterKey.load(settings.key_file, mode=settings.mode)
            keys = ProcessingKeys.of_wave(master, census_wave)
            return from_synth(
                from_synth_dir, out, keys, wave=census_wave, registers=registers, workers=workers
            )
        if not operator:
            raise HeadcountError(errors.EXTRACT_FORBIDDEN, user="(no --operator)")
        from headcount.processing.extract_store import from_store

        with opened(settings) as (engine, protector):
            signed_in = operator_actor(engine, protector, settings, operator, totp)
            actor = AuditActor(
                id=signed_in.staff_id, role=signed_in.role.value, request_id="extract"
            )
            keys = ProcessingKeys.of_wave(protector.master, census_wave)
            result = from_store(
                engine, protector, actor, out, keys, wave=census_wave, registers=registers
            )
        heads.export_current(settings)
        return result

    result = guarded(as_json, work)
    summary = {
        "out": str(result.out),
        "rows": result.counts(),
        "key_id": result.manifest["key_id"],
        "seconds": round(result.seconds, 2),
    }
    if as_json:
        emit_json(summary)
    else:
        console.print(
            f"[green]✓[/] 已写出处理用提取数据 / extract written: {result.out} "
            f"({result.persons} 人员记录 / person records, {summary['seconds']} s)"
        )
