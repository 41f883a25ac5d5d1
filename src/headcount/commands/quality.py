"""``headcount quality``: duplicates, 人户分离 pairs, omissions, register checks of an extract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from headcount.commands.output import console, fail
from headcount.errors import HeadcountError


def quality_command(
    source: Annotated[Path, typer.Argument(help="the processing extract (with its registers)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="new output directory")],
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (spark: issue 15, not available yet)")
    ] = "duckdb",
    memory_limit: Annotated[
        str, typer.Option("--memory-limit", help="DuckDB's memory bound, e.g. 2GB")
    ] = "2GB",
) -> None:
    """Link the census records with each other and with the hukou, birth and death registers.

    The ID pseudonym links first; a Splink model (on DuckDB, encodings only) links what is left.
    Writes OUT/<finding>.parquet (duplicates, double_registration, unlinked_hukou_place,
    omissions, erroneous, discrepancies, review), OUT/model.json and OUT/quality.json. OUT must
    be new or empty; a failed run leaves nothing. Nothing is ever merged or deleted: pairs
    between the two thresholds go to review.
    """
    from headcount.quality import job

    try:
        result = job.run(source, out, engine=engine, memory_limit=memory_limit)
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
