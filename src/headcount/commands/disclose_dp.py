"""``headcount disclose dp`` and ``headcount disclose accuracy``: the TopDown release (issue 14).

    headcount disclose dp SOURCE --out DIR [--rho R] [--config budget.yaml] [--again]
                          [--report] [--json]
    headcount disclose accuracy RELEASE SOURCE [--out DIR] [--json]

Exit status: 0 written (accuracy: every imposed check passed); 1 accuracy: a check failed; 2 bad
input, nothing drawn or written (E2170–E2174 the budget, E2190–E2198 the release).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, emit_json, fail
from headcount.errors import HeadcountError

AsJson = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]


def dp_command(
    source: Annotated[Path, typer.Argument(help="an extract or a synthetic census directory")],
    out: Annotated[Path, typer.Option("--out", help="the release's new directory")],
    rho: Annotated[
        float | None, typer.Option("--rho", help="ρ of zCDP; default: the budget file's")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="budget YAML/JSON; default budget-2020.yaml")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="draw although this budget was drawn on SOURCE before")
    ] = False,
    with_report: Annotated[
        bool, typer.Option("--report", help="also write the accuracy report to OUT.accuracy/")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """A TopDown differentially private release of SOURCE's person and household histograms:
    noisy measurements at every level (discrete Gaussian, zCDP), post-processed to consistent
    non-negative integers, with its certificate; every draw is recorded beside SOURCE."""
    from headcount.disclosure import budget as dp_budget
    from headcount.disclosure.topdown import release as dp_release

    try:
        loaded = dp_release.with_rho(dp_budget.load(config), rho)
        made = dp_release.release(source, out, loaded, again=again)
        report = _accuracy(out, source, accuracy_dir(out)) if with_report else None
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json({**made, **({"accuracy": report} if report else {})})
        return
    console.print(
        f"release {made['draw_id']} → {out} · ρ {made['budget']['rho']:.4f} · "
        f"persons {made['counts']['persons']:,} · households {made['counts']['households']:,}"
    )
    console.print(f"draw recorded in {dp_release.ledger_path(source)}")
    if report:
        _print(report)


def accuracy_dir(out: Path) -> Path:
    """Where ``dp --report`` writes the accuracy report: beside the release, never inside it.

    The report is confidential: its largest errors, with the units' true totals, give true
    counts back. It is for the census office, and must not travel with the release."""
    return out.parent / f"{out.name}.accuracy"


def _accuracy(release: Path, source: Path, out: Path | None) -> dict[str, Any]:
    from headcount.disclosure.topdown import accuracy, accuracy_chart

    report = accuracy.report(release, source)
    if out is None:
        return report
    if out.exists():
        raise HeadcountError(errors.DP_RELEASE_EXISTS, path=str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would follow the rename
        (tmp / "accuracy.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        accuracy_chart.draw(report, tmp / "accuracy")
        os.rename(tmp, out)
    except OSError as exc:
        raise HeadcountError(
            errors.DP_OUT_UNWRITABLE, path=str(out), reason=type(exc).__name__
        ) from exc
    return report


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


def _print(report: dict[str, Any]) -> None:
    table = Table("level", "query", "cells", "MAE", "ME", "RMSE", "max |e|",
                  title=f"accuracy of release {report['draw_id']} (ρ {report['rho']})")  # fmt: skip
    for level in report["levels"]:
        for row in level["queries"]:
            table.add_row(
                level["level"], row["query"], f"{row['cells']:,}", _fmt(row["mae"]),
                _fmt(row["me"], "+.4f"), _fmt(row["rmse"]), str(row["max_abs"]),
            )  # fmt: skip
    console.print(table)
    bins = Table("level", "population", "units", "MAE", "ME", "max |e|",
                 title="total population by population size")  # fmt: skip
    for level in report["levels"]:
        total = next(r for r in level["queries"] if r["query"] == "total")
        for row in total["bins"]:
            bins.add_row(level["level"], row["bin"], f"{row['cells']:,}", _fmt(row["mae"]),
                         _fmt(row["me"], "+.3f"), str(row["max_abs"]))  # fmt: skip
    console.print(bins)
    for check in report["checks"]:
        mark = "[green]pass[/]" if check["passed"] else "[red]fail[/]"
        note = "" if check.get("imposed", True) else " (not imposed)"
        console.print(f"{mark} {check['check']}: {check['failures']:,} failures{note}")


def accuracy_command(
    release: Annotated[Path, typer.Argument(help="a release written by `disclose dp`")],
    source: Annotated[Path, typer.Argument(help="the confidential source it was drawn from")],
    out: Annotated[
        Path | None, typer.Option("--out", help="new directory: accuracy.json, .svg, .png")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """A release's errors against the confidential counts (MAE, ME, largest, by level, query
    and population size) and its checks: non-negative, integer, consistent, no households of
    children alone."""
    try:
        report = _accuracy(release, source, out)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(report)
    else:
        _print(report)
    raise typer.Exit(0 if report["passed"] else 1)


__all__ = ["accuracy_command", "accuracy_dir", "dp_command"]
