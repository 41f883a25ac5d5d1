"""The key hierarchy: vault (master key → per-scope KEKs) → data keys (DEKs) → field ciphertexts.

    MasterKey (vault file, outside the database; see vault.py)
     ├── KEK per scope (wave × area), wrapped by the master key, in the vault only
     │    └── DEK (DataKey), wrapped by its scope's KEK, stored anywhere (WrappedKeyStore: SQL)
     │         └── field ciphertexts, each naming its DEK id in its header
     └── blind-index root key

Life of a DEK: ``active`` (encrypts and decrypts; one per scope) → ``retired`` after rotate()
(still decrypts, while the re-encryption job moves rows off it) → ``disabled`` once no row uses it
(material destroyed). ``shredded``: the whole scope was destroyed (vault KEK deleted first, so
restored backups of the store cannot unwrap it either).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, NamedTuple, Protocol

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.scopes import check_scope, scope_of
from headcount.privacy.vault import MasterKey

__all__ = [
    "DataKey",
    "KekVault",
    "KeyRing",
    "KeyState",
    "MasterKey",
    "MasterRotation",
    "MemoryKeyStore",
    "WrappedKeyStore",
    "check_scope",
    "scope_of",
]

KeyState = Literal["active", "retired", "disabled", "shredded"]
KEY_STATES: tuple[KeyState, ...] = ("active", "retired", "disabled", "shredded")


class MasterRotation(NamedTuple):
    scopes: int  # scopes whose KEKs were re-wrapped under the new master key
    keks_rotated: bool
    deks_rewrapped: int


@dataclass(frozen=True, slots=True)
class DataKey:
    """A data key as stored: the wrapped bytes name the KEK that wrapped them (sealed format)."""

    id: bytes
    scope: str
    wrapped: bytes
    state: KeyState
    created: datetime

    @property
    def id_hex(self) -> str:
        return self.id.hex()

    def __repr__(self) -> str:
        return (
            f"DataKey(id={self.id.hex()}, scope={self.scope!r}, state={self.state!r}, "
            f"wrapped=<{len(self.wrapped)} bytes>, created={self.created.isoformat()})"
        )


class WrappedKeyStore(Protocol):
    """Where wrapped DEKs live (the store layer implements it in SQL).

    Contract: ``put`` inserts or replaces by id (re-wrapping and shredding rewrite ``wrapped``);
    at most one ``active`` key per scope; ``list`` is ordered by ``created``. ``active_for`` is
    called once per encryption: an implementation may cache within one transaction, not beyond.
    """

    def get(self, key_id: bytes) -> DataKey | None: ...

    def active_for(self, scope: str) -> DataKey | None: ...

    def put(self, key: DataKey) -> None: ...

    def set_state(self, key_id: bytes, state: KeyState) -> None: ...

    def list(self, scope: str | None = None) -> list[DataKey]: ...


@dataclass(slots=True)
class MemoryKeyStore:
    """An in-memory WrappedKeyStore for tests; ``snapshot()`` stands in for a database backup."""

    keys: dict[bytes, DataKey] = field(default_factory=dict)

    def get(self, key_id: bytes) -> DataKey | None:
        return self.keys.get(bytes(key_id))

    def active_for(self, scope: str) -> DataKey | None:
        return next(
            (k for k in self.keys.values() if k.scope == scope and k.state == "active"), None
        )

    def put(self, key: DataKey) -> None:
        if key.state == "active":
            other = self.active_for(key.scope)
            if other is not None and other.id != key.id:
                raise ValueError("a scope has at most one active data key")
        self.keys[key.id] = key

    def set_state(self, key_id: bytes, state: KeyState) -> None:
        key = self.keys[bytes(key_id)]
        self.put(replace(key, state=state))

    def list(self, scope: str | None = None) -> list[DataKey]:
        found = [k for k in self.keys.values() if scope is None or k.scope == scope]
        return sorted(found, key=lambda k: k.created)

    def snapshot(self) -> MemoryKeyStore:
        return MemoryKeyStore(copy.deepcopy(self.keys))


class KekVault(Protocol):
    """Where the key-encryption keys live: the vault file (MasterKey) here; a KMS or a certified
    cipher machine (GM/T 0018) in a production deployment implements the same calls."""

    @property
    def profile(self) -> Profile: ...

    def kek(self, scope: str, kek_id: bytes | None = None) -> tuple[bytes, bytes]: ...

    def new_kek(self, scope: str, *, only_if_missing: bool = False) -> bytes: ...

    def drop_keks(self, scope: str, *, keep: bytes) -> int: ...

    def scopes(self) -> list[str]: ...

    def is_shredded(self, scope: str) -> bool: ...

    def shred(self, scope: str) -> None: ...

    def rotate_master(self) -> None: ...


def _dek_aad(scope: str, dek_id: bytes, kek_id: bytes) -> bytes:
    return crypto.canonical("headcount/dek/v1", scope, dek_id, kek_id)


class KeyRing:
    """Hands out raw DEKs to fields.py and blind_index.py; the only holder of unwrapped DEKs."""

    def __init__(self, master: KekVault, store: WrappedKeyStore) -> None:
        self._master = master
        self._store = store
        # Unwrapped DEKs by id. Safe to keep across transactions: an id is random, so a key whose
        # creation was rolled back is simply never asked for again.
        self._raw: dict[bytes, tuple[str, bytes]] = {}

    @property
    def profile(self) -> Profile:
        return self._master.profile

    @property
    def master(self) -> KekVault:
        return self._master

    def __repr__(self) -> str:
        return f"KeyRing(master={self._master!r}, cached_keys={len(self._raw)})"

    def data_key_for(self, scope: str) -> tuple[bytes, bytes]:
        """(id, raw key) of the scope's active DEK, created and wrapped on first use.

        The store is asked every time (never a cached "active" id): a DEK created inside a
        transaction that later rolls back must not be used again, or rows would be encrypted under
        a key that was never saved.
        """
        check_scope(scope)
        if self._master.is_shredded(scope):
            raise HeadcountError(errors.SCOPE_SHREDDED, scope=scope)
        active = self._store.active_for(scope)
        key_id = active.id if active is not None else self._create(scope)
        return key_id, self.unwrap(key_id)

    def _create(self, scope: str) -> bytes:
        dek_id = crypto.new_key_id()
        raw = crypto.new_key(self.profile)
        kek_id, kek = self._master.kek(scope)
        wrapped = crypto.seal(self.profile, kek, kek_id, raw, _dek_aad(scope, dek_id, kek_id))
        self._store.put(DataKey(dek_id, scope, wrapped, "active", datetime.now(UTC)))
        self._raw[dek_id] = (scope, raw)
        return dek_id

    def unwrap(self, key_id: bytes) -> bytes:
        """The raw DEK for an id; E1407 "scope shredded", E1417 disabled, E1406 unknown."""
        key_id = bytes(key_id)
        cached = self._raw.get(key_id)
        if cached is not None:
            if self._master.is_shredded(cached[0]):
                self._forget(cached[0])
                raise HeadcountError(errors.SCOPE_SHREDDED, scope=cached[0])
            return cached[1]
        dek = self._store.get(key_id)
        if dek is None:
            raise HeadcountError(errors.KEY_UNKNOWN, key_id=key_id.hex())
        if dek.state == "shredded" or self._master.is_shredded(dek.scope):
            raise HeadcountError(errors.SCOPE_SHREDDED, scope=dek.scope)
        if dek.state == "disabled" or not dek.wrapped:
            raise HeadcountError(errors.KEY_DISABLED, key_id=key_id.hex())
        kek_id = crypto.key_id_of(dek.wrapped)
        _, kek = self._master.kek(dek.scope, kek_id)
        raw = crypto.unseal(
            kek,
            dek.wrapped,
            _dek_aad(dek.scope, dek.id, kek_id),
            table="data_keys",
            column="wrapped",
        )
        self._raw[key_id] = (dek.scope, raw)
        return raw

    def active_id(self, scope: str) -> bytes | None:
        """The id of the scope's active DEK without creating one (for re-encryption jobs)."""
        active = self._store.active_for(check_scope(scope))
        return active.id if active is not None else None

    def rotate(self, scope: str) -> bytes:
        """A new active DEK for the scope; the old one becomes ``retired`` and still decrypts."""
        check_scope(scope)
        if self._master.is_shredded(scope):
            raise HeadcountError(errors.SCOPE_SHREDDED, scope=scope)
        old = self._store.active_for(scope)
        if old is not None:
            # Retire first: a crash in between leaves no active key, and the next use creates one.
            self._store.set_state(old.id, "retired")
        return self._create(scope)

    def disable(self, key_id: bytes, *, rows_using: int) -> None:
        """Destroy a retired DEK's material; refused while rows (``rows_using``) still use it."""
        dek = self._store.get(key_id)
        if dek is None:
            raise HeadcountError(errors.KEY_UNKNOWN, key_id=bytes(key_id).hex())
        if rows_using > 0 or dek.state == "active":
            raise HeadcountError(errors.KEY_STILL_IN_USE, key_id=dek.id.hex(), rows=rows_using)
        if dek.state in ("disabled", "shredded"):
            return
        self._store.put(replace(dek, wrapped=b"", state="disabled"))
        self._raw.pop(dek.id, None)

    def shred(self, scope: str) -> int:
        """Crypto-shred a scope: its KEK leaves the vault first, then its wrapped DEKs are erased.

        Returns how many DEKs were destroyed. Irreversible: every ciphertext of the scope, in the
        live database and in any backup, can no longer be decrypted.
        """
        check_scope(scope)
        self._master.shred(scope)
        destroyed = 0
        for dek in self._store.list(scope):
            if dek.state != "shredded" or dek.wrapped:
                self._store.put(replace(dek, wrapped=b"", state="shredded"))
                destroyed += 1
        self._forget(scope)
        return destroyed

    def rotate_master(self, *, rotate_keks: bool = False) -> MasterRotation:
        """Replace the master key; every KEK and the index key are re-wrapped under the new one.

        Routine rotation leaves KEKs and DEKs as they are, so database backups stay restorable.
        ``rotate_keks`` (the vault may have leaked) also gives every live scope a new KEK and
        re-wraps each live DEK under it, then drops the old KEKs: future database dumps are safe
        from the old vault, but a database backup taken before can no longer be read. Crash-safe
        order: new KEK added, DEKs re-wrapped, old KEKs dropped, master key replaced.
        """
        scopes = self._master.scopes()
        rewrapped = 0
        for scope in scopes if rotate_keks else []:
            new_kek_id = self._master.new_kek(scope)
            _, new_kek = self._master.kek(scope, new_kek_id)
            for dek in self._store.list(scope):
                if dek.state in ("disabled", "shredded") or not dek.wrapped:
                    continue
                raw = self.unwrap(dek.id)
                wrapped = crypto.seal(
                    self.profile, new_kek, new_kek_id, raw, _dek_aad(scope, dek.id, new_kek_id)
                )
                self._store.put(replace(dek, wrapped=wrapped))
                rewrapped += 1
            self._master.drop_keks(scope, keep=new_kek_id)
        self._master.rotate_master()
        return MasterRotation(len(scopes), rotate_keks, rewrapped)

    def _forget(self, scope: str) -> None:
        for key_id in [k for k, (s, _) in self._raw.items() if s == scope]:
            del self._raw[key_id]
