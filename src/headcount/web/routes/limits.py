"""Per-account rate limits for fieldwork writes (the IP limiter would throttle a whole office
behind one NAT): an enumerator's device replaying its offline queue may burst, then 20/s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from headcount.web.ratelimit import RateLimiter, client_key
from headcount.web.security import current_actor


def per_account(
    bucket: str, *, per_minute: int, burst: int
) -> Callable[[Request], Awaitable[None]]:
    async def dependency(request: Request) -> None:
        # The route's access check has resolved the actor already; resolving reads the database,
        # so a fallback runs in a worker thread.
        actor = getattr(request.state, "actor", None) or await run_in_threadpool(
            current_actor, request
        )
        key = f"staff:{actor.staff_id}" if actor is not None else f"ip:{client_key(request)}"
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.hit(bucket, key, per_minute=per_minute, burst=burst)

    return dependency


SUBMIT_PER_MINUTE, SUBMIT_BURST = 1200, 100
