"""``headcount tables``: the standard tables of an extract (docs/processing.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from headcount.commands.output import console, fail
from headcount.errors import HeadcountError


def tables_command(
    source: Annotated[
        Path, typer.Argument(help="the extract (or a headcount synth directory) to tabulate")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="new output directory")],
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="comma-separated: national, province, prefecture, county, township, small_area",
        ),
    ] = "national,province",
    fmt: Annotated[
        str, typer.Option("--format", help="comma-separated: csv, xlsx, parquet")
    ] = "csv,xlsx,parquet",
    engine: Annotated[str, typer.Option("--engine", help="duckdb (spark: later)")] = "duckdb",
    memory_limit: Annotated[
        str, typer.Option("--memory-limit", help="DuckDB's memory bound, e.g. 2GB; spills beyond")
    ] = "2GB",
) -> None:
    """Compute the standard tables and headline figures of an extract at the levels asked.

    Writes OUT/<level>/<table>.<csv|xlsx|parquet> and OUT/tables.json. OUT must be new or
    empty; it is written under a temporary name and renamed, so a failed run leaves nothing.
    Only aggregates are written, never a record.
    """
    from headcount import tables

    try:
        index = tables.build(
            source, out, levels=level, formats=fmt, engine=engine, memory_limit=memory_limit
        )
    except HeadcountError as exc:
        fail(exc)
    figures = index["figures"]
    summary = Table(
        "level",
        "tables",
        "rows",
        title=f"{figures.get('population_total', 0):,} usual residents",
        caption=f"{out} · counting rules {index['counting_rule_version']}",
    )
    for lv in index["levels"]:
        entries = [t for t in index["tables"] if t["level"] == lv]
        summary.add_row(lv, str(len(entries)), f"{sum(t['rows'] for t in entries):,}")
    console.print(summary)
