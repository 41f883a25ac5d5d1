"""The store's one handle on the privacy package: field cipher, blind indexer and key ring.

Opened once per process from the key file (outside the database); ``bound(session)`` makes the
key ring read and write wrapped data keys in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy.blind_index import BlindIndexer
from headcount.privacy.crypto import Profile
from headcount.privacy.fields import FieldCipher
from headcount.privacy.keys import KeyRing, MasterKey, scope_of
from headcount.store.keystore import SqlKeyStore
from headcount.store.session import transaction

RowId = str | int


class Protector:
    def __init__(self, master: MasterKey, engine: Engine | None = None) -> None:
        self.master = master
        self.keystore = SqlKeyStore(engine)
        self.keyring = KeyRing(master, self.keystore)
        self.cipher = FieldCipher(self.keyring)
        self.indexer = BlindIndexer(master, master.profile)
        self._ready: set[str] = set()  # scopes whose active data key is known to be committed

    @classmethod
    def open(cls, settings: Settings, engine: Engine | None = None) -> Protector:
        """Load the key file (runs the known-answer tests; refuses to start on failure).

        With ``engine``, decryption outside a bound transaction reads data keys on its own.
        """
        return cls(MasterKey.load(settings.key_file, mode=settings.mode), engine)

    @property
    def profile(self) -> Profile:
        return self.master.profile

    def __repr__(self) -> str:
        return f"Protector(profile={self.profile!r})"

    @contextmanager
    def bound(self, session: Session) -> Iterator[Protector]:
        previous = self.keystore.bound_session
        self.keystore.bind(session)
        try:
            yield self
        finally:
            self.keystore.bind(previous)

    def encrypt(self, value: str, *, scope: str, table: str, column: str, row_id: RowId) -> bytes:
        if scope not in self._ready:
            self._ensure_key(scope)
        return self.cipher.encrypt(value, scope=scope, table=table, column=column, row_id=row_id)

    def _ensure_key(self, scope: str) -> None:
        """On PostgreSQL, create a scope's first data key in a transaction of its own.

        Several processes may meet a new scope at once: the partial unique index lets one key
        win, the others roll back and use it. Committed at once, the key can never disappear
        with a caller's rolled-back transaction. (SQLite has one writer: nothing to race.)
        """
        engine = self.keystore.engine
        if engine is not None and engine.dialect.name == "postgresql":
            previous = self.keystore.bound_session
            try:
                for _ in range(3):
                    try:
                        with transaction(engine) as session:
                            self.keystore.bind(session)
                            self.keyring.data_key_for(scope)
                        break
                    except IntegrityError:
                        continue  # another process won; its key is active now
            finally:
                self.keystore.bind(previous)
        self._ready.add(scope)

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: RowId) -> str:
        return self.cipher.decrypt(bytes(blob), table=table, column=column, row_id=row_id)

    @staticmethod
    def key_hex(blob: bytes) -> str:
        return FieldCipher.key_id_of(bytes(blob)).hex()

    def citizen_index(self, raw: str | None) -> bytes | None:
        """Full-length blind index of a citizen ID; None for an absent or structurally bad number
        (such records are kept, encrypted, and go to record checking instead of identity matching).
        """
        if not raw:
            return None
        try:
            return self.indexer.index_citizen_id(raw)
        except HeadcountError:
            return None

    def form_mac(self, purpose: str, value: str) -> str:
        """A keyed token (128 bits, hex) for web forms: only a holder of the key file can make
        one, so a cookie an attacker planted does not let them compute its form token."""
        return self.indexer.index(value, table="web_forms", column=purpose).hex()[:32]

    def digest(self, canonical_payload: str) -> bytes:
        """Keyed digest of a submission: equal payloads give equal digests, and a digest cannot be
        brute-forced back to the low-entropy identifiers inside without the index key."""
        return self.indexer.index(canonical_payload, table="form_responses", column="payload")


def household_scope(wave: str, small_area_code: str) -> str:
    """Data keys are per census wave × county (the county is the small area code's first 6)."""
    return scope_of(wave, small_area_code[:6])
