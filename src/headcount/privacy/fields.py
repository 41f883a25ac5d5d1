"""Field-level encryption: one value, sealed to its table, column, row id and data key.

A ciphertext copied to another row, column or table fails with E1403 ("does not belong here"); a
changed bit fails with E1404 ("damaged"); a ciphertext of a shredded scope fails with E1407.
"""

from __future__ import annotations

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile
from headcount.privacy.keys import KeyRing

RowId = str | int


class FieldCipher:
    def __init__(self, keyring: KeyRing, profile: Profile | None = None) -> None:
        if profile is not None and crypto.check_profile(profile) != keyring.profile:
            raise HeadcountError(
                errors.KEY_PROFILE_MISMATCH, actual=keyring.profile, expected=profile
            )
        self._keyring = keyring
        self._profile = keyring.profile

    @property
    def profile(self) -> Profile:
        return self._profile

    def __repr__(self) -> str:
        return f"FieldCipher(profile={self._profile!r})"

    def encrypt(self, value: str, *, scope: str, table: str, column: str, row_id: RowId) -> bytes:
        """Seal a value under the scope's active data key."""
        if not isinstance(value, str):
            raise TypeError("FieldCipher.encrypt takes a str")
        key_id, key = self._keyring.data_key_for(scope)
        aad = crypto.field_aad(table, column, row_id, key_id)
        return crypto.seal(self._profile, key, key_id, value.encode("utf-8"), aad)

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: RowId) -> str:
        """Open a value sealed for exactly this table, column and row."""
        key_id = crypto.key_id_of(blob)
        key = self._keyring.unwrap(key_id)
        aad = crypto.field_aad(table, column, row_id, key_id)
        plain = crypto.unseal(key, blob, aad, table=table, column=column)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # authenticated, so only a writer bug can get here
            raise HeadcountError(errors.CIPHERTEXT_DAMAGED, where="UTF-8 text") from None

    @staticmethod
    def key_id_of(blob: bytes) -> bytes:
        return crypto.key_id_of(blob)

    def reencrypt(
        self, blob: bytes, *, scope: str, table: str, column: str, row_id: RowId
    ) -> bytes:
        """The same value under the scope's active key; returns ``blob`` itself when already there.

        The rotation job calls this row by row until no row uses a retired key.
        """
        active_id, _ = self._keyring.data_key_for(scope)
        if crypto.key_id_of(blob) == active_id:
            return blob
        value = self.decrypt(blob, table=table, column=column, row_id=row_id)
        return self.encrypt(value, scope=scope, table=table, column=column, row_id=row_id)
