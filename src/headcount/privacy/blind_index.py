"""Blind indexes: find a record by citizen ID without decrypting anything (checklist D3).

index = HMAC(K_tc, value), K_tc = HKDF(index root, info = "headcount/blind-index/v1" ‖ table ‖
column), so the same number gives unrelated indexes in different columns. The root key lives in the
vault, never in the database: an ID number has only ~2^37 possible values, so an unkeyed SHA-256 or
SM3 would be reversed by brute force in minutes.

Full-length indexes (32 bytes) serve uniqueness and exact lookup. Truncated indexes (``fuzzy``)
deliberately collide: they narrow candidates, which are then decrypted to confirm, and leak less.
``slow`` is a PBKDF2 variant for when the key may leak together with the database.
Rotating the root key means recomputing every index (a full re-index).
"""

from __future__ import annotations

from functools import lru_cache

from headcount import errors
from headcount.errors import HeadcountError
from headcount.identity import citizen_id
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.vault import MasterKey

INDEX_BYTES = 32
DEFAULT_TABLE = "person_identity"
DEFAULT_COLUMN = "citizen_id"
_LABEL = "headcount/blind-index/v1"
_FUZZY_LABEL = "headcount/blind-index-fuzzy/v1"
_SLOW_LABEL = "headcount/blind-index-slow/v1"
SLOW_ITERATIONS = 50_000


class BlindIndexer:
    def __init__(self, master_or_index_key: MasterKey | bytes, profile: Profile) -> None:
        self._profile = crypto.check_profile(profile)
        if isinstance(master_or_index_key, MasterKey):
            if master_or_index_key.profile != profile:
                raise HeadcountError(
                    errors.KEY_PROFILE_MISMATCH,
                    actual=master_or_index_key.profile,
                    expected=profile,
                )
            root = master_or_index_key.index_root()
        else:
            root = bytes(master_or_index_key)
        if len(root) < 16:
            raise HeadcountError(errors.BLIND_INDEX_PARAMETER, reason="index key under 128 bits")
        self._derive = lru_cache(maxsize=256)(self._derive_key)
        self._root = root

    def __repr__(self) -> str:
        return f"BlindIndexer(profile={self._profile!r})"

    @property
    def profile(self) -> Profile:
        return self._profile

    def _derive_key(self, label: str, table: str, column: str, name: str) -> bytes:
        info = crypto.canonical(label, table, column, name)
        return crypto.hkdf(self._profile, self._root, info, crypto.MAC_BYTES)

    def index(self, value: str, *, table: str, column: str) -> bytes:
        """The 32-byte keyed index of an already normalised value."""
        key = self._derive(_LABEL, table, column, "")
        return crypto.mac(self._profile, key, value.encode("utf-8"))

    def fuzzy(self, value: str, *, table: str, column: str, name: str, bits: int) -> bytes:
        """A truncated index (``bits`` of 8…64, a multiple of 8) under its own key per ``name``.

        Example: name="birth_county", value=id[:14] with bits=16 groups numbers for dedup review.
        """
        if not 8 <= bits <= 64 or bits % 8:
            raise HeadcountError(
                errors.BLIND_INDEX_PARAMETER, reason="bits must be a multiple of 8 from 8 to 64"
            )
        if not name:
            raise HeadcountError(errors.BLIND_INDEX_PARAMETER, reason="a fuzzy index needs a name")
        key = self._derive(_FUZZY_LABEL, table, column, name)
        return crypto.mac(self._profile, key, value.encode("utf-8"))[: bits // 8]

    def slow(
        self, value: str, *, table: str, column: str, iterations: int = SLOW_ITERATIONS
    ) -> bytes:
        """A deliberately slow keyed index (PBKDF2 under the column's key, ≥ 50,000 rounds).

        For deployments where a leak of the database *and* the index key is in scope: each guess
        then costs ~20 ms (intl) or ~70 ms (gm) instead of a microsecond. Measure before choosing
        it: a national census pays that cost once per person (benchmarks/privacy_fields.py).
        """
        if iterations < SLOW_ITERATIONS:
            raise HeadcountError(
                errors.BLIND_INDEX_PARAMETER,
                reason=f"a slow index needs ≥ {SLOW_ITERATIONS} rounds",
            )
        salt = self._derive(_SLOW_LABEL, table, column, str(iterations))
        return crypto.pbkdf2(self._profile, value.encode("utf-8"), salt, iterations, INDEX_BYTES)

    def index_citizen_id(
        self, raw: str, *, table: str = DEFAULT_TABLE, column: str = DEFAULT_COLUMN
    ) -> bytes:
        """Normalise an ID number (full-width, separators, lower-case x, 15-digit legacy) and index
        it. Structurally invalid numbers raise their identity problem (E11xx), masked."""
        return self.index(normalize_citizen_id(raw), table=table, column=column)


def normalize_citizen_id(raw: str) -> str:
    """The canonical 18-character form used for indexing; raises the first hard E11xx fault."""
    result = citizen_id.check(raw, allow_legacy=True)
    if not result.valid or result.normalized is None:
        first = result.first
        if first is None:
            raise HeadcountError(errors.ID_EMPTY)
        raise HeadcountError(first.problem, **first.details)
    return result.normalized
