"""Slow clients against a real server, on SQLite and PostgreSQL (issue: one anonymous client
with a household cookie, trickling a POST body, held a transaction open and stopped every
write; ~45 of them exhausted the PostgreSQL pool).

Now the body is read whole before the application runs: while slow clients trickle, other
households sign in and save within seconds, and the slow ones are answered 408 when their body
time is up. A request head that trickles is cut off by the server itself."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from headcount.calendar import FixedClock
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.web.live import served
from tests.integration.web.test_auth_support import app_for, client_for
from tests.integration.web.test_selfreport import BEFORE_REFERENCE, _card, _setup

BODY_TIMEOUT = 4.0
HEAD_TIMEOUT = 1.0


def _live_app(census: Census, clock: FixedClock) -> Any:
    settings = census.settings.model_copy(
        update={
            "allowed_hosts": ("127.0.0.1",),
            "body_timeout_seconds": BODY_TIMEOUT,
            "header_timeout_seconds": HEAD_TIMEOUT,
        }
    )
    return create_app(settings, clock=clock, engine=census.engine, protector=census.protector)


def _api_login(client: httpx.Client, card: dict[str, Any]) -> str:
    answer = client.post(
        "/api/self-report/login", json={"account": card["account"], "password": card["password"]}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


@contextmanager
def _trickling(base: str, token: str, count: int) -> Iterator[list[socket.socket]]:
    """``count`` POSTs to a household page with a valid household cookie, their bodies sent one
    byte every 0.3 s (bounded: they stop when the block ends or the server closes them)."""
    port = int(base.rsplit(":", 1)[1])
    head = (
        "POST /self-report/household HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Cookie: headcount_household={token}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 4000\r\n\r\n"
    ).encode()
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(head + b"f")
        sockets.append(s)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.3):
            for s in sockets:
                with contextlib.suppress(OSError):  # answered and closed by the server
                    s.send(b"o")

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sockets
    finally:
        stop.set()
        thread.join(timeout=5)
        for s in sockets:
            s.close()


def _answer(s: socket.socket, within: float) -> bytes:
    s.settimeout(within)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    return data


@pytest.mark.slow
def test_slow_bodies_stop_no_one_else(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        ids = _setup(census, clock, staff, n=2)
        slow_card, other_card = (_card(staff, h) for h in ids)
    # More slow clients than PostgreSQL's pool has connections (20 + 20 overflow).
    count = 45 if census.kind == "postgresql" else 4
    with served(_live_app(census, clock)) as base, httpx.Client(base_url=base, timeout=8) as web:
        token = _api_login(web, slow_card)
        with _trickling(base, token, count) as sockets:
            time.sleep(0.5)  # every slow request is in, its body trickling
            started = time.monotonic()
            other = _api_login(web, other_card)  # a write (session, audit) and argon2id
            web.headers["Authorization"] = f"Bearer {other}"
            record = {"form": "short", "items": {"household_type": 1}, "persons": []}
            saved = web.put("/api/self-report/household", json={"record": record})
            assert saved.status_code == 200, saved.text
            assert time.monotonic() - started < 5, "other households waited on the slow ones"
            answers = [_answer(s, BODY_TIMEOUT + 3) for s in sockets]
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[0][:200]
        assert b"connection: close" in answers[0].lower()
        again = web.get("/api/self-report/household")
        assert again.status_code == 200  # the server serves on after all of it


def test_a_trickling_or_silent_request_head_is_cut_off(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with served(_live_app(census, clock)) as base:
        port = int(base.rsplit(":", 1)[1])
        silent = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        for s in (silent, partial):
            s.settimeout(HEAD_TIMEOUT + 4)
            assert s.recv(1024) == b"", "the server kept a connection without a request head"
            s.close()
        assert time.monotonic() - started < HEAD_TIMEOUT + 3
        # A client that sends its head in time is served, on the same kind of connection.
        whole = socket.create_connection(("127.0.0.1", port), timeout=10)
        whole.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _answer(whole, 5).startswith(b"HTTP/1.1 200")
        whole.close()
