"""Scanning files and folders: documents in, located and masked findings out.

A file that cannot be read is reported with its catalogued error instead of findings; it is never
silently skipped, because a file nobody could check must not be published.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan import masks
from headcount.scan.extract import LEGACY_SUFFIXES, SUFFIXES, Document, Unit, open_document
from headcount.scan.findings import Finding, Hit
from headcount.scan.recognizers import Scanner, complete_row


@dataclass(slots=True)
class FileReport:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    error: HeadcountError | None = None
    warnings: list[HeadcountError] = field(default_factory=list)
    size: int = 0

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def clean(self) -> bool:
        return self.error is None and not self.warnings and not self.blocking


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and inside folders (recursively, sorted) the ones of a scannable kind.

    Legacy Office files found in folders are yielded too, so that they are refused loudly; a
    folder with nothing to scan is yielded itself and reported as an error.
    """
    for path in paths:
        if path.is_dir():
            found = False
            for child in sorted(path.rglob("*")):
                suffix = child.suffix.lower()
                if child.is_file() and (suffix in SUFFIXES or suffix in LEGACY_SUFFIXES):
                    found = True
                    yield child
            if not found:
                yield path
        else:
            yield path


def detect(document: Document, scanner: Scanner) -> list[tuple[Unit, list[Hit]]]:
    """Hits for every unit of a document, in one pass; then names beside IDs in table rows."""
    units = document.units()
    texts = [u.text for u in units]
    found = scanner.scan_many(texts, [u.header for u in units])
    i = 0
    while i < len(units):
        row = units[i].row
        j = i + 1
        if row is not None:
            while j < len(units) and units[j].row == row:
                j += 1
            found[i:j] = complete_row(texts[i:j], found[i:j])
        i = j
    return list(zip(units, found, strict=True))


def to_finding(name: str, unit: Unit, hit: Hit) -> Finding:
    return Finding(
        file=name,
        location=unit.location,
        column=unit.column if unit.column is not None else hit.start + 1,
        type=hit.type,
        confidence=hit.confidence,
        preview=masks.preview(hit.type, unit.text[hit.start : hit.end]),
        masked=hit.masked,
        blocking=hit.blocking,
    )


def scan_file(path: Path, scanner: Scanner, *, min_confidence: float = 0.5) -> FileReport:
    report = FileReport(path)
    if path.is_dir():
        report.error = HeadcountError(errors.SCAN_NO_FILES, path=str(path))
        return report
    try:
        report.size = path.stat().st_size
        document = open_document(path)
    except HeadcountError as exc:
        report.error = exc
        return report
    except FileNotFoundError:
        report.error = HeadcountError(errors.FILE_NOT_FOUND, path=str(path))
        return report
    except OSError as exc:
        report.error = HeadcountError(errors.FILE_UNREADABLE, path=str(path), reason=exc.strerror)
        return report
    report.warnings = document.warnings()
    for unit, hits in detect(document, scanner):
        report.findings.extend(
            to_finding(str(path), unit, h) for h in hits if h.confidence >= min_confidence
        )
    return report


def scan_paths(
    paths: Iterable[Path], scanner: Scanner | None = None, *, min_confidence: float = 0.5
) -> Iterator[FileReport]:
    scanner = scanner or Scanner()
    for path in iter_files(paths):
        yield scan_file(path, scanner, min_confidence=min_confidence)
