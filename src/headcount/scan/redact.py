"""Writing a masked copy of a file in its own format, atomically.

The copy is written to a temporary file beside the target and renamed into place only when
everything succeeded, so a damaged or encrypted input, a bad policy or a full disk leaves nothing
behind and never touches an existing file unless asked to replace it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, kind_of, open_document
from headcount.scan.findings import Finding, PiiType
from headcount.scan.policy import DEFAULT_POLICY, Policy
from headcount.scan.recognizers import Scanner
from headcount.scan.report import detect, scan_file


@dataclass(slots=True)
class RedactResult:
    source: Path
    target: Path
    replaced: Counter[PiiType] = field(default_factory=Counter)
    remaining: list[Finding] = field(default_factory=list)  # filled by ``check=True``


def _check_target(source: Path, target: Path, force: bool) -> None:
    if kind_of(source) != kind_of(target) or source.suffix.lower() != target.suffix.lower():
        raise HeadcountError(
            errors.REDACT_FORMAT_MISMATCH, source=source.suffix or "?", target=target.suffix or "?"
        )
    if target.exists() and (not force or target.resolve() == source.resolve()):
        raise HeadcountError(errors.REDACT_OUTPUT_EXISTS, path=str(target))
    if not target.parent.is_dir():
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(target.parent))


def redact_file(
    source: Path,
    target: Path,
    policy: Policy = DEFAULT_POLICY,
    scanner: Scanner | None = None,
    *,
    force: bool = False,
    check: bool = False,
) -> RedactResult:
    """Mask every blocking finding of ``source`` into ``target`` (same format).

    With ``check``, the written copy is scanned again and what is still found is returned in
    ``remaining`` (the copy is kept: it is never less safe than the input).
    """
    scanner = scanner or Scanner()
    _check_target(source, target, force)
    document = open_document(source)
    result = RedactResult(source, target)
    edits: dict[int, Edits] = {}
    for index, (unit, hits) in enumerate(detect(document, scanner)):
        changes: Edits = []
        for hit in hits:
            if hit.blocking and hit.confidence >= policy.min_confidence:
                value = unit.text[hit.start : hit.end]
                changes.append((hit.start, hit.end, policy.replacement(hit.type, value)))
                result.replaced[hit.type] += 1
        if changes:
            edits[index] = changes
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(
            dir=target.parent, prefix=".headcount-", suffix=target.suffix
        )
        os.close(handle)
        temporary = Path(name)
        document.write(edits, temporary)
        if check:
            report = scan_file(temporary, scanner, min_confidence=policy.min_confidence)
            if report.error is not None:
                raise report.error
            result.remaining = [replace(f, file=str(target)) for f in report.blocking]
        os.replace(temporary, target)
    except OSError as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(target), reason=exc.strerror or type(exc).__name__
        ) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    return result
