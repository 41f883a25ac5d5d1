"""``headcount synth``: generate a synthetic census population, or report on one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, emit_json, fail
from headcount.errors import HeadcountError
from headcount.synth import generate, load_config
from headcount.synth import report as report_mod


def synth_command(
    persons: Annotated[
        int | None, typer.Option("--persons", "-n", help="true persons to generate")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="the same seed gives the same files")
    ] = 0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="new output directory")] = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
    provinces: Annotated[
        str | None, typer.Option("--provinces", help="comma-separated province codes, e.g. 11,31")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML/JSON file overriding the rates")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="processes generating chunks")] = 1,
    report: Annotated[
        Path | None, typer.Option("--report", help="compare a generated directory with 2020")
    ] = None,
    pes_areas: Annotated[
        int | None,
        typer.Option("--pes-areas", help="also simulate a post-enumeration survey of N areas"),
    ] = None,
    pes_capture: Annotated[
        float, typer.Option("--pes-capture", help="the PES's chance of finding a resident")
    ] = 0.97,
    pes_correlation: Annotated[
        float,
        typer.Option(
            "--pes-correlation", help="0–1: how much harder the census's misses are to find"
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
) -> None:
    """Generate a synthetic census population calibrated to 2020, or report on one.

    Generate: --persons N --out DIR [--seed S] (the same seed gives byte-identical files).
    Report: --report DIR prints the generated marginals against the 2020 targets.
    Everything generated is synthetic; nothing in it describes a real person.
    """
    try:
        if report is not None:
            _report(report, as_json)
            return
        if persons is None or out is None:
            raise HeadcountError(
                errors.ARGUMENT_INVALID,
                name="--persons/--out",
                reason="both are needed to generate (or give --report DIR)",
            )
        if fmt not in ("parquet", "csv"):
            raise HeadcountError(errors.ARGUMENT_INVALID, name="--format", reason="parquet or csv")
        if workers < 1:
            raise HeadcountError(errors.ARGUMENT_INVALID, name="--workers", reason="at least 1")
        cfg = load_config(config)
        show = not (quiet or as_json)
        with Progress(
            TextColumn("[bold]synth"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not show,
        ) as bar:
            task = bar.add_task("persons", total=persons)
            result = generate(
                persons=persons,
                seed=seed,
                out=out,
                fmt="csv" if fmt == "csv" else "parquet",
                provinces=provinces,
                config=cfg,
                workers=workers,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        if pes_areas is not None:
            from headcount.synth import pes

            options = pes.PesOptions(
                areas=pes_areas, seed=seed, capture=pes_capture, correlation=pes_correlation
            )
            pes.simulate(result.out, options)
            result = type(result)(
                out=result.out,
                manifest=json.loads((result.out / "manifest.json").read_text("utf-8")),
            )
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    tables = result.manifest["tables"]
    if as_json:
        emit_json(
            {
                "out": str(result.out),
                "seed": seed,
                "persons": persons,
                "rows": {name: t["rows"] for name, t in tables.items()},
            }
        )
        return
    table = Table("table", "rows", title=f"{result.out} (seed {seed})")
    for name, t in tables.items():
        table.add_row(name, f"{t['rows']:,}")
    console.print(table)


def _report(root: Path, as_json: bool) -> None:
    rep = report_mod.build(root)
    if as_json:
        emit_json(rep.to_json())
        return
    scope = "全国 national" if rep.scope == "national" else "所选省份 selected provinces (weighted)"
    table = Table(
        "指标 indicator",
        "目标 2020",
        "生成 generated",
        "差 difference",
        "容差 tolerance",
        title=f"{root}: {rep.manifest.get('persons', 0):,} persons, seed {rep.manifest.get('seed')}"
        f" — targets: {scope}",
    )
    for r in rep.rows:
        mark = "" if r.within is None else (" ✓" if r.within else " ✗")
        tol = "" if r.tolerance is None else f"±{r.tolerance:g}"
        table.add_row(
            f"{r.label_zh}\n{r.label_en}",
            _fmt(r.target, r.unit),
            _fmt(r.generated, r.unit),
            f"{r.difference:+.3f}",
            tol + mark,
        )
    console.print(table)


def _fmt(value: float, unit: str) -> str:
    if unit == "per 100k":
        return f"{value:,.0f}"
    if unit in ("ratio", "persons"):
        return f"{value:.2f}"
    return f"{value:.2f} {unit}"
