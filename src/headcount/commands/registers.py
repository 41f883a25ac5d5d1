"""``headcount registers import hukou|births|deaths FILE``: administrative registers into the store.

Runs as the operator, like ``headcount load``. Exit 0: imported; 1: bad rows, each listed by file,
row, column and code (never the value), nothing written; 2: any other catalogued problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from headcount.commands.output import console, emit_json, err_console, progress_bar
from headcount.commands.store import (
    AsJson,
    DatabaseUrl,
    HeadFile,
    KeyFile,
    guarded,
    opened,
    settings_from,
)
from headcount.store import heads, registers
from headcount.store.register_rows import RegisterRowsInvalid

app = typer.Typer(
    help="Administrative registers (hukou, births, deaths): import, encrypted and audited.",
    no_args_is_help=True,
)


def import_command(
    kind: Annotated[str, typer.Argument(help="register: hukou | births | deaths")],
    file: Annotated[
        Path,
        typer.Argument(help="synth directory, registers_<kind>/ folder, .parquet or .csv"),
    ],
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="records per transaction")
    ] = 1000,
    as_json: AsJson = False,
) -> None:
    """Check every row, then import the register all-or-nothing, names and IDs encrypted."""

    def work() -> registers.ImportReport | RegisterRowsInvalid:
        settings = settings_from(database_url, key_file, head_file)
        with (
            opened(settings) as (engine, protector),
            progress_bar("登记记录 records", quiet=as_json) as tick,
        ):
            try:
                report = registers.import_register(
                    engine,
                    protector,
                    kind,
                    file,
                    wave=settings.census_wave,
                    batch_size=batch_size,
                    progress=tick,
                )
            except RegisterRowsInvalid as bad:
                return bad
        heads.export_current(settings)
        return report

    outcome = guarded(as_json, work)
    if isinstance(outcome, RegisterRowsInvalid):
        _report_rows(outcome, as_json)
        raise typer.Exit(1)
    summary = {
        "kind": outcome.kind,
        "import_id": str(outcome.import_id),
        "file": outcome.file,
        "sha256": outcome.sha256,
        "rows": outcome.rows,
        "batches": outcome.batches,
        "id_status": outcome.id_status,
        "taken_over": outcome.taken_over,
    }
    if as_json:
        emit_json(summary)
    else:
        console.print(
            f"[green]✓[/] 已导入 {outcome.rows} 条 {outcome.kind} 登记记录 / imported "
            f"{outcome.rows} {outcome.kind} register records (ID: {outcome.id_status})"
        )


def _report_rows(error: RegisterRowsInvalid, as_json: bool) -> None:
    """Every faulty cell, then the summary (E1903); values never appear."""
    if as_json:
        emit_json({"error": error.to_dict(), "rows": [p.to_dict() for p in error.rows]})
        return
    for problem in error.rows:
        details = problem.details()
        zh, en = problem.problem.message("zh", **details), problem.problem.message("en", **details)
        err_console.print(f"[red]{problem.problem.code}[/] {escape(zh)} / {escape(en)}")
    err_console.print(f"[bold red]{error.code}[/] {escape(error.message('zh'))}")
    err_console.print(f"      {escape(error.message('en'))}")


app.command("import")(import_command)
