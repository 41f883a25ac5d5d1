"""``headcount retention plan | run | verify``: destruction of original data by rule, certified.

``plan`` is a dry run (any date); ``run`` destroys what is due today — a later ``--at`` only in
demo or development mode (E2215), so a production office cannot destroy data before its date —
and writes the signed certificate; ``verify`` checks a certificate (and, with ``--backup``, that
a backup taken before cannot bring the data back).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from headcount import errors
from headcount.calendar import CST
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
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.retention import run as retention_run
from headcount.retention import schedule as schedules
from headcount.retention import verify as retention_verify
from headcount.retention.plan import describe
from headcount.store import bootstrap, heads

app = typer.Typer(
    help="Retention: destroy original data by rule, with a signed certificate.",
    no_args_is_help=True,
)

ScheduleFile = Annotated[
    Path | None,
    typer.Option("--schedule", help="retention schedule (YAML; default: the shipped 2020 one)"),
]
At = Annotated[
    str | None, typer.Option("--at", help="the date to plan for, YYYY-MM-DD (default: today)")
]


def _today() -> date:
    return datetime.now(CST).date()  # census dates are China time


def _date(text: str | None) -> date:
    if text is None:
        return _today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HeadcountError(errors.SETTING_INVALID, name="--at", reason="YYYY-MM-DD") from None


@app.command("plan")
def plan_command(
    at: At = None,
    schedule_file: ScheduleFile = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Dry run: what the schedule destroys, and when (nothing is changed)."""

    def work() -> dict[str, Any]:
        when = _date(at)
        schedule = schedules.load(schedule_file)
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            return describe(retention_run.make_plan(engine, protector, schedule, when))

    plan = guarded(as_json, work)
    if as_json:
        emit_json(plan)
        return
    for a in plan["actions"]:
        mark = "[red]到期 / due[/]" if a["is_due"] else "[dim]未到期 / later[/]"
        rows = ", ".join(f"{t} {n}" for t, n in a.get("rows", {}).items())
        console.print(f"{a['due']}  {mark}  {a['kind']:<14} {a['target']}  ({a['rule']}) {rows}")
    for kept in plan["kept"]:
        console.print(f"保留 / kept  {kept['scope']}  ({', '.join(kept['classes'])})")
    if not plan["actions"]:
        console.print("没有需要销毁的数据 / nothing to destroy under this schedule")


def _default_out(settings: Settings) -> Path:
    stamp = datetime.now(CST).strftime("%Y%m%dT%H%M%S")
    return heads.head_file_path(settings).parent / "destruction-certificates" / f"{stamp}.json"


@app.command("run")
def run_command(
    at: At = None,
    schedule_file: ScheduleFile = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="certificate file (default: beside the heads)")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Destroy what is due (crypto-shred, rows, extracts), audited; write the certificate."""
    if not yes:
        console.print("[red]不可撤销 / irreversible[/]: 加 --yes 确认 / add --yes to confirm")
        raise typer.Exit(1)

    def work() -> tuple[Path | None, dict[str, Any] | None]:
        settings = settings_from(database_url, key_file, head_file)
        when = _date(at)
        if when > _today() and settings.mode == "production":
            raise HeadcountError(
                errors.RETENTION_RUN_AHEAD, at=when.isoformat(), today=_today().isoformat()
            )
        schedule = schedules.load(schedule_file)
        target = out or _default_out(settings)
        if target.exists():
            raise HeadcountError(
                errors.RETENTION_CERTIFICATE_INVALID, path=str(target), reason="exists"
            )
        with opened(settings) as (engine, protector):
            doc = retention_run.run(engine, protector, settings, schedule, when, bootstrap.CLI)
        if doc is None:
            return None, None
        return retention_run.write(doc, target), doc

    path, doc = guarded(as_json, work)
    if doc is None:
        if as_json:
            emit_json({"certificate": None, "actions": []})
        else:
            console.print("没有到期的数据 / nothing is due")
        return
    summary = {
        "certificate": str(path),
        "run_id": doc["run_id"],
        "actions": [{"kind": a["kind"], "target": a["target"]} for a in doc["actions"]],
        "audit_entries": len(doc["audit"]["entries"]),
    }
    if as_json:
        emit_json(summary)
        return
    for a in doc["actions"]:
        console.print(f"[green]✓[/] {a['kind']:<14} {a['target']}  ({a['rule']})")
    console.print(f"[green]✓[/] 销毁证书 / destruction certificate: {path}")


@app.command("verify")
def verify_command(
    cert: Annotated[Path, typer.Argument(help="a destruction certificate (retention run)")],
    backup_file: Annotated[
        Path | None,
        typer.Option("--backup", help="a backup taken before the run: prove it cannot be read"),
    ] = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Check a certificate: this installation's, unchanged, and every destruction it claims."""

    def work() -> retention_verify.Verdict:
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            return retention_verify.verify(engine, protector, settings, cert, backup_file)

    verdict = guarded(as_json, work)
    result = {
        "ok": True,
        "run_id": verdict.run_id,
        "scopes": verdict.scopes,
        "extracts": verdict.extracts,
        "audit_entries": verdict.audit_entries,
        "ciphertexts_tried": verdict.ciphertexts_tried,
        "backup_ciphertexts_tried": verdict.backup_ciphertexts_tried,
        "backup_keys_checked": verdict.backup_keys_checked,
    }
    if as_json:
        emit_json(result)
        return
    console.print(
        f"[green]✓[/] 证书有效 / certificate verified: {len(verdict.scopes)} scopes, "
        f"{verdict.extracts} extracts, {verdict.audit_entries} audit entries; "
        f"{verdict.ciphertexts_tried} ciphertexts in the database all unreadable"
    )
    if verdict.backup_ciphertexts_tried is not None:
        console.print(
            f"[green]✓[/] 备份不可读 / backup unreadable: {verdict.backup_ciphertexts_tried} "
            f"ciphertexts tried, {verdict.backup_keys_checked} wrapped keys without a KEK"
        )
