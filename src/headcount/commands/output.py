"""Shared printing for commands: JSON lines on stdout, Rich for people, problems on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


@contextmanager
def progress_bar(label: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``tick(done, total)`` drawing a bar on stderr (nothing when ``quiet``: --json). The bar
    appears at the first tick, so work refused before it starts shows no empty bar."""
    if quiet:
        yield lambda done, total: None
        return
    bar = Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console,
    )  # fmt: skip
    task = bar.add_task(label, total=None)

    def tick(done: int, total: int) -> None:
        bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield tick
    finally:
        bar.stop()
