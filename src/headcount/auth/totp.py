"""TOTP second factor (RFC 6238) for office, auditor and administrator roles.

Each code is accepted once: the caller stores the last accepted time step per account and passes
it back, so a code seen over a shoulder or replayed from a log cannot be used again (ASVS 6.5.1).
One step of clock skew either side is tolerated.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

STEP_SECONDS = 30
SKEW_STEPS = 1


def new_secret() -> str:
    """A random base32 secret (160 bits) for enrolment."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = "Headcount") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def verify(secret: str, code: str, at: datetime, *, last_step: int | None) -> int | None:
    """The accepted time step, or None (wrong, malformed, or already used)."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = step_of(at)
    for step in range(now_step - SKEW_STEPS, now_step + SKEW_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        expected = totp.at(step * STEP_SECONDS)
        if hmac.compare_digest(expected, code):
            return step
    return None
