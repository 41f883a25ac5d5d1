"""What goes into a bundle, and where: the source directories, their files, the staged copies.

The one tables directory (the source holding ``tables.json``) goes under ``tables/``; every other
source (communiqués with their charts) under its own folder name. Every regular file of a source
goes in, recursively: nothing is dropped silently, so a stray file is scanned (and refused if it is
of a kind that cannot be checked). Symbolic links, devices and names that the manifest and
``SHA256SUMS`` could not hold unambiguously (control characters, backslashes) are refused (E1874).

``stage`` copies the files into the staging directory, hashing the bytes it writes, so that the
gates check exactly the bytes that are published and the manifest describes exactly those.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from headcount import errors
from headcount.errors import HeadcountError
from headcount.tables.index import INDEX

__all__ = ["RESERVED", "TABLES", "Entry", "Source", "plan_sources", "stage"]

TABLES = "tables"
MANIFEST = "bundle.json"
SUMS = "SHA256SUMS"
SIGNATURE = "bundle.sig"
RESERVED = frozenset({MANIFEST, SUMS, SIGNATURE})


@dataclass(frozen=True, slots=True)
class Source:
    root: Path
    name: str  # folder inside the bundle
    files: tuple[str, ...]  # POSIX paths relative to root, sorted


@dataclass(frozen=True, slots=True)
class Entry:
    path: str  # inside the bundle
    sha256: str
    bytes: int


def _invalid(path: Path | str, reason: str) -> HeadcountError:
    return HeadcountError(errors.PUBLISH_SOURCE_INVALID, path=str(path), reason=reason)


def _files(root: Path) -> tuple[str, ...]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = here / name
            relative = path.relative_to(root).as_posix()
            if any(ord(ch) < 32 or ch in "\\\x7f" for ch in name):
                raise _invalid(root / relative, "a file name with a control character or \\")
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise _invalid(path, "a symbolic link (a bundle holds files only)")
            if name in filenames:
                if not stat.S_ISREG(mode):
                    raise _invalid(path, "not a regular file")
                found.append(relative)
    return tuple(sorted(found))


def plan_sources(sources: Sequence[Path], out: Path) -> tuple[Source, ...]:
    """The sources in bundle order (tables first); E1872 without a tables directory."""
    if not sources:
        raise HeadcountError(errors.PUBLISH_NOT_TABLES, path="-", reason="no source directory")
    target = out.resolve()
    planned: list[Source] = []
    for source in sources:
        if not source.is_dir() or source.is_symlink():
            raise _invalid(source, "not a directory")
        root = source.resolve()
        if target == root or root in target.parents or target in root.parents:
            raise _invalid(source, "the bundle cannot be inside a source, nor a source in it")
        is_tables = (root / INDEX).is_file()
        if is_tables and any(s.name == TABLES for s in planned):
            raise _invalid(source, "a bundle holds one tables directory")
        name = TABLES if is_tables else root.name
        if not is_tables and name in {TABLES, *RESERVED}:
            raise _invalid(source, f"a communiqué folder cannot be named {name}")
        if any(s.name == name for s in planned):
            raise _invalid(source, f"two sources named {name}")
        planned.append(Source(root, name, _files(root)))
    if not any(s.name == TABLES for s in planned):
        raise HeadcountError(errors.PUBLISH_NOT_TABLES, path=str(sources[0]), reason=f"no {INDEX}")
    return tuple(sorted(planned, key=lambda s: (s.name != TABLES, s.name)))


def stage(sources: Sequence[Source], staging: Path) -> list[Entry]:
    """Copy every file into ``staging`` (files 0600 while building); their digests and sizes."""
    entries: list[Entry] = []
    for source in sources:
        for relative in source.files:
            name = str(PurePosixPath(source.name) / relative)
            target = staging / name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            try:
                with (source.root / relative).open("rb") as src:
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as dst:
                        for block in iter(lambda: src.read(1 << 20), b""):
                            digest.update(block)
                            size += len(block)
                            dst.write(block)
                        dst.flush()
                        os.fsync(dst.fileno())
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise HeadcountError(
                    errors.FILE_UNREADABLE, path=str(source.root / relative), reason=reason
                ) from None
            entries.append(Entry(name, digest.hexdigest(), size))
    return entries
