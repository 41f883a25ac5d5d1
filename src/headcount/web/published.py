"""The published bundles: what ``headcount publish`` wrote into ``HEADCOUNT_PUBLICATION_DIR``,
read-only, for everyone (``/published``; docs/results.md).

Each subdirectory holding a ``bundle.json`` of format ``headcount-publication`` is a bundle (names
starting with a dot are ``publish``'s staging directories and are skipped). A file is served only
when its path is one ``bundle.json`` lists (or is ``bundle.json``, ``SHA256SUMS`` or
``bundle.sig`` themselves): the name asked for is looked up in that list and never joined onto a
directory as given, so ``../`` and unlisted names are simply not found (E2144). The bytes are
checked against the listed SHA-256 before they leave (E2145 when a file was changed after
publication), so the page never offers a digest that the download does not have.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from headcount import errors
from headcount.errors import HeadcountError

__all__ = [
    "CSP",
    "Bundle",
    "Communique",
    "PublishedFile",
    "Served",
    "bundle",
    "bundles",
    "read_file",
]

FORMAT = "headcount-publication"
MANIFEST, SUMS, SIGNATURE = "bundle.json", "SHA256SUMS", "bundle.sig"
COMMUNIQUE_INDEX = "communique.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_COMMUNIQUE_HTML = re.compile(r"no(\d{1,2})\.(zh|en)\.html")
# Bundle files are shown as they are: HTML may style itself and show the bundle's images, and
# nothing else: no script, no form, no frame, no outside resource.
CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".parquet": "application/vnd.apache.parquet",
}
DOWNLOADED = frozenset({".csv", ".xlsx", ".parquet"})  # saved, not shown


class PublishedFile(BaseModel):
    path: str
    bytes: int
    sha256: str | None  # None: SHA256SUMS and the signature, which no list can hold


class Communique(BaseModel):
    no: int
    title_zh: str
    title_en: str
    html: dict[str, str]  # language → path inside the bundle


class Bundle(BaseModel):
    name: str
    created_at: str
    synthetic: bool
    counting_rule_version: str | None
    manifest_sha256: str
    communiques: list[Communique]
    files: list[PublishedFile]
    files_scanned: int  # by the personal-data scan at publication (bundle.json "gates")
    min_cell: int | None  # the minimum cell size the disclosure check applied, if any
    min_cell_levels: list[str]  # the levels it applied to ([]: not applied)

    @property
    def date(self) -> str:
        return self.created_at[:10]


def _safe(path: Any) -> bool:
    """A plain relative POSIX path: no "..", no absolute path, backslash or control character."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


@dataclass(frozen=True, slots=True)
class _Read:
    root: Path
    doc: dict[str, Any]
    sha256: str
    listed: dict[str, dict[str, Any]]


def _read(root: Path) -> _Read | None:
    """A bundle's manifest, or None when the directory is not a readable bundle."""
    try:
        data = (root / MANIFEST).read_bytes()
        doc = json.loads(data)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    files = doc.get("files")
    if not isinstance(files, list):
        return None
    listed = {
        f["path"]: f
        for f in files
        if isinstance(f, dict)
        and _safe(f.get("path"))
        and isinstance(f.get("sha256"), str)
        and f["path"] not in (MANIFEST, SUMS, SIGNATURE)
    }
    return _Read(root, doc, hashlib.sha256(data).hexdigest(), listed)


def _root(publication_dir: Path | None, name: str) -> Path | None:
    if publication_dir is None or not _NAME.fullmatch(name):
        return None
    root = publication_dir / name
    return root if root.is_dir() and not root.is_symlink() else None


def _communiques(read: _Read) -> list[Communique]:
    """The communiqués' HTML pages, titled from communique.json when the bundle has one."""
    titles: dict[tuple[str, int], tuple[str, str]] = {}
    for path in read.listed:
        pure = PurePosixPath(path)
        if pure.name != COMMUNIQUE_INDEX:
            continue
        try:
            index = json.loads((read.root / path).read_bytes())
        except (OSError, ValueError):
            continue
        for item in index.get("communiques", []) if isinstance(index, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("no"), int):
                zh, en = str(item.get("title_zh") or ""), str(item.get("title_en") or "")
                titles[(str(pure.parent), item["no"])] = (zh, en)
    found: dict[tuple[str, int], Communique] = {}
    for path in sorted(read.listed):
        pure = PurePosixPath(path)
        matched = _COMMUNIQUE_HTML.fullmatch(pure.name)
        if matched is None:
            continue
        key = (str(pure.parent), int(matched.group(1)))
        zh, en = titles.get(key, ("", ""))
        entry = found.setdefault(key, Communique(no=key[1], title_zh=zh, title_en=en, html={}))
        entry.html[matched.group(2)] = path
    return sorted(found.values(), key=lambda c: c.no)


def _describe(name: str, read: _Read) -> Bundle:
    source = read.doc.get("source")
    tables = source.get("tables") if isinstance(source, dict) else None
    tables = tables if isinstance(tables, dict) else {}
    origin = tables.get("source")
    kind = origin.get("kind") if isinstance(origin, dict) else None
    rules = tables.get("counting_rule_version")
    head = [PublishedFile(path=MANIFEST, bytes=_size(read.root / MANIFEST), sha256=read.sha256)]
    head += [
        PublishedFile(path=extra, bytes=_size(read.root / extra), sha256=None)
        for extra in (SUMS, SIGNATURE)
        if (read.root / extra).is_file()
    ]
    files = [
        PublishedFile(path=path, bytes=int(entry.get("bytes") or 0), sha256=entry["sha256"])
        for path, entry in read.listed.items()
    ]
    created = read.doc.get("created_at")
    scan, check = _gates(read.doc)
    return Bundle(
        name=name,
        created_at=created if isinstance(created, str) else "",
        synthetic=kind == "synth",
        counting_rule_version=rules if isinstance(rules, str) else None,
        manifest_sha256=read.sha256,
        communiques=_communiques(read),
        files=head + files,
        files_scanned=int(scan.get("files_scanned") or 0),
        min_cell=check.get("threshold") if isinstance(check.get("threshold"), int) else None,
        min_cell_levels=[str(level) for level in check.get("levels") or []],
    )


def _object(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _gates(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What bundle.json says the gates found: the scan's summary and the minimum-cell check."""
    gates = _object(doc, "gates")
    checks = _object(gates, "disclosure").get("checks")
    min_cell = next(
        (c for c in checks or [] if isinstance(c, dict) and c.get("name") == "min_cell"), {}
    )
    return _object(gates, "scan"), min_cell


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def bundles(publication_dir: Path | None) -> list[Bundle]:
    """Every readable bundle, newest first; none when the directory is not configured."""
    if publication_dir is None or not publication_dir.is_dir():
        return []
    found: list[Bundle] = []
    for child in sorted(publication_dir.iterdir()):
        if _root(publication_dir, child.name) is None:
            continue
        read = _read(child)
        if read is not None:
            found.append(_describe(child.name, read))
    return sorted(found, key=lambda b: (b.created_at, b.name), reverse=True)


def any_bundle(publication_dir: Path | None) -> bool:
    """Whether there is something to link from the start page (no manifest is parsed)."""
    if publication_dir is None or not publication_dir.is_dir():
        return False
    return any(
        _root(publication_dir, c.name) is not None and (c / MANIFEST).is_file()
        for c in publication_dir.iterdir()
    )


def bundle(publication_dir: Path | None, name: str) -> Bundle:
    root = _root(publication_dir, name)
    read = _read(root) if root is not None else None
    if read is None:
        raise HeadcountError(errors.PUBLISHED_NOT_FOUND, name=name[:100])
    return _describe(name, read)


@dataclass(frozen=True, slots=True)
class Served:
    data: bytes
    media_type: str
    filename: str
    download: bool


def read_file(publication_dir: Path | None, name: str, path: str) -> Served:
    """A listed file of bundle ``name``, its digest checked; E2144 for anything not listed."""
    shown = f"{name[:100]}/{path[:200]}"
    root = _root(publication_dir, name)
    read = _read(root) if root is not None else None
    if read is None:
        raise HeadcountError(errors.PUBLISHED_NOT_FOUND, name=shown)
    if path in (MANIFEST, SUMS, SIGNATURE):
        expected = read.sha256 if path == MANIFEST else None
    elif path in read.listed:
        expected = str(read.listed[path]["sha256"])
    else:
        raise HeadcountError(errors.PUBLISHED_NOT_FOUND, name=shown)
    target = read.root / path
    try:
        resolved = target.resolve(strict=True)
        if not resolved.is_relative_to(read.root.resolve()) or not resolved.is_file():
            raise HeadcountError(errors.PUBLISHED_NOT_FOUND, name=shown)
        data = resolved.read_bytes()
    except OSError:
        raise HeadcountError(errors.PUBLISHED_NOT_FOUND, name=shown) from None
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise HeadcountError(errors.PUBLISHED_FILE_ALTERED, name=shown)
    suffix = PurePosixPath(path).suffix.lower()
    media = MEDIA_TYPES.get(suffix, "text/plain; charset=utf-8" if path == SUMS else "")
    return Served(
        data=data,
        media_type=media or "application/octet-stream",
        filename=PurePosixPath(path).name,
        download=suffix in DOWNLOADED,
    )
