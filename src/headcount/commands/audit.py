"""``headcount audit verify [--head FILE]`` and ``headcount audit head``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from headcount.audit.log import flush
from headcount.audit.verify import Verdict
from headcount.commands.output import console, emit_json, err_console
from headcount.commands.store import AsJson, DatabaseUrl, KeyFile, guarded, settings_from
from headcount.store import heads, migrate
from headcount.store.session import make_engine, transaction

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    head: Annotated[
        Path | None,
        typer.Option(
            "--head",
            help="signed tree heads kept outside the database (default: HEADCOUNT_AUDIT_HEAD_FILE)",
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="the auditor's copy of the signing public key "
            "(default: audit-signing.pub beside the head file)",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    as_json: AsJson = False,
) -> None:
    """Check every entry and the Merkle tree against the signed heads; name the first bad entry.

    Exit status 0 when the log is intact, 1 when an entry was altered, removed, reordered or the
    tail truncated, 2 on a usage problem (missing file, bad signature, unreachable database).
    """

    def work() -> Verdict:
        settings = settings_from(database_url, key_file, head)
        trusted = heads.trusted_heads(settings, require_file=True, public_key_file=public_key)
        engine = make_engine(settings)
        try:
            migrate.require_current(engine)
            flush(engine)
            with transaction(engine) as session:
                return heads.verify_database(session, trusted)
        finally:
            engine.dispose()

    verdict = guarded(as_json, work)
    if as_json:
        emit_json(verdict.to_dict())
    elif verdict.ok:
        console.print(f"[green]✓[/] {verdict.message('zh')}")
        console.print(f"  {verdict.message('en')}")
        if verdict.unverified_tail:
            console.print(
                f"  {verdict.unverified_tail} 条尚无签名树头覆盖 / entries not yet "
                "covered by a signed head"
            )
    else:
        code = verdict.problem.code if verdict.problem else ""
        err_console.print(f"[bold red]✗ {code}[/] {verdict.message('zh')}")
        err_console.print(f"      {verdict.message('en')}")
    raise typer.Exit(0 if verdict.ok else 1)


@app.command("head")
def head_command(
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: Annotated[Path | None, typer.Option("--head-file", help="where to append")] = None,
    as_json: AsJson = False,
) -> None:
    """Sign the current tree head and append it to the head file (outside the database)."""
    exported = guarded(
        as_json, lambda: heads.export_current(settings_from(database_url, key_file, head_file))
    )
    if as_json:
        emit_json(exported)
    else:
        console.print(
            f"[green]✓[/] 已导出签名树头 / signed tree head exported: size "
            f"{exported['size']}, root {str(exported['root'])[:16]}…"
        )
