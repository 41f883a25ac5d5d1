"""Temporary lockout after repeated failures (MLPS practice: 5 failures → 30 minutes).

Pure policy over a small state record that the store persists per account (and per client address
for throttling); the same answer is given whether or not the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=30)  # failures older than this are forgotten
    lock_for: timedelta = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class FailureState:
    failures: int = 0
    first_failure_at: datetime | None = None
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until a new attempt is accepted (0 when not locked)."""
        if not self.locked(now) or self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def record_failure(state: FailureState, now: datetime, policy: LockoutPolicy) -> FailureState:
    if state.locked(now):
        return state  # attempts while locked neither extend nor reset the lock
    stale = state.first_failure_at is None or now - state.first_failure_at > policy.window
    failures = 1 if stale else state.failures + 1
    first = now if stale else state.first_failure_at
    if failures >= policy.max_failures:
        return FailureState(0, None, now + policy.lock_for)
    return replace(state, failures=failures, first_failure_at=first, locked_until=None)


def record_success(state: FailureState, now: datetime) -> FailureState:
    """A successful sign-in clears the count; it cannot happen while locked (callers check)."""
    return FailureState()
