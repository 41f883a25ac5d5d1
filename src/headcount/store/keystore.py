"""The SQL WrappedKeyStore: wrapped data keys in the ``data_keys`` table (never a raw key).

The store works inside whichever session is bound to it, so creating a scope's first data key
commits or rolls back with the rows it encrypts (and SQLite's single writer is never asked for a
second, competing transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from headcount.privacy.keys import DataKey, KeyState
from headcount.store.models import DataKeyRecord
from headcount.store.queries import keys as key_queries
from headcount.store.session import read_transaction

_CACHE = "headcount.active_keys"  # Session.info slot: (transaction, {scope: DataKey})


class SqlKeyStore:
    """Writes need a bound session (the caller's transaction); reads without one use a short
    read-only transaction of their own (e.g. decrypting for display)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine
        # Per thread / task: one Protector serves concurrent requests, each in its own session.
        self._bound: ContextVar[Session | None] = ContextVar(f"keystore-{id(self)}", default=None)

    def bind(self, session: Session | None) -> None:
        self._bound.set(session)

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def bound_session(self) -> Session | None:
        return self._bound.get()

    @property
    def session(self) -> Session:
        session = self._bound.get()
        if session is None:
            raise RuntimeError("SqlKeyStore written outside a transaction (call bind(session))")
        return session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        bound = self._bound.get()
        if bound is not None:
            yield bound
        elif self._engine is not None:
            with read_transaction(self._engine) as session:
                yield session
        else:
            raise RuntimeError("SqlKeyStore read without a session or an engine")

    def get(self, key_id: bytes) -> DataKey | None:
        with self._reading() as session:
            row = key_queries.get(session, bytes(key_id).hex())
            return _to_key(row) if row is not None else None

    def active_for(self, scope: str) -> DataKey | None:
        """The scope's active key. Inside a bound transaction the row is read once, with a
        share lock on PostgreSQL: a rotation (which updates that row) then waits for this
        transaction, so its re-encryption job sees every row sealed under the old key."""
        bound = self._bound.get()
        if bound is None:
            with self._reading() as session:
                row = key_queries.active_for(session, scope)
                return _to_key(row) if row is not None else None
        transaction = bound.get_transaction()
        slot = bound.info.get(_CACHE)
        if slot is None or slot[0] is not transaction:
            slot = (transaction, {})
            bound.info[_CACHE] = slot
        known: dict[str, DataKey] = slot[1]
        if scope not in known:
            row = key_queries.active_for(bound, scope, share_lock=True)
            if row is None:
                return None  # not cached: the caller is about to create one
            known[scope] = _to_key(row)
        return known[scope]

    def put(self, key: DataKey) -> None:
        self.session.info.pop(_CACHE, None)
        key_queries.put(
            self.session,
            key_id=key.id_hex,
            scope=key.scope,
            state=key.state,
            wrapped=key.wrapped,
            created_at=key.created,
        )

    def set_state(self, key_id: bytes, state: KeyState) -> None:
        self.session.info.pop(_CACHE, None)
        key_queries.set_state(self.session, bytes(key_id).hex(), state)
        self.session.expire_all()

    def list(self, scope: str | None = None) -> list[DataKey]:
        with self._reading() as session:
            return [_to_key(row) for row in key_queries.listing(session, scope)]


def _to_key(row: DataKeyRecord) -> DataKey:
    state: KeyState = row.state  # type: ignore[assignment]  # CHECK constraint keeps it valid
    return DataKey(
        id=bytes.fromhex(row.key_id),
        scope=row.scope,
        wrapped=bytes(row.wrapped),
        state=state,
        created=row.created_at,
    )
