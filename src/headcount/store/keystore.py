"""The SQL WrappedKeyStore: wrapped data keys in the ``data_keys`` table (never a raw key).

The store works inside whichever session is bound to it, so creating a scope's first data key
commits or rolls back with the rows it encrypts (and SQLite's single writer is never asked for a
second, competing transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from headcount.privacy.keys import DataKey, KeyState
from headcount.store.models import DataKeyRecord
from headcount.store.queries import keys as key_queries
from headcount.store.session import read_transaction


class SqlKeyStore:
    """Writes need a bound session (the caller's transaction); reads without one use a short
    read-only transaction of their own (e.g. decrypting for display)."""

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine
        self._session: Session | None = None

    def bind(self, session: Session | None) -> None:
        self._session = session

    @property
    def bound_session(self) -> Session | None:
        return self._session

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("SqlKeyStore written outside a transaction (call bind(session))")
        return self._session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        if self._session is not None:
            yield self._session
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
        with self._reading() as session:
            row = key_queries.active_for(session, scope)
            return _to_key(row) if row is not None else None

    def put(self, key: DataKey) -> None:
        key_queries.put(
            self.session,
            key_id=key.id_hex,
            scope=key.scope,
            state=key.state,
            wrapped=key.wrapped,
            created_at=key.created,
        )

    def set_state(self, key_id: bytes, state: KeyState) -> None:
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
