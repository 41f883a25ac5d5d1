"""How the service is served: uvicorn with a request-head timeout and forwarded headers honoured
only from configured proxies. ``headcount serve``, the demo and the browser tests all start it
through ``config_for``, so none of them can forget either.

uvicorn closes an idle keep-alive connection, but it has no limit on how long a client may take
to send a request head: a client sending one header byte every few seconds holds a connection
for ever (slowloris). ``HeadTimeout`` closes a connection whose head is not complete within
``Settings.header_timeout_seconds`` of its first byte (or of connecting). The body has its own
limit in the application (``middleware.SecurityMiddleware``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from headcount.config import Settings


class HeadTimeout(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on every request head."""

    head_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _expired(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_for(settings: Settings) -> type[HeadTimeout]:
    timeout = settings.header_timeout_seconds
    return type("HeadTimeoutProtocol", (HeadTimeout,), {"head_timeout": timeout})


def config_for(
    app: Any, settings: Settings, *, host: str, port: int, log_level: str = "info"
) -> uvicorn.Config:
    """The uvicorn configuration every server of Headcount runs with."""
    proxies = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_for(settings),
        # X-Forwarded-For/-Proto only from the configured proxies; uvicorn's default trusts
        # 127.0.0.1, which lets any local process (or a proxy that passes them through) choose
        # the scheme and the client address.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        server_header=False,
        log_level=log_level,
        access_log=False,  # paths and queries may carry an account or a household id
    )


def run(app: Any, settings: Settings, *, host: str, port: int, log_level: str = "info") -> None:
    uvicorn.Server(config_for(app, settings, host=host, port=port, log_level=log_level)).run()
