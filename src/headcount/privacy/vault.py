"""The key vault: one small JSON file outside the database (in production, a KMS takes its place).

It holds the master key, one or more key-encryption keys (KEKs) per scope (census wave × area),
the blind-index root key (the latter two wrapped by the master key) and the shredded scopes.
Data keys (DEKs) are wrapped by their scope's KEK and may live in the database: because a KEK exists
only here, deleting it makes every copy of that scope's DEKs useless, including database backups
taken before the shred. That is why this file must never be backed up together with the database.

Several processes may share the file (web workers, the CLI): every change happens under an exclusive
lock on ``<file>.lock``, re-reads the file first and replaces it atomically (temp file, fsync,
rename, fsync of the directory); readers reload when the file's identity or mtime changes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.scopes import check_scope

Mode = Literal["production", "development", "demo"]
FORMAT = "headcount-key-vault"
VERSION = 1
INDEX_KEY_BYTES = 32

# The well-known demo master key: anyone can read it here, so it is refused outside demo mode.
DEMO_MASTER_KEY = crypto.digest("intl", b"headcount demo master key - not a secret")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(slots=True)
class _Kek:
    id: bytes
    wrapped: bytes
    created: str


@dataclass(slots=True)
class _State:
    profile: Profile
    created: str
    master_id: bytes
    master: bytes
    index_wrapped: bytes
    keks: dict[str, list[_Kek]] = field(default_factory=dict)
    shredded: dict[str, str] = field(default_factory=dict)


def _is_placeholder(key: bytes) -> bool:
    """Random keys use most byte values; 'changeme', zeros or repeated patterns do not."""
    return len(set(key)) < len(key) // 2


class MasterKey:
    """The vault file. Never shows key material in repr, str or errors."""

    def __init__(self, path: Path, state: _State, stamp: tuple[int, int, int]) -> None:
        self._path = path
        self._state = state
        self._stamp = stamp

    # --- creating and loading ----------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, profile: Profile, *, demo: bool = False) -> MasterKey:
        """Write a new vault with a random master key (mode 0600); refuses to overwrite a file.

        ``demo`` writes the well-known demo master key, which only ``mode="demo"`` will load.
        """
        profile = crypto.check_profile(profile)
        crypto.self_test(profile)
        target = Path(path)
        master = DEMO_MASTER_KEY[: crypto.KEY_BYTES[profile]] if demo else crypto.new_key(profile)
        state = _State(profile, _now(), crypto.new_key_id(), master, b"")
        state.index_wrapped = _wrap_index(state, crypto.random_bytes(INDEX_KEY_BYTES))
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise HeadcountError(errors.KEY_FILE_EXISTS, path=str(target)) from None
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(_dump(state))
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(target.parent)
        return cls.load(target, mode="demo" if demo else "production")

    @classmethod
    def load(cls, path: str | Path, *, mode: Mode | str = "production") -> MasterKey:
        """Open a vault; refuses group/world-readable, malformed, placeholder and (outside demo
        mode) demo keys. Runs the profile's known-answer tests (no start when one fails)."""
        target = Path(path)
        state, stamp = _read(target)
        if _is_placeholder(state.master):
            raise HeadcountError(errors.KEY_FILE_PLACEHOLDER, path=str(target))
        if mode != "demo" and state.master == DEMO_MASTER_KEY[: len(state.master)]:
            raise HeadcountError(errors.KEY_FILE_DEMO_REFUSED, path=str(target))
        crypto.self_test(state.profile)
        return cls(target, state, stamp)

    # --- reading -------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def profile(self) -> Profile:
        return self._state.profile

    @property
    def key_id(self) -> str:
        """The master key's id (hex); safe to show."""
        return self._state.master_id.hex()

    @property
    def is_demo(self) -> bool:
        return self._state.master == DEMO_MASTER_KEY[: len(self._state.master)]

    def __repr__(self) -> str:
        return (
            f"MasterKey(path={str(self._path)!r}, profile={self.profile!r}, "
            f"id={self.key_id[:8]}…, scopes={len(self._state.keks)}, "
            f"shredded={len(self._state.shredded)})"
        )

    __str__ = __repr__

    def scopes(self) -> list[str]:
        """Scopes that have a key-encryption key (live scopes)."""
        self._refresh()
        return sorted(self._state.keks)

    def shredded(self) -> dict[str, str]:
        """Shredded scopes and when (UTC, ISO 8601)."""
        self._refresh()
        return dict(self._state.shredded)

    def is_shredded(self, scope: str) -> bool:
        self._refresh()
        return scope in self._state.shredded

    def index_root(self) -> bytes:
        """The blind-index root key; independent of master rotation (re-indexing is costly)."""
        self._refresh()
        aad = crypto.canonical("headcount/index-key/v1")
        return crypto.unseal(self._state.master, self._state.index_wrapped, aad)

    def kek(self, scope: str, kek_id: bytes | None = None) -> tuple[bytes, bytes]:
        """(id, raw KEK) of a scope: the given id, or the newest, created on first use.

        Raises E1407 when the scope was shredded, E1406 when the given id is unknown.
        """
        check_scope(scope)
        self._refresh()
        if scope in self._state.shredded:
            raise HeadcountError(errors.SCOPE_SHREDDED, scope=scope)
        keks = self._state.keks.get(scope)
        if not keks and kek_id is None:
            self.new_kek(scope, only_if_missing=True)
            keks = self._state.keks[scope]
        for kek in reversed(keks or []):
            if kek_id is None or kek.id == kek_id:
                return kek.id, self._unwrap_kek(scope, kek)
        raise HeadcountError(errors.KEY_UNKNOWN, key_id=(kek_id or b"").hex())

    def _unwrap_kek(self, scope: str, kek: _Kek) -> bytes:
        return self._unwrap_with(self._state, scope, kek)

    # --- changing (each under the lock, on a fresh read, written atomically) ------------------

    def new_kek(self, scope: str, *, only_if_missing: bool = False) -> bytes:
        """Add a fresh KEK to a scope and make it the newest; returns its id.

        ``only_if_missing``: keep the KEK another process created meanwhile (first use races).
        """
        check_scope(scope)
        with self._changing() as state:
            if scope in state.shredded:
                raise HeadcountError(errors.SCOPE_SHREDDED, scope=scope)
            if only_if_missing and state.keks.get(scope):
                return state.keks[scope][-1].id
            kek_id = crypto.new_key_id()
            wrapped = crypto.seal(
                state.profile,
                state.master,
                state.master_id,
                crypto.new_key(state.profile),
                _kek_aad(scope, kek_id),
            )
            state.keks.setdefault(scope, []).append(_Kek(kek_id, wrapped, _now()))
        return kek_id

    def drop_keks(self, scope: str, *, keep: bytes) -> int:
        """Delete every KEK of a scope except ``keep`` (after its DEKs were re-wrapped)."""
        with self._changing() as state:
            before = state.keks.get(scope, [])
            if not any(k.id == keep for k in before):
                raise HeadcountError(errors.KEY_UNKNOWN, key_id=keep.hex())
            state.keks[scope] = [k for k in before if k.id == keep]
        return len(before) - 1

    def shred(self, scope: str) -> None:
        """Destroy every KEK of a scope and record it as shredded; cannot be undone."""
        check_scope(scope)
        with self._changing() as state:
            state.keks.pop(scope, None)
            state.shredded.setdefault(scope, _now())

    def rotate_master(self) -> None:
        """Replace the master key and re-wrap every KEK and the index key under the new one."""
        with self._changing() as state:
            keks = {
                s: [(k, self._unwrap_with(state, s, k)) for k in ks] for s, ks in state.keks.items()
            }
            index_key = crypto.unseal(
                state.master, state.index_wrapped, crypto.canonical("headcount/index-key/v1")
            )
            state.master = crypto.new_key(state.profile)
            state.master_id = crypto.new_key_id()
            for scope, pairs in keks.items():
                for kek, raw in pairs:
                    kek.wrapped = crypto.seal(
                        state.profile, state.master, state.master_id, raw, _kek_aad(scope, kek.id)
                    )
            state.index_wrapped = _wrap_index(state, index_key)

    @staticmethod
    def _unwrap_with(state: _State, scope: str, kek: _Kek) -> bytes:
        return crypto.unseal(
            state.master, kek.wrapped, _kek_aad(scope, kek.id), table="key vault", column=scope
        )

    @contextlib.contextmanager
    def _changing(self) -> Iterator[_State]:
        lock_path = self._path.with_name(self._path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state, _ = _read(self._path)
            yield state
            _replace(self._path, _dump(state))
            self._state, self._stamp = _read(self._path)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _refresh(self) -> None:
        """Reload when another process replaced the file (a shred must take effect at once)."""
        try:
            current = _stamp_of(os.stat(self._path))
        except FileNotFoundError:
            raise HeadcountError(errors.KEY_FILE_MISSING, path=str(self._path)) from None
        if current != self._stamp:
            self._state, self._stamp = _read(self._path)


def _kek_aad(scope: str, kek_id: bytes) -> bytes:
    return crypto.canonical("headcount/kek/v1", scope, kek_id)


def _wrap_index(state: _State, index_key: bytes) -> bytes:
    aad = crypto.canonical("headcount/index-key/v1")
    return crypto.seal(state.profile, state.master, state.master_id, index_key, aad)


def _stamp_of(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _dump(state: _State) -> bytes:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "profile": state.profile,
        "created": state.created,
        "master": {"id": state.master_id.hex(), "key": _b64(state.master)},
        "index_key": _b64(state.index_wrapped),
        "keks": {
            scope: [
                {"id": k.id.hex(), "wrapped": _b64(k.wrapped), "created": k.created} for k in ks
            ]
            for scope, ks in sorted(state.keks.items())
        },
        "shredded": dict(sorted(state.shredded.items())),
    }
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _read(path: Path) -> tuple[_State, tuple[int, int, int]]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise HeadcountError(errors.KEY_FILE_MISSING, path=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise HeadcountError(
                errors.KEY_FILE_PERMISSIONS, path=str(path), mode=oct(st.st_mode & 0o777)
            )
        raw = handle.read(1 << 22)
    try:
        return _parse(json.loads(raw.decode("utf-8"))), _stamp_of(st)
    except (ValueError, KeyError, TypeError, binascii.Error, HeadcountError) as exc:
        # The reason names the structural fault only, never a value from the file.
        reason = type(exc).__name__ if not isinstance(exc, _Malformed) else str(exc)
        raise HeadcountError(errors.KEY_FILE_MALFORMED, path=str(path), reason=reason) from None


class _Malformed(ValueError):
    pass


def _parse(doc: Any) -> _State:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _Malformed("not a Headcount key vault")
    if doc.get("version") != VERSION:
        raise _Malformed(f"unsupported version {doc.get('version')!r}"[:60])
    profile = doc.get("profile")
    if profile not in crypto.PROFILES:
        raise _Malformed("unknown profile")
    master = base64.b64decode(doc["master"]["key"], validate=True)
    if len(master) != crypto.KEY_BYTES[profile]:
        raise _Malformed(f"master key must have {crypto.KEY_BYTES[profile]} bytes")
    master_id = bytes.fromhex(doc["master"]["id"])
    if len(master_id) != crypto.KEY_ID_BYTES:
        raise _Malformed("master key id must have 16 bytes")
    state = _State(
        profile,
        str(doc["created"]),
        master_id,
        master,
        base64.b64decode(doc["index_key"], validate=True),
    )
    for scope, keks in dict(doc.get("keks", {})).items():
        state.keks[check_scope(scope)] = [
            _Kek(
                bytes.fromhex(k["id"]),
                base64.b64decode(k["wrapped"], validate=True),
                str(k["created"]),
            )
            for k in keks
        ]
    state.shredded = {
        check_scope(s): str(when) for s, when in dict(doc.get("shredded", {})).items()
    }
    return state


def _replace(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
