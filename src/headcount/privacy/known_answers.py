"""Known-answer tests run at start-up (checklist C1): a misbuilt OpenSSL must never encrypt data.

Sources of the vectors:
    SM4        GB/T 32907-2016 Appendix A.1 (key = plaintext = 0123456789abcdeffedcba9876543210)
    SM4-GCM    RFC 8998 Appendix A.1
    SM3        GB/T 32905-2016 Appendix A.1 ("abc")
    AES-GCM    McGrew & Viega, "The GCM mode of operation", test case 16 (AES-256, with AAD),
               as used by NIST CAVP
    SHA-256    FIPS 180-2 Appendix B.1 ("abc")
    HMAC       RFC 4231 test case 2 (HMAC-SHA-256)
    HKDF       RFC 5869 test case 1 (HKDF-SHA-256)
    PBKDF2     RFC 7914 §11 first vector (PBKDF2-HMAC-SHA-256, slow blind index)
    Ed25519    RFC 8032 §7.1 test 1 (signs the audit tree heads under both profiles)
HMAC-SM3, HKDF-SM3 and PBKDF2-HMAC-SM3 have no vector published by a standards body; they are
checked against an independent RFC 2104 / 5869 / 8018 construction over the (verified) SM3.
"""

from __future__ import annotations

from collections.abc import Callable

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.privacy.crypto import Profile

_h = bytes.fromhex

SM4_KEY = _h("0123456789abcdeffedcba9876543210")
SM4_BLOCK_CT = _h("681edf34d206965e86b3e94f536e4246")

SM4_GCM_IV = _h("00001234567800000000abcd")
SM4_GCM_AAD = _h("feedfacedeadbeeffeedfacedeadbeefabaddad2")
SM4_GCM_PT = _h(
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
SM4_GCM_CT = _h(
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
)
SM4_GCM_TAG = _h("83de3541e4c2b58177e065a9bf7b62ec")

SM3_ABC = _h("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")

AES_GCM_KEY = _h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
AES_GCM_IV = _h("cafebabefacedbaddecaf888")
AES_GCM_AAD = _h("feedfacedeadbeeffeedfacedeadbeefabaddad2")
AES_GCM_PT = _h(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
AES_GCM_CT = _h(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
)
AES_GCM_TAG = _h("76fc6ece0f4e1768cddf8853bb2d551b")

SHA256_ABC = _h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
HMAC_SHA256_KEY = b"Jefe"
HMAC_SHA256_DATA = b"what do ya want for nothing?"
HMAC_SHA256_MAC = _h("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")

HKDF_IKM = bytes([0x0B] * 22)
HKDF_SALT = _h("000102030405060708090a0b0c")
HKDF_INFO = _h("f0f1f2f3f4f5f6f7f8f9")
HKDF_OKM = _h(
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
)

PBKDF2_PASSWORD = b"passwd"
PBKDF2_SALT = b"salt"
PBKDF2_DK = _h(
    "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
)

ED25519_SECRET = _h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
ED25519_PUBLIC = _h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
ED25519_SIG = _h(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def _hmac_by_definition(profile: Profile, key: bytes, data: bytes) -> bytes:
    """RFC 2104 from the bare hash, independent of the library's HMAC code."""
    block = 64
    if len(key) > block:
        key = crypto.digest(profile, key)
    key = key.ljust(block, b"\0")
    inner = crypto.digest(profile, bytes(b ^ 0x36 for b in key) + data)
    return crypto.digest(profile, bytes(b ^ 0x5C for b in key) + inner)


def _hkdf_by_definition(profile: Profile, ikm: bytes, salt: bytes, info: bytes, n: int) -> bytes:
    prk = _hmac_by_definition(profile, salt, ikm)
    out, block, counter = b"", b"", 1
    while len(out) < n:
        block = _hmac_by_definition(profile, prk, block + info + bytes([counter]))
        out += block
        counter += 1
    return out[:n]


def _pbkdf2_by_definition(profile: Profile, password: bytes, salt: bytes, rounds: int) -> bytes:
    """RFC 8018 §5.2 for one 32-byte block."""
    u = _hmac_by_definition(profile, password, salt + (1).to_bytes(4, "big"))
    out = u
    for _ in range(rounds - 1):
        u = _hmac_by_definition(profile, password, u)
        out = bytes(a ^ b for a, b in zip(out, u, strict=True))
    return out


def _aead_round_trip(profile: Profile, key: bytes, iv: bytes, pt: bytes, aad: bytes) -> bytes:
    sealed = crypto.aead_encrypt(profile, key, iv, pt, aad)
    if crypto.aead_decrypt(profile, key, iv, sealed, aad) != pt:
        return b"round trip differs"
    flipped = bytes([sealed[0] ^ 1]) + sealed[1:]
    try:
        crypto.aead_decrypt(profile, key, iv, flipped, aad)
    except HeadcountError:
        return sealed
    return b"tampering not detected"


def _checks(profile: Profile) -> list[tuple[str, Callable[[], bytes], bytes]]:
    common: list[tuple[str, Callable[[], bytes], bytes]] = [
        # SHA-256 is the Merkle hash of the audit log in both profiles.
        ("SHA-256", lambda: crypto.digest("intl", b"abc"), SHA256_ABC),
        ("Ed25519", lambda: crypto.sign(ED25519_SECRET, b""), ED25519_SIG),
        ("Ed25519 public key", lambda: crypto.signing_public_key(ED25519_SECRET), ED25519_PUBLIC),
    ]
    if profile == "intl":
        return [
            *common,
            (
                "AES-256-GCM",
                lambda: _aead_round_trip("intl", AES_GCM_KEY, AES_GCM_IV, AES_GCM_PT, AES_GCM_AAD),
                AES_GCM_CT + AES_GCM_TAG,
            ),
            (
                "HMAC-SHA-256",
                lambda: crypto.mac("intl", HMAC_SHA256_KEY, HMAC_SHA256_DATA),
                HMAC_SHA256_MAC,
            ),
            (
                "HKDF-SHA-256",
                lambda: crypto.hkdf("intl", HKDF_IKM, HKDF_INFO, len(HKDF_OKM), HKDF_SALT),
                HKDF_OKM,
            ),
            (
                "PBKDF2-HMAC-SHA-256",
                lambda: crypto.pbkdf2("intl", PBKDF2_PASSWORD, PBKDF2_SALT, 1, 64),
                PBKDF2_DK,
            ),
        ]
    return [
        *common,
        ("SM4", lambda: crypto.sm4_block(SM4_KEY, SM4_KEY), SM4_BLOCK_CT),
        (
            "SM4-GCM",
            lambda: _aead_round_trip("gm", SM4_KEY, SM4_GCM_IV, SM4_GCM_PT, SM4_GCM_AAD),
            SM4_GCM_CT + SM4_GCM_TAG,
        ),
        ("SM3", lambda: crypto.digest("gm", b"abc"), SM3_ABC),
        (
            "HMAC-SM3",
            lambda: crypto.mac("gm", HMAC_SHA256_KEY, HMAC_SHA256_DATA),
            _hmac_by_definition("gm", HMAC_SHA256_KEY, HMAC_SHA256_DATA),
        ),
        (
            "HKDF-SM3",
            lambda: crypto.hkdf("gm", HKDF_IKM, HKDF_INFO, 42, HKDF_SALT),
            _hkdf_by_definition("gm", HKDF_IKM, HKDF_SALT, HKDF_INFO, 42),
        ),
        (
            "PBKDF2-HMAC-SM3",
            lambda: crypto.pbkdf2("gm", PBKDF2_PASSWORD, PBKDF2_SALT, 3, 32),
            _pbkdf2_by_definition("gm", PBKDF2_PASSWORD, PBKDF2_SALT, 3),
        ),
    ]


def run(profile: Profile) -> None:
    """Raise E1401 naming the first algorithm whose output differs from its known answer."""
    for name, compute, expected in _checks(profile):
        try:
            actual = compute()
        except Exception:  # a missing algorithm in the OpenSSL build is a failure, not a crash
            actual = b""
        if not crypto.mac_equal(actual, expected):
            raise HeadcountError(errors.CRYPTO_SELF_TEST_FAILED, algorithm=name)
