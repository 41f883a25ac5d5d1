"""The processing chain's commands: extract, tables, communique, publish (one module each)."""

from __future__ import annotations

import typer

from headcount.commands import communique, extract, publish, quality, tables


def register(app: typer.Typer) -> None:
    """Each part of the chain adds its command here, one line each."""
    app.command("extract")(extract.extract_command)
    app.command("tables")(tables.tables_command)
    app.command("communique")(communique.communique_command)
    app.command("publish")(publish.publish_command)
    app.command("quality")(quality.quality_command)
