"""Connections to the webhook port, bounded in number and in how long they may take to say what they want.

aiohttp has neither: it accepts every connection it can (each holds a file descriptor) and waits for a
request's head as long as the connection stays open, a byte every few seconds being enough. 1,100
such connections once used up the process's file descriptors, and with them Slack's. So the server
socket gets this protocol factory instead of aiohttp's own, which it wraps:

- over ``limit`` open connections, a new one is answered 503 and closed at once, never handed to
  aiohttp (no parser, no task);
- a connection whose first request head is not complete ``head_timeout`` seconds after it opened is
  answered 408 and closed. Later requests on a kept-alive connection are bounded by aiohttp's own
  keep-alive timer, which closes an idle connection (one without a complete head) when it fires.

Bodies have their own deadline in the handler (``BODY_TIMEOUT``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from aiohttp import web

from bot.log_throttle import Throttled


def _canned(status: str, error: str, *headers: str) -> bytes:
    """A whole response written without aiohttp: for connections it never sees."""
    body = ('{"ok": false, "error": "%s"}' % error).encode()
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", "Connection: close",
            f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


_REFUSED = _canned("503 Service Unavailable", "too many connections; send it again", "Retry-After: 1")
_TOO_SLOW = _canned("408 Request Timeout", "the request headers took too long to arrive")
_HEAD_ENDS = (b"\r\n\r\n", b"\n\n")  # aiohttp reads a head that ends with bare newlines too


class ConnectionGuard:
    """The protocol factory for the server socket (see the module's docstring)."""

    def __init__(self, inner: Callable[[], asyncio.Protocol], *, limit: int, head_timeout: float,
                 log: Throttled) -> None:
        self.inner = inner
        self.limit = limit
        self.head_timeout = head_timeout
        self.log = log
        self.open = 0

    def __call__(self) -> asyncio.Protocol:
        if self.open >= self.limit:
            self.log.warning("refused", "http.connection_refused", open=self.open, limit=self.limit)
            return _Refuse()
        self.open += 1
        return _Guarded(self, self.inner())


class _Refuse(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_REFUSED)
        transport.close()


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the head deadline and the count around it."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.deadline: asyncio.TimerHandle | None = None
        self.tail = b""                   # the end of what came so far: a head's end may be split

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.deadline = asyncio.get_running_loop().call_later(self.guard.head_timeout, self._too_slow)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.deadline is not None:
            seen = self.tail + data
            if any(end in seen for end in _HEAD_ENDS):
                self.deadline.cancel()
                self.deadline = None
            else:
                self.tail = seen[-3:]
        self.inner.data_received(data)

    def _too_slow(self) -> None:
        self.deadline = None
        if self.transport is not None and not self.transport.is_closing():
            peer = self.transport.get_extra_info("peername")
            self.guard.log.info("head_timeout", "http.head_timeout", remote=peer[0] if peer else "-",
                     seconds=self.guard.head_timeout)
            self.transport.write(_TOO_SLOW)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.open -= 1
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.transport = None
        self.inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class GuardedSite(web.BaseSite):
    """aiohttp's TCPSite, but listening with a :class:`ConnectionGuard` around the runner's server."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *, limit: int, head_timeout: float,
                 backlog: int, log: Throttled) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self._guard_args = dict(limit=limit, head_timeout=head_timeout, log=log)

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None, "runner.setup() first"
        guard = ConnectionGuard(server, **self._guard_args)
        loop: Any = asyncio.get_running_loop()
        self._server = await loop.create_server(guard, self._host, self._port, backlog=self._backlog,
                                                reuse_address=True)
