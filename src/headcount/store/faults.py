"""Storage faults by name: a read-only database or disk, a full disk, a lock held too long, or
an unreachable server, each with its own problem code, instead of one "OperationalError".

The drivers say which it is only in their error codes (PostgreSQL's SQLSTATE) or, for SQLite,
in the message text; this module is the one place that reads them. The text itself is never
passed on: it can quote a statement's parameters.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import DataError, DBAPIError

from headcount import errors
from headcount.errors import HeadcountError

RETRY_AFTER_SECONDS = 30

# PostgreSQL SQLSTATE codes (Appendix A of its manual).
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction (a standby, default_transaction_read_only)
_PG_DISK_FULL = {"53100"}  # disk_full
_PG_LOCKED = {"55P03", "40P01"}  # lock_not_available, deadlock_detected

_SQLITE_READ_ONLY = ("readonly database", "read-only file system", "attempt to write a readonly")
_SQLITE_DISK_FULL = ("database or disk is full", "no space left on device")
_SQLITE_LOCKED = ("database is locked", "database table is locked")


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", exc)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def _text(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).lower()


def classify(exc: BaseException, *, where: str = "database") -> HeadcountError:
    """The catalogued problem behind a storage exception (E1012 a value the database cannot
    store, E1621 read-only, E1622 disk full, E1623 locked, otherwise E2004 unavailable)."""
    state = _sqlstate(exc)
    if isinstance(exc, DataError) or state.startswith("22"):
        # SQLSTATE class 22, "data exception": the value, not the database (a NUL byte in text,
        # a number out of range). A client error, never an outage to retry in 30 s.
        return HeadcountError(errors.VALUE_NOT_STORABLE)
    text = _text(exc) if isinstance(exc, DBAPIError | OSError) else ""
    if state in _PG_READ_ONLY or any(s in text for s in _SQLITE_READ_ONLY):
        return HeadcountError(errors.DATABASE_READ_ONLY, where=where)
    if state in _PG_DISK_FULL or any(s in text for s in _SQLITE_DISK_FULL):
        return HeadcountError(errors.DISK_FULL, where=where)
    if state in _PG_LOCKED or any(s in text for s in _SQLITE_LOCKED):
        return HeadcountError(errors.DATABASE_LOCKED, retry_after=RETRY_AFTER_SECONDS)
    return HeadcountError(errors.UNAVAILABLE, retry_after=RETRY_AFTER_SECONDS)


def read_only_mount(path: str | Path) -> bool:
    """Whether the file system holding ``path`` (or its nearest existing parent) is mounted
    read-only: SQLite then cannot even open a WAL database ("unable to open database file")."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
    except OSError:
        return False
