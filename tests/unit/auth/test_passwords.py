from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from headcount.auth.lockout import FailureState, LockoutPolicy, record_failure, record_success
from headcount.auth.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_asvs_has_no_composition_rule_but_blocks_common_and_short() -> None:
    assert check_password("correct horse battery staple") == []
    assert check_password("alllowercaseletters") == []
    assert "too_short" in check_password("Ab1!")
    assert "common" in check_password("Password123")
    assert "common" in check_password("CENSUS2020")
    assert "contains_account" in check_password("zhang.wei-is-here", account="zhang.wei")
    assert "repetitive" in check_password("aaaaaaaaaaaa")
    assert check_password("x" * 64 + "yz") == []  # 64+ characters allowed


def test_mlps3_adds_character_classes() -> None:
    assert "classes" in check_password("alllowercaseletters", "mlps3")
    assert check_password("Census-Taker-77", "mlps3") == []


def test_hashing_is_argon2id_and_verifies() -> None:
    stored = hash_password("Census-Taker-77")
    assert stored.startswith("$argon2id$")
    assert "m=19456" in stored and "t=2" in stored
    assert verify_password(stored, "Census-Taker-77")
    assert not verify_password(stored, "census-taker-77")
    assert not verify_password("not-a-hash", "x")
    assert not needs_rehash(stored)
    assert dummy_hash().startswith("$argon2id$")


def test_lockout_after_five_failures_for_thirty_minutes() -> None:
    policy = LockoutPolicy()
    now = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
    state = FailureState()
    for i in range(4):
        state = record_failure(state, now + timedelta(seconds=i), policy)
        assert not state.locked(now + timedelta(seconds=i))
    state = record_failure(state, now + timedelta(seconds=5), policy)
    assert state.locked(now + timedelta(minutes=29))
    assert state.retry_after(now + timedelta(minutes=29)) == 65
    assert not state.locked(now + timedelta(minutes=31))
    assert record_failure(state, now + timedelta(minutes=10), policy) == state


def test_failures_outside_the_window_are_forgotten() -> None:
    policy = LockoutPolicy()
    now = datetime(2020, 11, 1, 9, 0, tzinfo=UTC)
    state = FailureState()
    for i in range(4):
        state = record_failure(state, now + timedelta(minutes=i), policy)
    state = record_failure(state, now + timedelta(hours=2), policy)
    assert state.failures == 1 and not state.locked(now + timedelta(hours=2))
    assert record_success(state, now) == FailureState()


@pytest.mark.parametrize("password", ["", " " * 10])
def test_empty_or_blank_is_refused(password: str) -> None:
    assert check_password(password)
