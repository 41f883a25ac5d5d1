"""Building a publication bundle: stage, gate, describe, seal, rename.

``build_bundle(sources, out)`` copies the tables directory (and any communiqué directories) into
a staging directory beside ``out``, then runs both gates on the staged bytes:

1. the scan gate over every file (``scanning.scan_bundle``: the scanner's formats, plus Parquet,
   JSON, SVG, and PNG beside its scanned SVG);
2. the disclosure checks over every table file (``disclosure.run_checks``).

Every blocking finding of both gates is collected before deciding. A refusal raises
``PublicationRefused`` (E1870 personal data or unscannable content, which takes precedence, or
E1871 disclosure) carrying the report, and the staging directory is removed: nothing is written.
On success ``bundle.json`` and ``SHA256SUMS`` are written, every file is made read-only (0444,
folders 0555), and the staging directory is renamed to ``out`` in one step. ``out`` is never
replaced (E1873).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from headcount import __version__, errors
from headcount.audit.heads import SigningKey
from headcount.errors import HeadcountError
from headcount.publish.disclosure import DisclosureOptions, DisclosureReport, run_checks
from headcount.publish.scanning import ScanResult, scan_bundle
from headcount.publish.signature import sign_manifest
from headcount.publish.sources import MANIFEST, SUMS, TABLES, Entry, plan_sources, stage
from headcount.publish.tables_index import load_index
from headcount.scan.recognizers import Scanner

__all__ = ["FORMAT", "VERSION", "PublicationRefused", "Published", "build_bundle", "sums_text"]

FORMAT = "headcount-publication"
VERSION = 1


class PublicationRefused(HeadcountError):
    """A gate refused the bundle; ``report`` lists every blocking finding (masked previews)."""

    def __init__(self, report: dict[str, Any]) -> None:
        blocking: list[dict[str, Any]] = report["blocking"]
        scan = [b for b in blocking if b["gate"] == "scan"]
        disclosure = [b for b in blocking if b["gate"] == "disclosure"]
        if scan or not disclosure:
            files = len({b["file"] for b in scan})
            first = scan[0]["file"] if scan else "-"
            super().__init__(errors.PUBLISH_PERSONAL_DATA, count=len(scan), files=files, path=first)
        else:
            super().__init__(
                errors.PUBLISH_DISCLOSURE_FAILED,
                count=len(disclosure),
                table=disclosure[0]["table"],
                path=disclosure[0]["file"],
                check=disclosure[0]["check"],
            )
        self.report = report


@dataclass(frozen=True, slots=True)
class Published:
    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str


def gate_report(scan: ScanResult, disclosure: DisclosureReport) -> dict[str, Any]:
    """Both verdicts and every blocking finding, flat: file, type, location, masked preview."""
    blocking: list[dict[str, Any]] = []
    for report in scan.verdict.files:
        for problem in ([report.error] if report.error else []) + report.warnings:
            entry = {"gate": "scan", "file": str(report.path), "type": "unscannable"}
            blocking.append(entry | {"code": problem.code, "message": problem.to_dict()["message"]})
        for finding in report.blocking:
            location = finding.location.to_json()
            location.pop("field", None)
            blocking.append(
                {
                    "gate": "scan",
                    "file": finding.file,
                    "type": finding.type,
                    "location": location | {"column": finding.column},
                    "preview": finding.preview,
                }
            )
    blocking.extend(f.to_json() for f in disclosure.findings)
    summary = scan.verdict.to_json()
    summary.pop("files")
    summary["notes"] = sum(len(f.findings) - len(f.blocking) for f in scan.verdict.files)
    passed = scan.verdict.passed and disclosure.passed
    return {
        "verdict": "pass" if passed else "fail",
        "scan": summary,
        "disclosure": disclosure.to_json(),
        "blocking": blocking,
    }


def sums_text(digests: Sequence[tuple[str, str]]) -> str:
    """coreutils ``sha256sum`` format: digest, two spaces (text mode), path; one per line."""
    return "".join(f"{digest}  {path}\n" for path, digest in digests)


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _seal(root: Path) -> None:
    """Files 0444, folders 0555, deepest first so that the walk never locks itself out."""
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            os.chmod(Path(dirpath) / name, 0o444)
        os.chmod(dirpath, 0o555)


def _remove(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        for dirpath, _dirnames, _filenames in os.walk(root):
            os.chmod(dirpath, 0o700)
        shutil.rmtree(root)


def build_bundle(
    sources: Sequence[Path],
    out: Path,
    *,
    options: DisclosureOptions | None = None,
    signing_key: SigningKey | None = None,
    scanner: Scanner | None = None,
    now: datetime | None = None,
) -> Published:
    """Gate and write the bundle ``out``; raises PublicationRefused or another HeadcountError,
    and in every failure leaves nothing behind."""
    options = options or DisclosureOptions()
    out = Path(os.path.abspath(out))
    if os.path.lexists(out):
        raise HeadcountError(errors.PUBLISH_OUT_EXISTS, path=str(out))
    if not out.parent.is_dir():
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(out.parent))
    planned = plan_sources(sources, out)
    load_index(planned[0].root)  # a sound tables directory before anything is copied
    try:
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise HeadcountError(errors.PUBLISH_WRITE_FAILED, path=str(out), reason=reason) from None
    try:
        entries = stage(planned, staging)
        index = load_index(staging / TABLES)  # the staged copies still match tables.json
        scan = scan_bundle(staging, [e.path for e in entries], scanner)
        disclosure = run_checks(index, options, prefix=f"{TABLES}/")
        report = gate_report(scan, disclosure)
        if report["verdict"] != "pass":
            raise PublicationRefused(report)
        folders = [s.name for s in planned]
        source = {"tables": index.source_summary(), "folders": folders}
        manifest = _manifest(entries, source, report, scan.derived, now)
        data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        _write(staging / MANIFEST, data)
        manifest_sha256 = _sha256(data)
        listed = [(MANIFEST, manifest_sha256), *((e.path, e.sha256) for e in entries)]
        _write(staging / SUMS, sums_text(listed).encode("utf-8"))
        if signing_key is not None:
            sign_manifest(staging, data, signing_key)
        _seal(staging)
        if os.path.lexists(out):
            raise HeadcountError(errors.PUBLISH_OUT_EXISTS, path=str(out))
        os.rename(staging, out)
    except OSError as exc:
        _remove(staging)
        reason = exc.strerror or type(exc).__name__
        raise HeadcountError(errors.PUBLISH_WRITE_FAILED, path=str(out), reason=reason) from None
    except BaseException:
        _remove(staging)
        raise
    _sync_dir(out.parent)
    return Published(out, manifest, manifest_sha256)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _manifest(
    entries: list[Entry],
    source: dict[str, Any],
    report: dict[str, Any],
    derived: dict[str, str],
    now: datetime | None,
) -> dict[str, Any]:
    created = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": {"name": "headcount", "version": __version__},
        "source": source,
        "gates": {"scan": report["scan"], "disclosure": report["disclosure"]},
        "derived": derived,
        "files": [{"path": e.path, "sha256": e.sha256, "bytes": e.bytes} for e in entries],
    }
