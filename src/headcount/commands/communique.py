"""``headcount communique TABLES --out DIR``: the eight 2020 communiqués and their charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headcount.commands.output import console, err_console, fail
from headcount.errors import HeadcountError
from headcount.tables.communique import build


def communique_command(
    tables: Annotated[
        Path, typer.Argument(help="tables directory (tables.json), as 'headcount tables' writes it")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="new output directory")],
) -> None:
    """Write communiqués No.1–8 (Chinese and English, Markdown and HTML) with their charts.

    Every number comes from TABLES/tables.json or its table files; communique.json lists each
    file's sha256 and the figures each communiqué quotes. OUT must not exist or be empty.
    """
    try:
        index = build(tables, out)
    except HeadcountError as exc:
        fail(exc)
    for warning in index["warnings"]:
        err_console.print(f"[yellow]![/] {warning}")
    note = " (synthetic data)" if index["synthetic"] else ""
    console.print(f"公报 / communiqués: {len(index['files'])} files → {out}{note}")
