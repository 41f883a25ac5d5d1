"""Primitives, known answers (C1) and the sealed format."""

from __future__ import annotations

import pytest

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto, known_answers
from headcount.privacy.crypto import Profile


@pytest.mark.parametrize("profile", ["intl", "gm"])
def test_self_test_passes_on_this_build(profile: Profile) -> None:
    crypto.self_test(profile)


@pytest.mark.parametrize(
    ("profile", "vector", "algorithm"),
    [
        ("gm", "SM4_BLOCK_CT", "SM4"),
        ("gm", "SM4_GCM_TAG", "SM4-GCM"),
        ("gm", "SM3_ABC", "SM3"),
        ("intl", "AES_GCM_CT", "AES-256-GCM"),
        ("intl", "HMAC_SHA256_MAC", "HMAC-SHA-256"),
        ("intl", "HKDF_OKM", "HKDF-SHA-256"),
        ("intl", "SHA256_ABC", "SHA-256"),
        ("intl", "PBKDF2_DK", "PBKDF2-HMAC-SHA-256"),
        ("gm", "ED25519_SIG", "Ed25519"),
    ],
)
def test_self_test_refuses_when_a_known_answer_differs(
    monkeypatch: pytest.MonkeyPatch, profile: Profile, vector: str, algorithm: str
) -> None:
    good: bytes = getattr(known_answers, vector)
    monkeypatch.setattr(known_answers, vector, bytes([good[0] ^ 1]) + good[1:])
    with pytest.raises(HeadcountError) as caught:
        crypto.self_test(profile)
    assert caught.value.problem is errors.CRYPTO_SELF_TEST_FAILED
    assert caught.value.details["algorithm"] == algorithm


def test_self_test_refuses_when_an_algorithm_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(key: bytes, block: bytes) -> bytes:
        raise RuntimeError("SM4 not compiled into this OpenSSL")

    monkeypatch.setattr(crypto, "sm4_block", broken)
    with pytest.raises(HeadcountError, match="SM4"):
        crypto.self_test("gm")


def test_unknown_profile_is_a_catalogued_problem() -> None:
    with pytest.raises(HeadcountError) as caught:
        crypto.check_profile("des")
    assert caught.value.code == "E1402"


@pytest.mark.parametrize("profile", ["intl", "gm"])
def test_aead_round_trip_and_tamper(profile: Profile) -> None:
    key, nonce = crypto.new_key(profile), crypto.random_bytes(12)
    sealed = crypto.aead_encrypt(profile, key, nonce, b"secret", b"aad")
    assert crypto.aead_decrypt(profile, key, nonce, sealed, b"aad") == b"secret"
    for bad_aad, bad in ((b"aad!", sealed), (b"aad", sealed[:-1] + bytes([sealed[-1] ^ 0x80]))):
        with pytest.raises(HeadcountError) as caught:
            crypto.aead_decrypt(profile, key, nonce, bad, bad_aad)
        assert caught.value.problem is errors.CIPHERTEXT_DAMAGED


def test_hmac_sm3_differs_from_hmac_sha256() -> None:
    assert crypto.mac("gm", b"k" * 32, b"x") != crypto.mac("intl", b"k" * 32, b"x")
    assert len(crypto.mac("gm", b"k" * 32, b"x")) == 32


def test_canonical_encoding_is_unambiguous() -> None:
    assert crypto.canonical("ab", "c") != crypto.canonical("a", "bc")
    assert crypto.canonical("a|b") != crypto.canonical("a", "b")
    assert crypto.field_aad("t", "c", 5, b"\0" * 16) == crypto.field_aad("t", "c", "5", b"\0" * 16)


@pytest.mark.parametrize("profile", ["intl", "gm"])
def test_sealed_layout_names_suite_and_key(profile: Profile) -> None:
    key, key_id = crypto.new_key(profile), crypto.new_key_id()
    blob = crypto.seal(profile, key, key_id, b"hello", b"ctx")
    assert len(blob) == crypto.OVERHEAD + 5
    assert blob[0] == crypto.SUITE[profile]
    assert crypto.key_id_of(blob) == key_id
    assert crypto.unseal(key, blob, b"ctx") == b"hello"
    # A fresh nonce each time: the same value never gives the same ciphertext.
    assert crypto.seal(profile, key, key_id, b"hello", b"ctx") != blob


@pytest.mark.parametrize(
    ("blob", "reason"),
    [(b"", "too short"), (b"\x09" + bytes(60), "unknown version 9"), ("text", "not bytes")],
)
def test_parse_rejects_what_is_not_a_sealed_blob(blob: bytes, reason: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        crypto.parse_sealed(blob)
    assert caught.value.code == "E1405"
    assert reason in caught.value.message("en")


def test_ed25519_sign_and_verify() -> None:
    private = crypto.signing_key_new()
    public = crypto.signing_public_key(private)
    sig = crypto.sign(private, b"head")
    assert crypto.signature_valid(public, b"head", sig)
    assert not crypto.signature_valid(public, b"head!", sig)
    assert not crypto.signature_valid(public, b"head", sig[:-1])


@pytest.mark.parametrize(
    ("function", "algorithm"),
    [("mac", "HMAC-SM3"), ("hkdf", "HKDF-SM3"), ("pbkdf2", "PBKDF2-HMAC-SM3")],
)
def test_gm_constructions_are_checked_against_their_definition(
    monkeypatch: pytest.MonkeyPatch, function: str, algorithm: str
) -> None:
    real = getattr(crypto, function)

    def skewed(*args: object) -> bytes:
        out: bytes = real(*args)
        return bytes([out[0] ^ 1]) + out[1:]

    monkeypatch.setattr(crypto, function, skewed)
    with pytest.raises(HeadcountError) as caught:
        crypto.self_test("gm")
    assert caught.value.details["algorithm"] == algorithm
