"""``headcount publish``: pack a tables directory and communiqués into a checked bundle, or verify
one.

    headcount publish TABLES [COMM …] --out BUNDLE [--min-cell 3] [--min-cell-levels …]
                      [--attribute-levels township] [--sensitive default]
                      [--dominance 2,85] [--p-percent 10] [--sign-key FILE] [--json]
    headcount publish --verify BUNDLE [--public-key FILE] [--json]

Exit status of a publish: 0 written; 1 refused by a gate (E1870 personal data or unscannable
content, E1871 disclosure), nothing written; 2 any other problem (not a tables directory, BUNDLE
exists …), nothing written. Of a verify: 0 intact, 1 a file changed, added or removed, a bad
signature or a failed gate (the numbered error names the first bad file), 2 not a bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from headcount import errors
from headcount.audit.heads import SigningKey, load_public_key
from headcount.commands.disclose import (
    AttributeLevels,
    Dominance,
    PPercent,
    Sensitive,
    parse_levels,
)
from headcount.commands.output import console, emit_json, err_console, fail
from headcount.disclosure import DominanceRule, PPercentRule, parse_sensitive
from headcount.errors import HeadcountError
from headcount.publish import LEVELS, DisclosureOptions, PublicationRefused, build_bundle
from headcount.publish.verify import BundleCheck, verify_bundle

__all__ = ["publish_command"]


def _levels(text: str) -> frozenset[str]:
    if text.strip() == "all":
        return frozenset(LEVELS)
    chosen = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(chosen - set(LEVELS))
    if unknown or not chosen:
        reason = f"levels are {', '.join(LEVELS)} or all; got {', '.join(unknown) or 'none'}"
        raise HeadcountError(errors.ARGUMENT_INVALID, name="--min-cell-levels", reason=reason)
    return frozenset(chosen)


def _print_problem(error: HeadcountError) -> None:
    err_console.print(f"[bold red]{error.code}[/] {error.message('zh')}")
    err_console.print(f"      {error.message('en')}")


_SHOWN = 40  # findings printed for people; --json lists every one


def _print_refusal(report: dict[str, Any]) -> None:
    table = Table("gate", "file", "type", "where")
    table.add_column("preview", overflow="fold")
    blocking = report["blocking"]
    for item in blocking[:_SHOWN]:
        location = item.get("location") or {}
        if item["gate"] == "disclosure":
            row = ", ".join(f"{k}={v}" for k, v in location.get("row", {}).items())
            where = f"{row} · {location.get('measure')} ({item['rule']})"
        elif "code" in item:
            where = f"{item['code']} {item['message']['en']}"
        else:
            where = ", ".join(f"{k} {v}" for k, v in location.items())
        table.add_row(item["gate"], item["file"], item["type"], where, item.get("preview", ""))
    err_console.print(table)
    if len(blocking) > _SHOWN:
        more = len(blocking) - _SHOWN
        err_console.print(f"… 另有 {more} 处 / {more} more (--json lists every finding)")


def _publish(
    sources: list[Path],
    out: Path,
    options: DisclosureOptions,
    sign_key: Path | None,
    as_json: bool,
) -> None:
    try:
        key = SigningKey.load(sign_key) if sign_key is not None else None
        published = build_bundle(sources, out, options=options, signing_key=key)
    except PublicationRefused as refused:
        if as_json:
            emit_json({"error": refused.to_dict(), "report": refused.report})
        else:
            _print_refusal(refused.report)
            _print_problem(refused)
        raise typer.Exit(1) from None
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    files = published.manifest["files"]
    summary = {
        "bundle": str(published.path),
        "files": len(files),
        "bytes": sum(f["bytes"] for f in files),
        "bundle_json_sha256": published.manifest_sha256,
        "signed": sign_key is not None,
        "gates": published.manifest["gates"],
    }
    if as_json:
        emit_json(summary)
    else:
        console.print(
            f"[green]✓[/] 已发布 {summary['files']} 个文件 / published {summary['files']} "
            f"file(s) → {published.path}"
        )
        console.print(f"  bundle.json sha256 {published.manifest_sha256}")


def _verify(bundle: Path, public_key: Path | None, as_json: bool) -> None:
    try:
        trusted = load_public_key(public_key) if public_key is not None else None
        result: BundleCheck = verify_bundle(bundle, public_key=trusted)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(result.to_json())
    elif result.ok:
        console.print(f"[green]✓[/] 发布包完好 / the bundle is intact: {result.files} file(s)")
        console.print(f"  signature: {result.signature}")
    else:
        _print_problem(result.problems[0])
        if len(result.problems) > 1:
            err_console.print(f"      (+{len(result.problems) - 1} more; --json lists them)")
    raise typer.Exit(0 if result.ok else 1)


def publish_command(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(help="the tables directory, then any communiqué directories"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="the bundle to write (must not exist)")
    ] = None,
    verify: Annotated[
        Path | None, typer.Option("--verify", help="check this bundle instead of writing one")
    ] = None,
    min_cell: Annotated[
        int,
        typer.Option(
            "--min-cell", min=1, help="smallest count a cell may show besides 0 (1 turns it off)"
        ),
    ] = 3,
    json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
    min_cell_levels: Annotated[
        str,
        typer.Option(
            "--min-cell-levels", help="levels the min-cell check applies to (comma list, or all)"
        ),
    ] = "all",
    sign_key: Annotated[
        Path | None,
        typer.Option("--sign-key", help="sign bundle.json with this audit signing key"),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="with --verify: require a valid signature by this key"),
    ] = None,
    attribute_levels: AttributeLevels = "township",
    sensitive: Sensitive = "default",
    dominance: Dominance = "2,85",
    p_percent: PPercent = "10",
) -> None:
    """Pack TABLES (and communiqués) into BUNDLE after the scan gate and the disclosure checks.

    Nothing is written when a file holds personal data or a table fails a check; --verify
    re-checks a bundle's digests, file list, signature and gates.
    """
    paths = sources or []
    if verify is not None:
        if paths or out is not None or sign_key is not None:
            problem = HeadcountError(
                errors.ARGUMENT_INVALID,
                name="--verify",
                reason="give only the bundle (no sources, --out or --sign-key)",
            )
            fail(problem, as_json=json)
        _verify(verify, public_key, json)
        return
    if out is None or not paths or public_key is not None:
        reason = "give the source directories and --out BUNDLE (--public-key is for --verify)"
        fail(HeadcountError(errors.ARGUMENT_INVALID, name="--out", reason=reason), as_json=json)
    try:
        options = DisclosureOptions(
            min_cell,
            _levels(min_cell_levels),
            dominance=DominanceRule.parse(dominance),
            p_percent=PPercentRule.parse(p_percent),
            sensitive=parse_sensitive(sensitive),
            attribute_levels=parse_levels("--attribute-levels", attribute_levels),
        )
    except HeadcountError as exc:
        fail(exc, as_json=json)
    _publish(paths, out, options, sign_key, json)
