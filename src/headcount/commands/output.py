"""Shared printing for commands: JSON lines on stdout, Rich for people, problems on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from headcount.errors import HeadcountError

console = Console()
err_console = Console(stderr=True)


def emit_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def fail(error: HeadcountError, *, as_json: bool = False, exit_code: int = 2) -> NoReturn:
    """Report a catalogued problem (zh and en) and exit; never a traceback."""
    if as_json:
        emit_json({"error": error.to_dict()})
    else:
        err_console.print(f"[bold red]{error.code}[/] {error.message('zh')}")
        err_console.print(f"      {error.message('en')}")
    raise typer.Exit(exit_code)
