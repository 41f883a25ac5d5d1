"""The publish gate: the one check every file passes before it leaves the system.

``check(paths)`` scans and returns a ``Verdict``; ``require_clean(paths)`` raises PUBLISH_BLOCKED
when the verdict is not a pass; ``publish(source, target)`` copies a file out only when it passes.
The gate fails closed: a file it cannot read (encrypted, damaged, unsupported), a PDF page without
a text layer, or any finding that still exposes personal information blocks publication.
Already-masked values that expose nothing (``1****************X``) are listed as notes and do not
block.

The verdict renders as JSON (``to_json``) and as SARIF 2.1.0 (``to_sarif``) for code-scanning and
CI tools. Neither contains a value in clear, nor any hash of one (an unkeyed hash of an ID number is
reversible by enumeration).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from headcount import __version__, errors
from headcount.errors import HeadcountError
from headcount.scan.findings import PII_TYPES, TYPE_LABELS, Finding
from headcount.scan.recognizers import Scanner
from headcount.scan.report import FileReport, scan_paths

TOOL = "headcount-scan"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
UNSCANNABLE = "unscannable"


@dataclass(frozen=True, slots=True)
class Verdict:
    files: tuple[FileReport, ...]
    checked_at: datetime

    @property
    def passed(self) -> bool:
        return bool(self.files) and all(f.clean for f in self.files)

    @property
    def blocking(self) -> list[Finding]:
        return [finding for f in self.files for finding in f.blocking]

    def by_type(self) -> dict[str, int]:
        counts = Counter(f.type for f in self.blocking)
        return {t: counts[t] for t in PII_TYPES if counts[t]}

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "pass" if self.passed else "fail",
            "passed": self.passed,
            "tool": {"name": TOOL, "version": __version__},
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "files_scanned": len(self.files),
            "bytes_scanned": sum(f.size for f in self.files),
            "blocking_findings": len(self.blocking),
            "by_type": self.by_type(),
            "files": [_file_json(f) for f in self.files],
        }

    def to_sarif(self) -> dict[str, Any]:
        rules = [_rule(t) for t in PII_TYPES] + [
            {
                "id": UNSCANNABLE,
                "name": "UnscannableContent",
                "shortDescription": {"text": "A file or page the scanner could not read"},
                "fullDescription": {"text": "无法检查的文件或页面（加密、损坏、无文本层）"},
                "defaultConfiguration": {"level": "error"},
            }
        ]
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        artifacts = [{"location": {"uri": _uri(f.path)}, "length": f.size} for f in self.files]
        results: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        for number, report in enumerate(self.files):
            problems = ([report.error] if report.error else []) + report.warnings
            for problem in problems:
                text = f"{problem.code} {problem.message('en')} / {problem.message('zh')}"
                where = {"artifactLocation": {"uri": _uri(report.path), "index": number}}
                results.append(
                    {
                        "ruleId": UNSCANNABLE,
                        "ruleIndex": index[UNSCANNABLE],
                        "level": "error",
                        "message": {"text": text},
                        "locations": [{"physicalLocation": where}],
                        "properties": {"code": problem.code},
                    }
                )
                if problem is report.error:
                    notifications.append(
                        {
                            "level": "error",
                            "message": {"text": text},
                            "locations": [{"physicalLocation": where}],
                            "descriptor": {"id": problem.code},
                        }
                    )
            results.extend(_result(f, number, index) for f in report.findings)
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": TOOL,
                            "version": __version__,
                            "rules": rules,
                        }
                    },
                    "invocations": [
                        {
                            "executionSuccessful": not notifications,
                            "endTimeUtc": self.checked_at.isoformat(timespec="seconds"),
                            "toolExecutionNotifications": notifications,
                        }
                    ],
                    "artifacts": artifacts,
                    "results": results,
                    "properties": {"verdict": "pass" if self.passed else "fail"},
                }
            ],
        }


def check(
    paths: Iterable[Path], scanner: Scanner | None = None, *, min_confidence: float = 0.5
) -> Verdict:
    files = tuple(scan_paths(paths, scanner, min_confidence=min_confidence))
    return Verdict(files, datetime.now(UTC))


def require_clean(paths: Iterable[Path], scanner: Scanner | None = None) -> Verdict:
    """For exports: return the passing verdict, or raise PUBLISH_BLOCKED naming the first file."""
    verdict = check(paths, scanner)
    if not verdict.passed:
        bad = next((f for f in verdict.files if not f.clean), None)
        count = (len(bad.blocking) + len(bad.warnings) + (bad.error is not None)) if bad else 0
        raise HeadcountError(
            errors.PUBLISH_BLOCKED, path=str(bad.path) if bad else "-", count=count
        )
    return verdict


def publish(source: Path, target: Path, scanner: Scanner | None = None) -> Verdict:
    """Copy ``source`` to ``target`` (e.g. the folder served to the public) only if it passes.

    The copy goes through a temporary file and a rename, so ``target`` never holds a half-copied
    or unchecked file; on a fail, PUBLISH_BLOCKED is raised and nothing is written.
    """
    verdict = require_clean([source], scanner)
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(
            dir=target.parent, prefix=".headcount-", suffix=target.suffix
        )
        os.close(handle)
        temporary = Path(name)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except OSError as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(target), reason=exc.strerror or type(exc).__name__
        ) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    return verdict


def _file_json(report: FileReport) -> dict[str, Any]:
    status = "error" if report.error else ("clean" if report.clean else "blocked")
    out: dict[str, Any] = {"file": str(report.path), "status": status, "bytes": report.size}
    if report.error is not None:
        out["error"] = report.error.to_dict()
    if report.warnings:
        out["warnings"] = [w.to_dict() for w in report.warnings]
    out["findings"] = [f.to_json() for f in report.findings]
    return out


def _uri(path: Path) -> str:
    return quote(path.as_posix())


def _rule(kind: str) -> dict[str, Any]:
    zh, en = TYPE_LABELS[kind]  # type: ignore[index]
    return {
        "id": kind,
        "name": "".join(part.title() for part in kind.split("_")),
        "shortDescription": {"text": f"{en} in a file to be published"},
        "fullDescription": {"text": f"待发布文件中含有{zh}"},
        "defaultConfiguration": {"level": "error"},
        "help": {"text": "Mask it with `headcount redact` before publishing (docs/scan.md)."},
    }


def _result(finding: Finding, artifact: int, index: dict[str, int]) -> dict[str, Any]:
    location = finding.location
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(Path(finding.file)), "index": artifact}
    }
    if location.line is not None and location.page is None:
        region: dict[str, int] = {"startLine": location.line}
        if isinstance(finding.column, int) and location.field is None:
            region["startColumn"] = finding.column
        physical["region"] = region
    zh, en = TYPE_LABELS[finding.type]
    masked = " (already masked)" if finding.masked else ""
    return {
        "ruleId": finding.type,
        "ruleIndex": index[finding.type],
        "level": "error" if finding.blocking else "note",
        "message": {"text": f"{en}{masked}: {finding.preview} / {zh}：{finding.preview}"},
        "locations": [
            {
                "physicalLocation": physical,
                "logicalLocations": [{"fullyQualifiedName": location.describe()}],
            }
        ],
        "properties": {"confidence": finding.confidence, "preview": finding.preview},
    }
