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
    public_url: Annotated[
        str | None,
        typer.Option(help="overrides HEADCOUNT_PUBLIC_URL (the address printed on cards)"),
    ] = None,
    tables_dir: Annotated[
        Path | None,
        typer.Option(
            help="overrides HEADCOUNT_TABLES_DIR (a 'headcount tables' directory the offices' "
            "results pages read)"
        ),
    ] = None,
    quality_dir: Annotated[
        Path | None,
        typer.Option(
            help="overrides HEADCOUNT_QUALITY_DIR (a 'headcount quality' directory the offices' "
            "quality pages read)"
        ),
    ] = None,
    publication_dir: Annotated[
        Path | None,
        typer.Option(
            help="overrides HEADCOUNT_PUBLICATION_DIR (bundles of 'headcount publish', "
            "served at /published)"
        ),
    ] = None,
) -> None:
    """Serve the web pages and the JSON API (uvicorn) on a database made by ``headcount init``.

    The database and the key file are opened at start-up: a schema behind this version, a
    database that is not durable or a key file that fails its self-test stop the server.
    """
    from headcount.store.migrate import require_current
    from headcount.store.protector import Protector
    from headcount.store.session import make_engine, require_writable
    from headcount.web import server
    from headcount.web.app import create_app

    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if key_file:
        overrides["key_file"] = key_file
    if public_url:
        overrides["public_url"] = public_url
    if tables_dir:
        overrides["tables_dir"] = tables_dir
    if quality_dir:
        overrides["quality_dir"] = quality_dir
    if publication_dir:
        overrides["publication_dir"] = publication_dir
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
        require_writable(engine)
        protector = Protector.open(settings, engine)
        app = create_app(settings, engine=engine, protector=protector)
    except HeadcountError as error:
        engine.dispose()
        fail(error)
    try:
        server.run(app, settings, host=host, port=port)
    finally:
        engine.dispose()


def demo_command(
    port: Annotated[int, typer.Option(help="port to serve the demo on")] = 8000,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    directory: Annotated[
        Path, typer.Option("--dir", help="demo folder, recreated on each run")
    ] = Path("demo"),
    persons: Annotated[
        int, typer.Option(min=50, max=5_000, help="synthetic persons to generate")
    ] = 300,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="build the demo, print its logins, do not serve")
    ] = False,
    results: Annotated[
        bool,
        typer.Option(
            "--results/--no-results",
            help="also put a synthetic national census of 100,000 persons through extract, "
            "tables, communiqués and publish, for the results pages and /published",
        ),
    ] = True,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="the address phones reach the demo at (http://192.168.1.5:8000 on a LAN); "
            "card links and QR codes use it"
        ),
    ] = None,
) -> None:
    """A demo census on SQLite with synthetic households, served locally, with its logins.

    Everything in it is synthetic. The demo key file is accepted only in demo mode; never put
    real data into a demo folder.
    """
    from headcount import demo
    from headcount.web import server

    try:
        made = demo.build(directory, persons=persons, results=results)
    except HeadcountError as error:
        fail(error)
    base = public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    base = base.rstrip("/")
    _print_demo(made, base)
    if build_only:
        return
    err_console.print(f"[green]演示已启动 / demo serving at[/] [bold]{base}/[/]  (Ctrl+C)")
    app = demo.app_for(made, public_url=base)
    server.run(app, app.state.settings, host=host, port=port, log_level="warning")


_UNBROKEN = {"username", "password", "account", "household", "badge"}


def _print_demo(made: object, base: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from headcount.commands.output import console
    from headcount.demo import Demo

    assert isinstance(made, Demo)
    # Piped or captured output (a log, a test) has no width to fit: print whole rows rather than
    # fold them at an assumed 80 columns. A terminal keeps its own width.
    out = console if console.is_terminal else Console(width=200, highlight=False)
    pages = Table(title="演示网址 / demo URLs")
    pages.add_column("page")
    pages.add_column("URL", overflow="fold")
    for name, url in made.urls(base).items():
        pages.add_row(name, url)
    out.print(pages)
    staff = Table(title="工作人员账号 / staff logins (" + made.urls(base)["staff_sign_in"] + ")")
    # Logins are copied from here: never wrap them; the other columns fold instead.
    for column in ("role", "username", "password", "areas", "badge"):
        staff.add_column(column, overflow="fold", no_wrap=column in _UNBROKEN)
    for login in made.staff:
        staff.add_row(
            login.role.value,
            login.username,
            login.password,
            ",".join(login.areas) or "—",
            login.badge_no or "—",
        )
    out.print(staff)
    if made.households:
        cards = Table(title="自主填报调查卡 / self-report cards")
        for column in ("household", "account", "password", "URL"):
            cards.add_column(column, overflow="fold", no_wrap=column in _UNBROKEN)
        for card in made.households:
            cards.add_row(card.household_id, card.account, card.password, base + card.path)
        out.print(cards)
    if made.settings.publication_dir is not None:
        # Whole lines: a URL folded at an assumed width cannot be copied.
        out.print(f"汇总结果 / results (offices): {base}/office/results", soft_wrap=True)
        out.print(f"已发布结果 / published results: {base}/published", soft_wrap=True)
    if made.settings.quality_dir is not None:
        out.print(f"质量核查报告 / quality report (offices): {base}/office/quality", soft_wrap=True)
    if made.verification_tasks:
        opened = sum(n for kind, n in made.verification_tasks.items() if kind != "unplaced")
        out.print(
            f"比对复查任务 / register-check tasks: {opened} "
            f"(enumerator: {base}/staff/tasks, progress: {base}/staff/progress)",
            soft_wrap=True,
        )
    console.print(f"演示数据目录 / demo folder: {made.directory} — 全部为合成数据 / all synthetic")
