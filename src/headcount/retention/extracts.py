"""The extract directories a schedule lists: each an extract, or a folder of extracts.

Read from their manifests only (``processing/layout.py``'s format): the job deletes whole
extracts and never anything else, so a listed path holding other things is refused (E2211).
"""

from __future__ import annotations

import json
from pathlib import Path

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.processing import layout
from headcount.retention.plan import ExtractFound
from headcount.retention.schedule import Schedule


def listed(schedule: Schedule) -> tuple[list[ExtractFound], list[Path]]:
    """Each listed path: an extract, or a folder whose sub-folders are extracts (or nothing yet,
    or nothing left); a file or a folder of other things is refused (E2211), never deleted."""
    found: list[ExtractFound] = []
    absent: list[Path] = []
    for path in schedule.rule("extracts").paths:
        if not path.exists():
            absent.append(path)
            continue
        one = read(path)
        if one is not None:
            found.append(one)
            continue
        inside = [e for e in map(read, sorted(path.iterdir())) if e] if path.is_dir() else []
        others = not path.is_dir() or any(not e.name.startswith(".") for e in path.iterdir())
        if not inside and others:
            # Something else lives there: a wrong path, never a reason to delete anything.
            raise HeadcountError(
                errors.RETENTION_SCHEDULE_INVALID,
                path=schedule.source,
                where="extracts.paths",
                reason=f"{path} is neither an extract nor a folder of extracts",
            )
        found.extend(inside)
    return found, absent


def read(path: Path) -> ExtractFound | None:
    manifest = path / layout.MANIFEST
    try:
        raw = manifest.read_bytes()
        doc = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != layout.FORMAT:
        return None
    files = [f for t in doc.get("tables", {}).values() for f in t.get("files", [])]
    return ExtractFound(
        path=path.resolve(),
        manifest_sha256=crypto.digest("intl", raw).hex(),
        wave=str(doc.get("wave", "")),
        created_at=str(doc.get("created_at", "")),
        files=len(files),
        bytes=sum(int(f.get("bytes", 0)) for f in files),
    )
