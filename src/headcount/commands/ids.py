"""``headcount id check``: validate citizen ID numbers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from headcount.commands.output import console, emit_json
from headcount.identity import citizen_id

app = typer.Typer(help="Citizen ID numbers (GB 11643-1999).", no_args_is_help=True)


@app.command("check")
def check_command(
    numbers: Annotated[
        list[str], typer.Argument(help="ID numbers; '-' reads one per line from stdin")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per input")] = False,
    legacy: Annotated[
        bool, typer.Option("--legacy", help="accept 15-digit numbers and upgrade")
    ] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Check each number: characters, length, check character, date, historical address code.

    Exit status 0 when every input is valid, 1 otherwise. Output never shows a number in clear.
    """
    if numbers == ["-"]:
        numbers = [line.rstrip("\n") for line in typer.get_text_stream("stdin")]
    results = [citizen_id.check(n, allow_legacy=legacy) for n in numbers]
    if as_json:
        for result in results:
            emit_json(result.to_json())
    else:
        table = Table("input", "valid", "code", "message", "sex", "birth date", "region")
        for r in results:
            first = r.first
            table.add_row(
                citizen_id.mask(r.input),
                "✓" if r.valid else "✗",
                first.code if first else "",
                first.message("en" if lang == "en" else "zh") if first else "",
                r.sex or "",
                r.birth_date.isoformat() if r.birth_date else "",
                r.region or "",
            )
        console.print(table)
    raise typer.Exit(0 if all(r.valid for r in results) else 1)
