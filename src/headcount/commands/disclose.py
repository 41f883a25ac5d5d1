"""``headcount disclose``: disclosure control of the tables (issue 14).

    headcount disclose check TABLES [--min-cell 3] [--levels all] [--dominance 2,85]
                             [--p-percent 10] [--attribute-levels township]
                             [--sensitive default] [--out REPORT.json] [--json]

Exit status: 0 no risky cell; 1 risky cells (each named: table, file, row key, measure, rule);
2 bad input (not a tables directory E2150, a changed or unreadable file E2151, a bad rule
parameter E2152–E2156, a report that cannot be written E2158).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, emit_json, err_console, fail
from headcount.errors import HeadcountError

if TYPE_CHECKING:
    from headcount.publish.disclosure import DisclosureReport

__all__ = ["app", "check_command", "parse_levels"]


# The rule options, shared with ``headcount publish`` (its gate runs the same rules).
Dominance = Annotated[
    str, typer.Option("--dominance", help="the (n,k) dominance rule for magnitude tables")
]
PPercent = Annotated[str, typer.Option("--p-percent", help="the p % rule's p for magnitude tables")]
AttributeLevels = Annotated[
    str, typer.Option("--attribute-levels", help="levels of the full-cell rule (list, all, none)")
]
Sensitive = Annotated[
    str, typer.Option("--sensitive", help="TABLE=DIMENSION,… sensitive dimensions, default or none")
]

app = typer.Typer(
    help="Disclosure control: risk checks on tables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

_SHOWN = 40  # cells printed for people; --json and --out list every one


def parse_levels(name: str, text: str) -> frozenset[str]:
    """``all``, ``none`` or a comma list of levels; E2155 for anything else."""
    from headcount.tables.index import LEVELS

    written = text.strip()
    if written == "all":
        return frozenset(LEVELS)
    if written == "none":
        return frozenset()
    chosen = {part.strip() for part in written.split(",") if part.strip()}
    unknown = sorted(chosen - set(LEVELS))
    if unknown or not chosen:
        raise HeadcountError(
            errors.DISCLOSE_OPTION_INVALID,
            name=name,
            value=text,
            reason=f"levels are {', '.join(LEVELS)}, all or none",
        )
    return frozenset(chosen)


def _write_report(path: Path, chunks: Iterable[str]) -> None:
    """The report at ``path``, whole or not at all (a temporary file renamed into place)."""
    target = Path(os.path.abspath(path))
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.writelines(chunks)
            os.replace(name, target)
        except BaseException:
            os.unlink(name)
            raise
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise HeadcountError(
            errors.DISCLOSE_REPORT_WRITE_FAILED, path=str(path), reason=reason
        ) from None


def _print(report: DisclosureReport) -> None:
    findings = report.findings
    checks = Table("check", "parameters", "checked", "findings", title="披露风险检查 / risk checks")
    for check in report.to_json()["checks"]:
        counted = ("cells_checked", "groups_checked", "tables_checked", "findings")
        shown = {k: v for k, v in check.items() if k not in ("name", *counted)}
        parameters = "; ".join(
            f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in shown.items()
        )
        checked = next((f"{check[k]:,} {k.split('_')[0]}" for k in counted[:3] if k in check), "")
        checks.add_row(check["name"], parameters, checked, f"{check.get('findings', 0):,}")
    console.print(checks)
    if not findings:
        console.print("[green]✓[/] 未发现风险单元格 / no risky cell")
        return
    cells_by_table: dict[tuple[str, str, str], set[tuple[str, ...]]] = defaultdict(set)
    files_by_table: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for f in findings:
        key = (f.check, f.table, f.file.split("/")[0])
        cells_by_table[key].add((*f.row.values(), f.measure))
        files_by_table[key].add(f.file)
    tally = Table("check", "table", "level", "cells", "files", title="按表 / by table")
    for key in sorted(cells_by_table):
        tally.add_row(*key, f"{len(cells_by_table[key]):,}", str(len(files_by_table[key])))
    console.print(tally)
    cells = Table("check", title="风险单元格 / risky cells")
    for column in ("file", "row", "measure", "rule"):
        cells.add_column(column, overflow="fold")
    for f in findings[:_SHOWN]:
        row = ", ".join(f"{k}={v}" for k, v in f.row.items())
        cells.add_row(f.check, f.file, row, f.measure, f.rule)
    console.print(cells)
    if len(findings) > _SHOWN:
        more = len(findings) - _SHOWN
        console.print(f"… 另有 {more:,} 处 / {more:,} more (--json or --out lists every cell)")
    tables = len({key[1:] for key in files_by_table})
    err_console.print(f"[bold red]{len(findings):,}[/] 处风险 / finding(s) in {tables} table(s)")


@app.command("check")
def check_command(
    tables_dir: Annotated[Path, typer.Argument(help="a tables directory (headcount tables)")],
    min_cell: Annotated[
        int, typer.Option("--min-cell", help="smallest count a cell may show besides 0 (1: off)")
    ] = 3,
    levels: Annotated[
        str,
        typer.Option(
            "--levels", help="levels of the min-cell and magnitude rules (list, all, none)"
        ),
    ] = "all",
    dominance: Dominance = "2,85",
    p_percent: PPercent = "10",
    attribute_levels: AttributeLevels = "township",
    sensitive: Sensitive = "default",
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the whole report as JSON here")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the report as JSON on stdout")] = False,
) -> None:
    """Name every risky cell of TABLES: minimum frequency, dominance, p %, full cells.

    Exits 1 when any cell is risky, 0 when none is, 2 on bad input.
    """
    from headcount.disclosure import DominanceRule, PPercentRule, parse_sensitive
    from headcount.disclosure.report import check_tables, report_chunks
    from headcount.publish.disclosure import DisclosureOptions

    try:
        options = DisclosureOptions(
            min_cell=min_cell,
            levels=parse_levels("--levels", levels),
            dominance=DominanceRule.parse(dominance),
            p_percent=PPercentRule.parse(p_percent),
            sensitive=parse_sensitive(sensitive),
            attribute_levels=parse_levels("--attribute-levels", attribute_levels),
        )
        report = check_tables(tables_dir, options)
        if out is not None:
            _write_report(out, report_chunks(tables_dir, report, lines=True))
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        sys.stdout.writelines(report_chunks(tables_dir, report, lines=False))
    else:
        _print(report)
    raise typer.Exit(0 if report.passed else 1)


@app.command("budget")
def budget_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="a budget (YAML or JSON); default: the shipped budget-2020.yaml"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the certificate as JSON")] = False,
) -> None:
    """Check a differential-privacy budget whole and print its certificate: ρ, σ and ε at δ per
    geolevel and query, and ε of the whole release (before any noise is drawn)."""
    from headcount.disclosure import budget as dp_budget

    try:
        loaded = dp_budget.load(file)
        certificate = loaded.certificate()
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(certificate)
        return
    table = Table(
        "level",
        "query",
        "ρ",
        "σ",
        "ε",
        title=f"budget {certificate['budget_version']} · ρ {certificate['rho']:.4f} · "
        f"ε {certificate['epsilon']:.2f} at δ {certificate['delta']:g}",
    )
    for row in certificate["queries"]:
        table.add_row(
            row["level"], row["query"], f"{row['rho']:.4f}", f"{row['sigma']:.2f}",
            f"{row['epsilon']:.2f}",
        )  # fmt: skip
    console.print(table)


# The TopDown release and its accuracy report live in their own module (issue 14, parts 3–4).
from headcount.commands.disclose_dp import accuracy_command, dp_command  # noqa: E402

app.command("dp")(dp_command)
app.command("accuracy")(accuracy_command)


# The suppression command lives in its own module (it is larger than the rest of this group).
from headcount.commands.disclose_suppress import suppress_command  # noqa: E402

app.command("suppress")(suppress_command)
