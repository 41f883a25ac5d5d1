"""``headcount quality``: duplicates, 人户分离 pairs, omissions, register checks of an extract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, fail
from headcount.commands.store import DatabaseUrl, HeadFile, KeyFile, Totp, opened, settings_from
from headcount.errors import HeadcountError


def _check_tasks_possible(source: Path, operator: str | None) -> None:
    """Before any work: tasks need an operator and an extract of the store."""
    from headcount.processing.layout import open_extract

    if not operator:
        raise HeadcountError(errors.EXTRACT_FORBIDDEN, user="(no --operator)")
    origin = open_extract(source, verify=False).manifest.get("source") or {}
    if origin.get("kind") != "store":
        raise HeadcountError(
            errors.VERIFY_SOURCE_NOT_STORE,
            path=str(source),
            reason=f"the extract's source is {origin.get('kind', '?')}, not the store",
        )


def _open_tasks(
    out: Path,
    operator: str,
    totp: str | None,
    settings_args: tuple[str | None, Path | None, Path | None],
) -> dict[str, int]:
    """The findings of ``out`` as verification tasks in the store its extract came from."""
    from headcount.commands.extract import operator_actor
    from headcount.fieldwork import verification
    from headcount.quality import field
    from headcount.store import heads
    from headcount.store.session import transaction

    findings = field.for_field(out)
    run = str(field.summary(out)["source"]["digest"])
    settings = settings_from(*settings_args)
    with opened(settings) as (engine, protector):
        actor = operator_actor(engine, protector, settings, operator, totp, purpose="quality")
        with transaction(engine) as session:
            opened_counts = verification.open_tasks(session, actor, findings, run=run)
    heads.export_current(settings)
    return opened_counts


def quality_command(
    source: Annotated[Path, typer.Argument(help="the processing extract (with its registers)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="new output directory")],
    registers: Annotated[
        Path | None,
        typer.Option(
            "--registers",
            help="the registers as an extract of their own (extract --registers-only), same key",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (spark: issue 15, not available yet)")
    ] = "duckdb",
    memory_limit: Annotated[
        str, typer.Option("--memory-limit", help="DuckDB's memory bound, e.g. 2GB (spills beyond)")
    ] = "600MB",
    tasks: Annotated[
        bool,
        typer.Option(
            "--tasks",
            help="send the findings to the field as verification tasks (extract of the store)",
        ),
    ] = False,
    operator: Annotated[
        str | None,
        typer.Option("--operator", help="with --tasks: staff account holding processing.extract"),
    ] = None,
    totp: Totp = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
) -> None:
    """Link the census records with each other and with the hukou, birth and death registers.

    The ID pseudonym links first; a Splink model (on DuckDB, encodings only) links what is left.
    Writes OUT/<finding>.parquet (duplicates, double_registration, unlinked_hukou_place,
    omissions, erroneous, discrepancies, review), OUT/model.json and OUT/quality.json. OUT must
    be new or empty; a failed run leaves nothing. Nothing is ever merged or deleted: pairs
    between the two thresholds go to review.

    With --tasks (an extract of the store, and an operator), each suspected omission, duplicate
    copy, death before the standard time point and discrepancy becomes a verification task for
    the enumerators of the small area concerned; one already sent is not sent again. The answers
    reach the next extract, the next run and the counts.
    """
    from headcount.quality import job

    opened_tasks: dict[str, int] | None = None
    try:
        if tasks:
            _check_tasks_possible(source, operator)
        result = job.run(source, out, engine=engine, memory_limit=memory_limit, registers=registers)
        if tasks and operator:
            opened_tasks = _open_tasks(out, operator, totp, (database_url, key_file, head_file))
    except HeadcountError as exc:
        fail(exc)
    summary = result.summary
    table = Table(
        "finding",
        "rows",
        title=f"{summary['records']:,} records · {summary['leftovers']:,} without a valid ID",
        caption=f"{out} · thresholds {summary['thresholds']['lower']}–"
        f"{summary['thresholds']['upper']} · {summary['timings']['total_s']:.1f} s",
    )
    for kind, rows in summary["counts"].items():
        table.add_row(kind, f"{rows:,}")
    console.print(table)
    if opened_tasks is not None:
        sent = ", ".join(f"{kind} {n:,}" for kind, n in opened_tasks.items())
        console.print(f"[green]✓[/] 核查任务已下发 / verification tasks opened: {sent}")
