"""Checking a published bundle: ``headcount publish --verify BUNDLE``.

In order, stopping at the first stage that finds a problem:

1. ``bundle.json`` is a ``headcount-publication`` manifest (E1880 when it is not);
2. every listed file is there (E1883), has its SHA-256 and size (E1881), and no other file is
   (E1882); ``SHA256SUMS`` lists exactly bundle.json and those files with those digests (E1884);
3. with a public key, ``bundle.sig`` is a valid signature of bundle.json by it (E1886);
4. the gates run again on the files: the scan gate, and the disclosure checks with the options
   bundle.json records (E1885 naming the first failing file).

Problems are collected per stage and sorted by path, so the error names the first bad file and the
report lists all of them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from headcount import errors
from headcount.disclosure import DominanceRule, PPercentRule, parse_sensitive
from headcount.errors import HeadcountError
from headcount.processing.layout import digest_file as sha256_file
from headcount.publish.bundle import FORMAT, VERSION, gate_report, sums_text
from headcount.publish.disclosure import DisclosureOptions, run_checks
from headcount.publish.scanning import scan_bundle
from headcount.publish.signature import verify_signature
from headcount.publish.sources import MANIFEST, RESERVED, SIGNATURE, SUMS, TABLES
from headcount.publish.tables_index import load_index
from headcount.scan.recognizers import Scanner
from headcount.tables.index import LEVELS

__all__ = ["BundleCheck", "verify_bundle"]


@dataclass(slots=True)
class BundleCheck:
    path: Path
    problems: list[HeadcountError] = field(default_factory=list)
    files: int = 0
    signed_by: str | None = None
    signature: str = "absent"  # absent | present (not checked) | valid
    gates: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": str(self.path),
            "ok": self.ok,
            "files": self.files,
            "signature": self.signature,
            "signed_by": self.signed_by,
            "error": self.problems[0].to_dict() if self.problems else None,
            "problems": [p.to_dict() for p in self.problems],
            "gates": self.gates,
        }


def _not_bundle(path: Path, reason: str) -> HeadcountError:
    return HeadcountError(errors.BUNDLE_NOT_FOUND, path=str(path), reason=reason)


def _manifest(root: Path) -> dict[str, Any]:
    if not root.is_dir():
        raise _not_bundle(root, "not a directory")
    try:
        doc = json.loads((root / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise _not_bundle(root, "no bundle.json") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise _not_bundle(root, "bundle.json is not readable JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise _not_bundle(root, f"bundle.json is not a {FORMAT} manifest, version {VERSION}")
    files = doc.get("files")
    if not isinstance(files, list) or not all(_entry_ok(e) for e in files):
        raise _not_bundle(root, "bundle.json has a malformed file list")
    return doc


def _entry_ok(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return False
    path = PurePosixPath(entry["path"])
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and len(path.parts) > 1
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("bytes"), int)
    )


def _present(root: Path) -> dict[str, bool]:
    """Every path in the bundle but its own three files → is it a regular file (not a link)?"""
    found: dict[str, bool] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*filenames, *(d for d in dirnames if (Path(dirpath) / d).is_symlink())]:
            path = Path(dirpath) / name
            relative = path.relative_to(root).as_posix()
            if relative not in RESERVED:
                found[relative] = stat.S_ISREG(path.lstat().st_mode)
    return found


def _integrity(root: Path, listed: dict[str, dict[str, Any]]) -> list[HeadcountError]:
    present = _present(root)
    problems: list[HeadcountError] = []
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            problems.append(HeadcountError(errors.BUNDLE_FILE_REMOVED, path=name))
        elif name not in listed or not present[name]:
            problems.append(HeadcountError(errors.BUNDLE_FILE_ADDED, path=name))
        elif (root / name).stat().st_size != listed[name]["bytes"] or sha256_file(
            root / name
        ) != listed[name]["sha256"]:
            problems.append(HeadcountError(errors.BUNDLE_DIGEST_MISMATCH, path=name))
    return problems


def _sums(root: Path, listed: dict[str, dict[str, Any]]) -> list[HeadcountError]:
    expected = [(MANIFEST, sha256_file(root / MANIFEST))]
    expected += [(name, entry["sha256"]) for name, entry in listed.items()]
    try:
        actual = (root / SUMS).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return [HeadcountError(errors.BUNDLE_SUMS_MISMATCH, path=SUMS)]
    if actual == sums_text(expected):
        return []
    lines = {line[66:]: line[:64] for line in actual.splitlines() if line[64:66] == "  "}
    wanted = dict(expected)
    bad = sorted(n for n in set(lines) | set(wanted) if lines.get(n) != wanted.get(n))
    return [HeadcountError(errors.BUNDLE_SUMS_MISMATCH, path=bad[0] if bad else SUMS)]


def _options(doc: dict[str, Any]) -> DisclosureOptions:
    """The disclosure options the bundle was made with (defaults where it records none; a check
    it does not record, made before that check existed, is not applied: no levels)."""
    checks = ((doc.get("gates") or {}).get("disclosure") or {}).get("checks") or []
    recorded = {c.get("name"): c for c in checks if isinstance(c, dict)}

    def levels(name: str, default: tuple[str, ...]) -> frozenset[str]:
        check = recorded.get(name) or {}
        return frozenset(lv for lv in check.get("levels", default) or () if lv in LEVELS)

    try:
        return _recorded(recorded, levels)
    except (TypeError, ValueError):
        raise HeadcountError(
            errors.DISCLOSE_OPTION_INVALID,
            name="bundle.json gates.disclosure.checks",
            value="-",
            reason="a check's parameters are not numbers",
        ) from None


def _recorded(
    recorded: dict[Any, dict[str, Any]], levels: Callable[[str, tuple[str, ...]], frozenset[str]]
) -> DisclosureOptions:
    options = DisclosureOptions(attribute_levels=levels("full_cell", ()))
    if "min_cell" in recorded:
        threshold = int(recorded["min_cell"].get("threshold", options.min_cell))
        options = replace(options, min_cell=threshold, levels=levels("min_cell", LEVELS))
    if "full_cell" in recorded:
        written = ",".join(str(s) for s in recorded["full_cell"].get("sensitive") or [])
        options = replace(options, sensitive=parse_sensitive(written or "none"))
    if "dominance" in recorded:
        check = recorded["dominance"]
        rule = DominanceRule(int(check.get("n", 0)), float(check.get("k", 0)))
        options = replace(options, dominance=rule)
    if "p_percent" in recorded:
        options = replace(options, p_percent=PPercentRule(float(recorded["p_percent"].get("p", 0))))
    return options


def verify_bundle(
    root: Path, *, public_key: bytes | None = None, scanner: Scanner | None = None
) -> BundleCheck:
    """Check the bundle ``root``; E1880 (raised) when it is not a bundle at all."""
    doc = _manifest(root)
    listed = {e["path"]: e for e in doc["files"]}
    result = BundleCheck(root, files=len(listed))
    result.problems = _integrity(root, listed) or _sums(root, listed)
    if (root / SIGNATURE).exists():
        result.signature = "present (not checked)"
    if not result.problems and public_key is not None:
        try:
            result.signed_by = verify_signature(root, public_key)
            result.signature = "valid"
        except HeadcountError as exc:
            result.problems.append(exc)
    if result.problems:
        return result
    scan = scan_bundle(root, sorted(listed), scanner)
    try:
        disclosure = run_checks(load_index(root / TABLES), _options(doc), prefix=f"{TABLES}/")
    except HeadcountError as exc:
        result.problems.append(exc)
        return result
    report = gate_report(scan, disclosure)
    result.gates = {"scan": report["scan"], "disclosure": report["disclosure"]}
    seen: set[tuple[str, str]] = set()
    for item in report["blocking"]:
        key = (item["file"], f"{item['gate']}: {item['type']}")
        if key not in seen:
            seen.add(key)
            result.problems.append(
                HeadcountError(errors.BUNDLE_GATE_FAILED, path=key[0], reason=key[1])
            )
    result.problems.sort(key=lambda p: str(p.details.get("path", "")))
    return result
