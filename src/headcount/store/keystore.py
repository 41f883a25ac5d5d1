"""The SQL WrappedKeyStore: wrapped data keys in the ``data_keys`` table (never a raw key).

The store works inside whichever session is bound to it, so creating a scope's first data key
commits or rolls back with the rows it encrypts (and SQLite's single writer is never asked for a
second, competing transaction).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from headcount.privacy.keys import DataKey, KeyState
from headcount.store.models import DataKeyRecord
from headcount.store.queries import keys as key_queries


class SqlKeyStore:
    def __init__(self, session: Session | None = None) -> None:
        self._session = session

    def bind(self, session: Session) -> None:
        self._session = session

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("SqlKeyStore used outside a transaction (call bind(session))")
        return self._session

    def get(self, key_id: bytes) -> DataKey | None:
        row = key_queries.get(self.session, bytes(key_id).hex())
        return _to_key(row) if row is not None else None

    def active_for(self, scope: str) -> DataKey | None:
        row = key_queries.active_for(self.session, scope)
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
        return [_to_key(row) for row in key_queries.listing(self.session, scope)]


def _to_key(row: DataKeyRecord) -> DataKey:
    state: KeyState = row.state  # type: ignore[assignment]  # CHECK constraint keeps it valid
    return DataKey(
        id=bytes.fromhex(row.key_id),
        scope=row.scope,
        wrapped=bytes(row.wrapped),
        state=state,
        created=row.created_at,
    )
