"""The processing chain's commands: extract, tables, communique, publish (one module each)."""

from __future__ import annotations

import typer

from headcount.commands import extract


def register(app: typer.Typer) -> None:
    """Each part of the chain adds its command here, one line each."""
    app.command("extract")(extract.extract_command)
