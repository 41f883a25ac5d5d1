"""``headcount scan`` and ``headcount redact``: find personal information in files, mask it, and
give the publish gate's verdict.

Exit status of ``scan``: 0 nothing that blocks publication, 1 findings (or unscannable pages),
2 a file could not be read. ``redact``: 0 done, 1 ``--check`` found something left, 2 error (and
nothing written).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, emit_json, err_console, fail
from headcount.errors import HeadcountError
from headcount.scan import gate
from headcount.scan.findings import TYPE_LABELS
from headcount.scan.policy import DEFAULT_POLICY, load_policy
from headcount.scan.redact import redact_file
from headcount.scan.report import FileReport


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and a rename: a reader never sees half a SARIF file."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".headcount-", suffix=".sarif")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(name, path)
    except OSError as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(path), reason=exc.strerror or type(exc).__name__
        ) from None


def _exit_code(files: tuple[FileReport, ...]) -> int:
    if any(f.error is not None for f in files):
        return 2
    return 0 if all(f.clean for f in files) else 1


def _print_reports(files: tuple[FileReport, ...], lang: str) -> None:
    en = lang == "en"
    table = Table("file", "where", "column", "type", "confidence")
    table.add_column("preview", overflow="fold")
    for report in files:
        for f in report.findings:
            suffix = (" (masked)" if en else "（已脱敏）") if f.masked else ""
            label = TYPE_LABELS[f.type][1 if en else 0] + suffix
            where = f.location.describe()
            table.add_row(f.file, where, str(f.column), label, f"{f.confidence:.2f}", f.preview)
        for problem in ([report.error] if report.error else []) + report.warnings:
            err_console.print(
                f"[bold red]{problem.code}[/] {problem.message('en' if en else 'zh')}"
            )
    if table.row_count:
        console.print(table)
    blocking = sum(len(r.blocking) for r in files)
    if en:
        console.print(f"{len(files)} file(s), {blocking} finding(s) that block publication")
    else:
        console.print(f"共 {len(files)} 个文件，{blocking} 处个人信息阻止发布")


def scan_command(
    paths: Annotated[list[Path], typer.Argument(help="files or folders (scanned recursively)")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per finding")] = False,
    gate_mode: Annotated[
        bool, typer.Option("--gate", help="print the publish gate's verdict as one JSON object")
    ] = False,
    sarif: Annotated[
        Path | None, typer.Option("--sarif", help="also write the verdict as SARIF 2.1.0")
    ] = None,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="ignore weaker findings")
    ] = 0.5,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Find personal information in .txt .csv .xlsx .html .docx and text .pdf files.

    Values are never shown in clear: only masked previews. Exit status 0 = nothing that blocks
    publication, 1 = findings, 2 = a file could not be scanned.
    """
    verdict = gate.check(paths, min_confidence=min_confidence)
    if sarif is not None:
        if not sarif.parent.is_dir():
            fail(HeadcountError(errors.FILE_NOT_FOUND, path=str(sarif.parent)), as_json=as_json)
        try:
            _write_atomic(sarif, json.dumps(verdict.to_sarif(), ensure_ascii=False, indent=2))
        except HeadcountError as exc:
            fail(exc, as_json=as_json)
    if gate_mode:
        emit_json(verdict.to_json())
    elif as_json:
        for report in verdict.files:
            if report.error is not None:
                emit_json({"file": str(report.path), "error": report.error.to_dict()})
            for warning in report.warnings:
                emit_json({"file": str(report.path), "warning": warning.to_dict()})
            for finding in report.findings:
                emit_json(finding.to_json())
    else:
        _print_reports(verdict.files, lang)
    raise typer.Exit(_exit_code(verdict.files))


def redact_command(
    source: Annotated[Path, typer.Argument(help="file to mask", metavar="IN")],
    target: Annotated[Path, typer.Argument(help="masked copy, same format", metavar="OUT")],
    policy: Annotated[
        Path | None, typer.Option("--policy", help="masking policy (YAML or TOML)")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="scan the copy again; exit 1 if anything remains")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="replace an existing OUT")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON summary")] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Write a masked copy of IN to OUT in the same format (cells stay cells).

    Nothing is written when IN is encrypted, damaged or unsupported.
    """
    try:
        rules = load_policy(policy) if policy is not None else DEFAULT_POLICY
        result = redact_file(source, target, rules, force=force, check=check)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    summary = {
        "source": str(result.source),
        "target": str(result.target),
        "masked": dict(result.replaced),
        "remaining": [f.to_json() for f in result.remaining] if check else None,
    }
    if as_json:
        emit_json(summary)
    else:
        en = lang == "en"
        counts = sorted(result.replaced.items())
        masked = ", ".join(f"{TYPE_LABELS[k][1 if en else 0]} {v}" for k, v in counts)
        masked = masked or ("nothing" if en else "无")
        console.print(f"{'masked' if en else '已脱敏'}: {masked} → {result.target}")
        for f in result.remaining:
            err_console.print(f"[bold red]{f.location.describe()}[/] {f.type} {f.preview}")
    if check and result.remaining:
        problem = errors.REDACT_RESIDUE
        details = {"count": len(result.remaining), "path": str(target)}
        err_console.print(f"[bold red]{problem.code}[/] {problem.message('zh', **details)}")
        err_console.print(f"      {problem.message('en', **details)}")
        raise typer.Exit(1)
