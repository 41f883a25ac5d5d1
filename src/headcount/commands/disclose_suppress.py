"""``headcount disclose suppress``: secondary cell suppression safe against recalculation.

    headcount disclose suppress TABLES --out DIR [--method heuristic|optimal] [--min-cell 3]
                                [--tables all] [--levels all] [--sensitive default]
                                [--attribute-levels township,small_area] [--time-limit 60]
                                [--format csv,parquet] [--report REPORT.json] [--json]

Writes DIR (new or empty): every count table of TABLES in long form (``geocode``, one column per
dimension, ``count`` empty where suppressed, ``status``), margins as ``total`` rows, and a
``tables.json`` that ``disclose check`` and ``publish`` read. Exit status 0 when written (the
recalculation attack found nothing); 2 on bad input or when no safe pattern exists (E2150, E2151,
E2152, E2155, E2156, E2180–E2188), with nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from headcount import errors
from headcount.commands.disclose import AttributeLevels, Sensitive, _write_report, parse_levels
from headcount.commands.output import console, emit_json, fail
from headcount.errors import HeadcountError

__all__ = ["suppress_command"]


def _formats(text: str) -> tuple[str, ...]:
    from headcount.disclosure.suppression.directory import FORMATS

    asked = tuple(f.strip() for f in text.split(",") if f.strip())
    if not asked or any(f not in FORMATS for f in asked):
        raise HeadcountError(
            errors.SUPPRESS_OPTION_INVALID,
            name="--format",
            value=text,
            reason=f"formats are {', '.join(FORMATS)}",
        )
    return tuple(f for f in FORMATS if f in asked)


def _print(summary: dict[str, Any], out: Path, left_out: list[str]) -> None:
    table = Table(
        "table", "level", "cells", "primary", "secondary", "persons hidden", "share",
        title="抑制结果 / suppression",
    )  # fmt: skip
    for row in [*summary["tables"], {"table": "all", "level": "", **summary["totals"]}]:
        hidden = row["persons_primary"] + row["persons_secondary"]
        table.add_row(
            row["table"], row["level"], f"{row['cells']:,}", f"{row['primary']:,}",
            f"{row['secondary']:,}", f"{hidden:,}", f"{row['suppressed_share']:.1%}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"[green]✓[/] {summary['method']}: {summary['linear_programs']:,} linear programs in the "
        f"final attack, no hidden cell recalculable, no primary cell narrower than "
        f"[0, {summary['threshold']}] · {summary['seconds']:.1f} s → {out}"
    )
    if left_out:
        console.print(f"未发布 / not published (no count cells): {', '.join(left_out)}")


def suppress_command(
    tables_dir: Annotated[Path, typer.Argument(help="a tables directory (headcount tables)")],
    out: Annotated[Path, typer.Option("--out", help="the suppressed tables directory (new)")],
    method: Annotated[
        str, typer.Option("--method", help="heuristic (any size) or optimal (small tables)")
    ] = "heuristic",
    min_cell: Annotated[
        int, typer.Option("--min-cell", help="threshold T: 0 < count < T is a primary cell")
    ] = 3,
    tables: Annotated[str, typer.Option("--tables", help="table ids (comma list) or all")] = "all",
    levels: Annotated[
        str, typer.Option("--levels", help="levels to publish (list or all)")
    ] = "all",
    attribute_levels: AttributeLevels = "township,small_area",
    sensitive: Sensitive = "default",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="seconds the optimal method may search")
    ] = 60.0,
    formats: Annotated[str, typer.Option("--format", help="csv, parquet or both")] = "csv,parquet",
    report: Annotated[
        Path | None, typer.Option("--report", help="also write the report with every bound")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the summary as JSON on stdout")] = False,
) -> None:
    """Hide the risky cells of TABLES and enough others that no hidden cell can be recomputed:
    every hidden cell's bounds, by linear programming over all published equations, stay wide."""
    from headcount.disclosure import parse_sensitive
    from headcount.disclosure.suppression import METHODS, ProtectionRule, suppress
    from headcount.disclosure.suppression.directory import read_tables, write
    from headcount.disclosure.suppression.report import summary

    try:
        if method not in METHODS:
            raise HeadcountError(
                errors.SUPPRESS_OPTION_INVALID, name="--method", value=method,
                reason=f"methods are {', '.join(METHODS)}",
            )  # fmt: skip
        if not time_limit > 0:
            raise HeadcountError(
                errors.SUPPRESS_OPTION_INVALID, name="--time-limit", value=time_limit,
                reason="give a number of seconds above 0",
            )  # fmt: skip
        rule = ProtectionRule(
            min_cell,
            attribute_levels=parse_levels("--attribute-levels", attribute_levels),
            sensitive=parse_sensitive(sensitive),
        )
        chosen_formats = _formats(formats)
        wanted = None if tables.strip() == "all" else {t.strip() for t in tables.split(",")}
        index, longs, left_out = read_tables(
            tables_dir, tables=wanted, levels=parse_levels("--levels", levels)
        )
        result = suppress(longs, rule, method=method, time_limit=time_limit)
        full = summary(result, rule)
        short = {k: v for k, v in full.items() if k != "bounds"}
        short["left_out"] = left_out
        if report is not None:  # first: a report that cannot be written leaves no tables
            _write_report(report, [json.dumps(full, ensure_ascii=False, indent=1) + "\n"])
        try:
            write(result.tables(), index, out, short, formats=chosen_formats)
        except HeadcountError:
            if report is not None:
                report.unlink(missing_ok=True)
            raise
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json({**short, "out": str(out)})
    else:
        _print(short, out, left_out)
