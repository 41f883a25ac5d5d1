from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from headcount.auth import credentials, totp


def test_credentials_use_the_unambiguous_alphabet() -> None:
    accounts = {credentials.new_account() for _ in range(200)}
    assert len(accounts) == 200
    for value in [*accounts, credentials.new_password()]:
        assert len(value) == 10 and set(value) <= set(credentials.ALPHABET)
        assert not set(value) & set("0O1lI2Z5S8B")


def test_typed_values_are_normalised() -> None:
    assert credentials.normalize_typed(" acdef-ghjk ") == "ACDEFGHJK"
    assert credentials.normalize_typed("ＡＣＤ ＥＦ") == "ACDEF"
    assert credentials.grouped("ACDEFGHJKM") == "ACDEF-GHJKM"


def test_qr_code_carries_the_login_url_without_the_password() -> None:
    url = credentials.login_url("https://census.example/", "ACDEFGHJKM")
    assert url == "https://census.example/self-report/login?account=ACDEF-GHJKM"
    svg = credentials.qr_svg(url)
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<path" in svg


def test_totp_accepts_each_code_once_within_skew() -> None:
    secret = totp.new_secret()
    now = datetime(2020, 11, 1, 9, 0, 10, tzinfo=UTC)
    code = pyotp.TOTP(secret).at(now)
    step = totp.verify(secret, code, now, last_step=None)
    assert step == totp.step_of(now)
    assert totp.verify(secret, code, now, last_step=step) is None  # replay refused
    later = now + timedelta(seconds=30)
    assert totp.verify(secret, code, later, last_step=None) == step  # one step of skew
    assert totp.verify(secret, code, now + timedelta(minutes=5), last_step=None) is None


def test_totp_refuses_malformed_codes() -> None:
    secret = totp.new_secret()
    now = datetime(2020, 11, 1, tzinfo=UTC)
    for bad in ["", "12345", "1234567", "abcdef", "１２３４５６"]:
        assert totp.verify(secret, bad, now, last_step=None) is None
    assert "otpauth://totp/" in totp.provisioning_uri(secret, "office-11")
