"""``headcount init | migrate | load | backup | restore`` (and the keys and audit groups).

Thin: parse options into Settings, call the store services, print with Rich or JSON. Every
catalogued problem is reported in zh and en with its code (exit 2), never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from headcount import errors
from headcount.commands.output import console, emit_json, fail, progress_bar
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store import backup, bootstrap, heads, loader, migrate
from headcount.store.protector import Protector
from headcount.store.session import make_engine

T = TypeVar("T")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: HEADCOUNT_DATABASE_URL)"),
]
KeyFile = Annotated[
    Path | None, typer.Option("--key-file", help="key vault file (default: HEADCOUNT_KEY_FILE)")
]
HeadFile = Annotated[
    Path | None,
    typer.Option("--head-file", help="signed tree heads file (default: HEADCOUNT_AUDIT_HEAD_FILE)"),
]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]
# The operator's second factor, for the commands an office account signs in to (extract, …).
Totp = Annotated[str | None, typer.Option("--totp", help="operator's second-factor code")]


def settings_from(
    database_url: str | None = None,
    key_file: Path | None = None,
    head_file: Path | None = None,
    **extra: Any,
) -> Settings:
    given: dict[str, Any] = {
        "database_url": database_url,
        "key_file": key_file,
        "audit_head_file": head_file,
    }
    given.update(extra)
    try:
        return Settings(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise HeadcountError(
            errors.SETTING_INVALID, name=".".join(map(str, first["loc"])), reason=first["msg"]
        ) from None


def guarded(as_json: bool, work: Callable[[], T]) -> T:
    """Run a command body; a HeadcountError becomes a bilingual message and exit status 2.

    A database that goes away or refuses mid-command is reported the same way (first line of
    the server's message only: PostgreSQL puts row values in later DETAIL lines)."""
    try:
        return work()
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    except OperationalError as exc:
        fail(HeadcountError(errors.DATABASE_UNREACHABLE, reason=_first_line(exc)), as_json=as_json)
    except DBAPIError as exc:
        fail(HeadcountError(errors.DATABASE_REFUSED, reason=_first_line(exc)), as_json=as_json)


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else type(exc).__name__
    return (text.strip().splitlines() or [type(exc).__name__])[0][:200]


@contextmanager
def opened(settings: Settings) -> Iterator[tuple[Engine, Protector]]:
    """An app-role engine at the current schema and the key file's protector."""
    engine = make_engine(settings)
    try:
        migrate.require_current(engine)
        yield engine, Protector.open(settings, engine)
    finally:
        engine.dispose()


def init_command(
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="crypto profile for a new key file: intl | gm")
    ] = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Create the database, key file and roles, migrate, and bootstrap the first administrator.

    The administrator's one-time password is printed once, here, and stored nowhere in clear.
    """

    def work() -> bootstrap.InitResult:
        settings = settings_from(database_url, key_file, head_file, crypto_profile=profile)
        return bootstrap.initialise(settings)

    result = guarded(as_json, work)
    if as_json:
        emit_json(
            {
                "username": result.admin_username,
                "one_time_password": result.one_time_password,
                "revision": result.revision,
                "database_created": result.database_created,
                "key_file_created": result.key_file_created,
                "roles_created": result.roles_created,
            }
        )
        return
    console.print(f"[green]✓[/] 数据库已初始化 / database initialised (schema {result.revision})")
    if result.key_file_created:
        console.print(
            "[green]✓[/] 已创建密钥文件 / key file created — 请单独备份 / back it up apart"
        )
    console.print(f"首个系统管理员 / first administrator: [bold]{result.admin_username}[/]")
    console.print(f"一次性密码 / one-time password: [bold]{result.one_time_password}[/]")
    console.print(
        "[yellow]仅显示一次，首次登录须修改 / shown once; must be changed at first login[/]"
    )


def migrate_command(
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Upgrade the database schema to the newest revision (as the owner role on PostgreSQL)."""
    revision = guarded(
        as_json, lambda: bootstrap.run_migrations(settings_from(database_url, key_file, head_file))
    )
    if as_json:
        emit_json({"revision": revision})
    else:
        console.print(f"[green]✓[/] 数据库结构已是最新 / schema at revision {revision}")


def load_command(
    directory: Annotated[
        Path, typer.Argument(help="synthetic population directory (headcount synth)")
    ],
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="households per transaction")
    ] = 500,
    as_json: AsJson = False,
) -> None:
    """Import census areas, small areas, households and persons, encrypted and audited."""

    def work() -> loader.LoadReport:
        settings = settings_from(database_url, key_file, head_file)
        with (
            opened(settings) as (engine, protector),
            progress_bar("住户 households", quiet=as_json) as tick,
        ):
            report = loader.load(
                engine,
                protector,
                directory,
                wave=settings.census_wave,
                batch_size=batch_size,
                progress=tick,
            )
        heads.export_current(settings)
        return report

    report = guarded(as_json, work)
    summary = {
        "census_areas": report.census_areas,
        "small_areas": report.small_areas,
        "households_added": report.households_added,
        "households_skipped": report.households_skipped,
        "persons_read": report.persons,
    }
    if as_json:
        emit_json(summary)
    else:
        console.print(f"[green]✓[/] 已导入 / loaded: {summary}")


def backup_command(
    file: Annotated[Path, typer.Argument(help="backup file to write (.zip)")],
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Write a consistent snapshot of every table (ciphertexts only; the key file is not in it)."""

    def work() -> backup.BackupReport:
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, _):
            return backup.create(engine, settings, file, bootstrap.CLI)

    report = guarded(as_json, work)
    if as_json:
        emit_json({"file": str(report.path), "rows": report.rows, "audit_size": report.audit_size})
    else:
        console.print(
            f"[green]✓[/] 备份完成 / backup written: {report.path} "
            f"({sum(report.rows.values())} rows, audit size {report.audit_size})"
        )


def restore_command(
    file: Annotated[Path, typer.Argument(help="backup file to restore")],
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Restore into a fresh, empty database; checks row counts and verifies the audit head."""

    def work() -> dict[str, int]:
        settings = settings_from(database_url, key_file, head_file)
        bootstrap.prepare_empty(settings)
        with opened(settings) as (engine, _):
            return backup.restore(engine, settings, file, bootstrap.CLI)

    rows = guarded(as_json, work)
    if as_json:
        emit_json({"restored": rows})
    else:
        console.print(
            f"[green]✓[/] 已恢复并验证审计链 / restored and audit chain verified "
            f"({sum(rows.values())} rows)"
        )


def register(app: typer.Typer) -> None:
    """Attach the store's top-level commands and the keys and audit groups to the main app."""
    from headcount.commands import audit, keys

    app.command("init")(init_command)
    app.command("migrate")(migrate_command)
    app.command("load")(load_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(keys.app, name="keys")
    app.add_typer(audit.app, name="audit")
