"""The scan gate over every file of a bundle: ``scan.gate`` plus the bundle's own formats.

Files the scanner reads itself (CSV, Excel, Markdown, text, HTML, Word, PDF) go through
``scan.gate.check``; Parquet, JSON, SVG and PNG are opened by ``documents``/``images`` and run
through the same recognizers. Any other kind of file is refused (E1875): the gate fails closed.

**The PNG rule.** A PNG cannot be read as text, so a PNG is published only as a rendering of a
vector chart that was: ``x.png`` needs ``x.svg`` beside it in the bundle, and that SVG must pass
(E1876 otherwise). Its text chunks are scanned as well. The bundle records the pair in
``bundle.json`` (``derived``), so a reader knows which scanned file each image was drawn from.

Reports name files by their path inside the bundle, never by the temporary staging path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from headcount import errors
from headcount.errors import HeadcountError
from headcount.publish.documents import Extracted, JsonDocument, ParquetDocument
from headcount.publish.images import PngDocument, SvgDocument
from headcount.scan import gate
from headcount.scan.recognizers import Scanner
from headcount.scan.report import FileReport, detect, to_finding

__all__ = ["ALLOWED_SUFFIXES", "ScanResult", "scan_bundle"]

NATIVE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".md", ".txt", ".html", ".htm", ".pdf"})
_OPENERS: dict[str, type[Extracted]] = {
    ".parquet": ParquetDocument,
    ".json": JsonDocument,
    ".svg": SvgDocument,
    ".png": PngDocument,
}
ALLOWED_SUFFIXES = NATIVE_SUFFIXES | frozenset(_OPENERS)


@dataclasses.dataclass(frozen=True, slots=True)
class ScanResult:
    verdict: gate.Verdict
    derived: dict[str, str]  # PNG → the SVG it was drawn from (bundle paths)


def scan_bundle(
    root: Path, files: Sequence[str], scanner: Scanner | None = None, *, min_confidence: float = 0.5
) -> ScanResult:
    """Scan ``root/f`` for every bundle path ``f`` (POSIX, relative); reports in that order."""
    scanner = scanner or Scanner()
    native = [f for f in files if PurePosixPath(f).suffix.lower() in NATIVE_SUFFIXES]
    reports: dict[str, FileReport] = {}
    if native:
        checked = gate.check([root / f for f in native], scanner, min_confidence=min_confidence)
        for name, report in zip(native, checked.files, strict=True):
            reports[name] = report
    for name in files:
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in _OPENERS:
            reports[name] = _scan_extra(root / name, _OPENERS[suffix], scanner, min_confidence)
        elif name not in reports:
            report = FileReport(root / name)
            report.error = HeadcountError(errors.PUBLISH_FILE_KIND, path=name)
            reports[name] = report
    derived = _png_rule(files, reports)
    ordered = tuple(_relabel(reports[name], root, name) for name in files)
    return ScanResult(gate.Verdict(ordered, datetime.now(UTC)), derived)


def _scan_extra(
    path: Path, opener: type[Extracted], scanner: Scanner, min_confidence: float
) -> FileReport:
    """What ``scan.report.scan_file`` does, for a document this package opens, part by part."""
    report = FileReport(path)
    try:
        report.size = path.stat().st_size
        document = opener(path, path.read_bytes())
        for piece in document.pieces():
            for unit, hits in detect(piece, scanner):
                report.findings.extend(
                    to_finding(str(path), unit, h) for h in hits if h.confidence >= min_confidence
                )
    except HeadcountError as exc:
        report.error = exc
        return report
    except OSError as exc:
        report.error = HeadcountError(errors.FILE_UNREADABLE, path=str(path), reason=exc.strerror)
        return report
    report.warnings = document.warnings()
    return report


def _png_rule(files: Sequence[str], reports: dict[str, FileReport]) -> dict[str, str]:
    derived: dict[str, str] = {}
    for name in files:
        if PurePosixPath(name).suffix.lower() != ".png":
            continue
        twin = str(PurePosixPath(name).with_suffix(".svg"))
        if twin in reports and reports[twin].clean:
            derived[name] = twin
        else:
            reports[name].warnings.append(
                HeadcountError(errors.PUBLISH_PNG_UNCHECKED, path=name, twin=twin)
            )
    return derived


def _relabel(report: FileReport, root: Path, name: str) -> FileReport:
    """The report with bundle paths instead of the staging directory's."""
    staged = str(root / name)

    def error(problem: HeadcountError) -> HeadcountError:
        details = {k: (name if v == staged else v) for k, v in problem.details.items()}
        return HeadcountError(problem.problem, **details)

    return FileReport(
        path=Path(name),
        findings=[dataclasses.replace(f, file=name) for f in report.findings],
        error=error(report.error) if report.error is not None else None,
        warnings=[error(w) for w in report.warnings],
        size=report.size,
    )
