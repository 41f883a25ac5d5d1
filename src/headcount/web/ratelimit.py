"""In-process token buckets per (bucket, client): 429 with Retry-After when empty.

One process serves one machine's share of traffic; a deployment with several processes sets the
limits per process. Buckets idle for an hour are dropped so memory stays bounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from headcount import errors
from headcount.errors import HeadcountError


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._max_keys = max_keys

    def hit(self, bucket: str, client: str, *, per_minute: int, burst: int | None = None) -> None:
        """Take one token or raise E2003 with the seconds until the next one."""
        capacity = float(burst if burst is not None else per_minute)
        rate = per_minute / 60.0
        now = self._clock()
        key = (bucket, client)
        state = self._buckets.get(key)
        if state is None:
            if len(self._buckets) >= self._max_keys:
                self._evict(now)
            state = self._buckets[key] = _Bucket(capacity, now)
        state.tokens = min(capacity, state.tokens + (now - state.updated) * rate)
        state.updated = now
        if state.tokens < 1.0:
            wait = math.ceil((1.0 - state.tokens) / rate)
            raise HeadcountError(errors.RATE_LIMITED, retry_after=max(1, wait))
        state.tokens -= 1.0

    def _evict(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if now - b.updated > 3600]:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            self._buckets.clear()


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(bucket: str, *, per_minute: int, burst: int | None = None) -> Callable[[Request], None]:
    """A route dependency: ``dependencies=[Depends(limit("badge", per_minute=20))]``."""

    def dependency(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.hit(bucket, client_key(request), per_minute=per_minute, burst=burst)

    return dependency
