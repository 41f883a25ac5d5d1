"""``headcount serve`` and ``headcount demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from headcount.commands.output import err_console
from headcount.config import Settings


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="overrides HEADCOUNT_DATABASE_URL")
    ] = None,
) -> None:
    """Serve the web pages and the JSON API (uvicorn)."""
    import uvicorn

    from headcount.web.app import create_app

    overrides = {"database_url": database_url} if database_url else {}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def demo_command(
    port: Annotated[int, typer.Option(help="port to serve the demo on")] = 8000,
) -> None:
    """A demo census on SQLite with synthetic households, served locally (arrives with issue 6)."""
    err_console.print(
        "[yellow]演示环境尚未提供：住户自主填报与普查员页面完成后（issue 6）即可使用。[/]\n"
        "[yellow]The demo is not available yet: it arrives with the self-report and enumerator "
        "pages (issue 6).[/] Run [bold]scripts/test[/] to see what works today."
    )
    raise typer.Exit(1)
