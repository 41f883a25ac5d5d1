"""``headcount serve`` and ``headcount demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from headcount import errors
from headcount.commands.output import err_console, fail
from headcount.config import Settings
from headcount.errors import HeadcountError


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="overrides HEADCOUNT_DATABASE_URL")
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option(help="overrides HEADCOUNT_KEY_FILE (master key, mode 0600)")
    ] = None,
) -> None:
    """Serve the web pages and the JSON API (uvicorn) on a database made by ``headcount init``.

    The database and the key file are opened at start-up: a schema behind this version, a
    database that is not durable or a key file that fails its self-test stop the server.
    """
    import uvicorn

    from headcount.store.migrate import require_current
    from headcount.store.protector import Protector
    from headcount.store.session import make_engine
    from headcount.web.app import create_app

    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if key_file:
        overrides["key_file"] = key_file
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail(
            HeadcountError(errors.SETTING_INVALID, name="serve", reason=str(exc.errors()[0]["msg"]))
        )
    # Checked here first, so a refusal is a catalogued problem rather than a start-up traceback.
    try:
        engine = make_engine(settings)
    except HeadcountError as error:
        fail(error)
    try:
        require_current(engine)
        protector = Protector.open(settings, engine)
        app = create_app(settings, engine=engine, protector=protector)
    except HeadcountError as error:
        engine.dispose()
        fail(error)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    finally:
        engine.dispose()


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
