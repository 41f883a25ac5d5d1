"""All cryptographic primitives of Headcount behind two profiles; the only module calling a cipher.

    intl   AES-256-GCM, HMAC-SHA-256, HKDF-SHA-256
    gm     SM4-GCM (GB/T 32907 + RFC 8998), HMAC-SM3, HKDF-SM3

Everything else (key hierarchy, field encryption, blind indexes, signed tree heads) calls these
functions and never a cipher directly, so a certified cipher machine can later replace this module.

Sealed format (fields and wrapped keys alike):

    suite(1) ‖ key_id(16) ‖ nonce(12) ‖ binding(4) ‖ ciphertext ‖ tag(16)

``suite`` is the format version and names the AEAD (0x01 AES-256-GCM, 0x02 SM4-GCM), so a blob says
how to open it whatever the current profile. ``key_id`` names the key that sealed it. The AAD is a
canonical, length-prefixed encoding of a context (for a field: table, column, row id) and the key
id. ``binding`` is a 4-byte keyed check of that AAD: with it a blob pasted into another row is
reported as *misplaced* and a flipped bit as *damaged*; the AEAD tag alone cannot tell them apart.
"""

from __future__ import annotations

import hmac as std_hmac
import secrets
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, NamedTuple

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from headcount import errors
from headcount.errors import HeadcountError

Profile = Literal["intl", "gm"]
PROFILES: tuple[Profile, ...] = ("intl", "gm")

KEY_ID_BYTES = 16
NONCE_BYTES = 12
BINDING_BYTES = 4
TAG_BYTES = 16
MAC_BYTES = 32
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES + BINDING_BYTES
OVERHEAD = HEADER_BYTES + TAG_BYTES

# AEAD key length per profile: AES-256 and SM4 (128-bit block cipher with a 128-bit key).
KEY_BYTES: dict[Profile, int] = {"intl": 32, "gm": 16}
SUITE: dict[Profile, int] = {"intl": 0x01, "gm": 0x02}
_SUITE_PROFILE: dict[int, Profile] = {v: k for k, v in SUITE.items()}
_BINDING_INFO = b"headcount/binding/v1"

Context = Sequence[str | bytes]


def check_profile(value: str) -> Profile:
    if value not in PROFILES:
        raise HeadcountError(errors.CRYPTO_PROFILE_UNKNOWN, profile=str(value)[:16])
    return value


def random_bytes(length: int) -> bytes:
    return secrets.token_bytes(length)


def new_key(profile: Profile) -> bytes:
    """A fresh random AEAD key for the profile."""
    return random_bytes(KEY_BYTES[profile])


def new_key_id() -> bytes:
    return random_bytes(KEY_ID_BYTES)


def _hash(profile: Profile) -> hashes.HashAlgorithm:
    return hashes.SM3() if profile == "gm" else hashes.SHA256()


def digest(profile: Profile, data: bytes) -> bytes:
    """SHA-256 or SM3 of data (unkeyed: never use it on low-entropy identifiers)."""
    h = hashes.Hash(_hash(profile))
    h.update(data)
    return h.finalize()


def mac(profile: Profile, key: bytes, data: bytes) -> bytes:
    """HMAC-SHA-256 or HMAC-SM3 (32 bytes)."""
    h = hmac.HMAC(key, _hash(profile))
    h.update(data)
    return h.finalize()


def mac_equal(a: bytes, b: bytes) -> bool:
    return std_hmac.compare_digest(a, b)


def hkdf(
    profile: Profile, key: bytes, info: bytes, length: int, salt: bytes | None = None
) -> bytes:
    """RFC 5869 HKDF over the profile's hash."""
    return HKDF(algorithm=_hash(profile), length=length, salt=salt, info=info).derive(key)


def pbkdf2(profile: Profile, secret: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """PBKDF2 over HMAC-SHA-256 or HMAC-SM3 (slow blind indexes)."""
    return PBKDF2HMAC(_hash(profile), length, salt, iterations).derive(secret)


def aead_encrypt(profile: Profile, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM or SM4-GCM; returns ciphertext ‖ tag(16)."""
    if profile == "intl":
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    # pyca/cryptography has no AEAD class for SM4-GCM; the streaming Cipher API is the way in.
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return body + encryptor.tag


def aead_decrypt(profile: Profile, key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    """Inverse of aead_encrypt; raises HeadcountError E1404 when the tag does not verify."""
    if len(data) < TAG_BYTES:
        raise HeadcountError(errors.CIPHERTEXT_DAMAGED, where="too short")
    try:
        if profile == "intl":
            return AESGCM(key).decrypt(nonce, data, aad)
        decryptor = Cipher(
            algorithms.SM4(key), modes.GCM(nonce, data[-TAG_BYTES:], min_tag_length=TAG_BYTES)
        ).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(data[:-TAG_BYTES]) + decryptor.finalize()
    except InvalidTag:
        raise HeadcountError(errors.CIPHERTEXT_DAMAGED, where="authentication tag") from None


def sm4_block(key: bytes, block: bytes) -> bytes:
    """One raw SM4 block encryption, for the GB/T 32907 known answer only.

    CTR mode with the block as its initial counter yields E_K(block) as the first keystream block,
    so no ECB mode is needed anywhere in the code base (checklist C2).
    """
    encryptor = Cipher(algorithms.SM4(key), modes.CTR(block)).encryptor()
    return encryptor.update(bytes(16)) + encryptor.finalize()


def canonical(*parts: str | bytes) -> bytes:
    """Unambiguous encoding: each part as a 4-byte big-endian length, then its bytes (UTF-8)."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def field_aad(table: str, column: str, row_id: str | int, key_id: bytes) -> bytes:
    """The associated data of one encrypted field: table ‖ column ‖ row id ‖ key id."""
    return canonical("headcount/field/v1", table, column, str(row_id), key_id)


class Sealed(NamedTuple):
    profile: Profile
    key_id: bytes
    nonce: bytes
    binding: bytes
    body: bytes  # ciphertext ‖ tag


def parse_sealed(blob: bytes | bytearray | memoryview) -> Sealed:
    """Split a sealed blob into its parts; raises E1405 when it is not one."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise HeadcountError(errors.CIPHERTEXT_FORMAT, reason="not bytes")
    data = bytes(blob)
    if len(data) < OVERHEAD:
        raise HeadcountError(errors.CIPHERTEXT_FORMAT, reason=f"{len(data)} bytes is too short")
    profile = _SUITE_PROFILE.get(data[0])
    if profile is None:
        raise HeadcountError(errors.CIPHERTEXT_FORMAT, reason=f"unknown version {data[0]}")
    i = 1 + KEY_ID_BYTES
    j = i + NONCE_BYTES
    return Sealed(
        profile, data[1:i], data[i:j], data[j : j + BINDING_BYTES], data[j + BINDING_BYTES :]
    )


def key_id_of(blob: bytes | bytearray | memoryview) -> bytes:
    """The id of the key that sealed a blob, read without any key."""
    return parse_sealed(blob).key_id


@lru_cache(maxsize=256)
def _binding_key(profile: Profile, key: bytes) -> bytes:
    # Cached like the DEKs the key ring already holds in memory; saves one HKDF per field.
    return hkdf(profile, key, _BINDING_INFO, MAC_BYTES)


def _binding(profile: Profile, key: bytes, aad: bytes) -> bytes:
    return mac(profile, _binding_key(profile, key), aad)[:BINDING_BYTES]


def seal(profile: Profile, key: bytes, key_id: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt under a fresh random 96-bit nonce into the sealed format."""
    if len(key_id) != KEY_ID_BYTES:
        raise ValueError("a key id has 16 bytes")
    nonce = random_bytes(NONCE_BYTES)
    body = aead_encrypt(profile, key, nonce, plaintext, aad)
    return bytes([SUITE[profile]]) + key_id + nonce + _binding(profile, key, aad) + body


def unseal(key: bytes, blob: bytes, aad: bytes, *, table: str = "-", column: str = "-") -> bytes:
    """Open a sealed blob; E1403 when it was sealed for another place, E1404 when altered."""
    parts = parse_sealed(blob)
    if len(key) != KEY_BYTES[parts.profile]:
        raise HeadcountError(errors.CIPHERTEXT_DAMAGED, where="suite byte")
    if not mac_equal(_binding(parts.profile, key, aad), parts.binding):
        raise HeadcountError(errors.CIPHERTEXT_MISPLACED, table=table, column=column)
    return aead_decrypt(parts.profile, key, parts.nonce, parts.body, aad)


# --- Ed25519 for signed tree heads -----------------------------------------------------------


def signing_key_new() -> bytes:
    """A new Ed25519 private key as its 32 raw bytes."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


def signing_public_key(private_key: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def sign(private_key: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def self_test(profile: Profile) -> None:
    """Run the known-answer tests of the profile; raises E1401 naming the first that fails."""
    from headcount.privacy.known_answers import run

    run(check_profile(profile))
