"""``headcount keys rotate [--scope S]`` and ``headcount keys shred SCOPE``."""

from __future__ import annotations

from typing import Annotated

import typer

from headcount.commands.output import console, emit_json
from headcount.commands.store import (
    AsJson,
    DatabaseUrl,
    HeadFile,
    KeyFile,
    guarded,
    opened,
    settings_from,
)
from headcount.privacy.scopes import check_scope
from headcount.store import bootstrap, heads, keyops

app = typer.Typer(help="Data keys: rotation and crypto-shredding.", no_args_is_help=True)


@app.command("rotate")
def rotate_command(
    scope: Annotated[
        str | None, typer.Option("--scope", help="one scope (wave:area); default all")
    ] = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="rows per transaction")] = 500,
    master: Annotated[
        bool, typer.Option("--master", help="also re-wrap everything under a new master key")
    ] = False,
    keks: Annotated[
        bool,
        typer.Option(
            "--keks",
            help="with --master: new per-scope KEKs too (older backups "
            "become unreadable; use when the key file may have leaked)",
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """New data key per scope; re-encrypt rows in batches; disable the old key once unused."""

    def work() -> list[keyops.RotationReport]:
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            if master:
                rewrapped = keyops.rotate_master(engine, protector, bootstrap.CLI, rotate_keks=keks)
                if as_json:
                    emit_json({"master_rotated": True, "data_keys_rewrapped": rewrapped})
                else:
                    console.print(
                        f"[green]✓[/] 主密钥已轮换 / master key rotated "
                        f"(re-wrapped {rewrapped} data keys)"
                    )
            scopes = [check_scope(scope)] if scope else keyops.live_scopes(engine)
            reports = [
                keyops.rotate(engine, protector, bootstrap.CLI, s, batch_size=batch_size)
                for s in scopes
            ]
        heads.export_current(settings)
        return reports

    reports = guarded(as_json, work)
    for r in reports:
        row = {
            "scope": r.scope,
            "new_key": r.new_key[:16],
            "reencrypted": r.reencrypted,
            "disabled": [k[:16] for k in r.disabled],
        }
        if as_json:
            emit_json(row)
        else:
            console.print(
                f"[green]✓[/] {r.scope}: 新密钥 / new key {row['new_key']}…, "
                f"重新加密 / re-encrypted {r.reencrypted} rows, "
                f"停用 / disabled {len(r.disabled)}"
            )
    if not reports and not as_json:
        console.print("没有需要轮换的密钥 / no data keys to rotate")


@app.command("shred")
def shred_command(
    scope: Annotated[
        str, typer.Argument(help="the scope to destroy, wave:area (e.g. 2020:110105)")
    ],
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
    as_json: AsJson = False,
) -> None:
    """Crypto-shred a scope: its data becomes unreadable everywhere, backups included. Audited."""
    if not yes:
        console.print("[red]不可撤销 / irreversible[/]: 加 --yes 确认 / add --yes to confirm")
        raise typer.Exit(1)

    def work() -> int:
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            destroyed = keyops.shred(engine, protector, bootstrap.CLI, check_scope(scope))
        heads.export_current(settings)
        return destroyed

    destroyed = guarded(as_json, work)
    if as_json:
        emit_json({"scope": scope, "data_keys_destroyed": destroyed})
    else:
        console.print(f"[green]✓[/] {scope} 已销毁 / shredded ({destroyed} data keys)")
