"""An aiohttp app on a loop thread of its own, with the faults every provider fake can inject:
the next N answers as an HTTP error, or the whole server down (connections refused)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeServer:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=type(self).__name__)
        self.port = 0
        self.requests: list[tuple[str, str]] = []      # (method, path) of every request that reached it
        self._errors: list[tuple[int, Any, dict[str, str]]] = []   # answers to give instead of the real one
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._held: asyncio.Event | None = None        # set: requests go on; clear: they wait (hold)
        self.waiting = 0                                # requests held right now

    # to override -------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def error_body(self, status: int) -> Any:
        return {"error": f"injected {status}"}

    # lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "FakeServer":
        self.thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._faults])
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._runner is not None:
            self._call(self._runner.cleanup())
            self._runner = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    def _call(self, coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=15)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # faults ------------------------------------------------------------------------------------
    def fail(self, status: int = 500, times: int = 1, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests are answered with ``status`` (and the provider's error shape, and
        ``headers``: a rate limit's Retry-After)."""
        with self._lock:
            self._errors.extend([(status, body, headers or {})] * times)

    def hold(self) -> None:
        """Requests arrive and wait without an answer (a receiver that hangs) until :meth:`release`."""
        async def make() -> asyncio.Event:
            return asyncio.Event()
        self._held = self._call(make())

    def release(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self.loop.call_soon_threadsafe(held.set)

    def heal(self) -> None:
        """The errors still to come are forgotten: the next request gets the real answer."""
        with self._lock:
            self._errors.clear()

    def down(self) -> None:
        """Stop listening: every connection is refused until :meth:`up`."""
        if self._runner is not None:
            self._call(self._runner.cleanup())
            self._runner = None

    def up(self) -> None:
        self._call(self._start())

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        with self._lock:
            injected = self._errors.pop(0) if self._errors else None
        if injected is not None:
            status, body, headers = injected
            return web.json_response(body if body is not None else self.error_body(status), status=status,
                                     headers=headers)
        held = self._held
        if held is not None:
            self.waiting += 1
            try:
                await held.wait()
            finally:
                self.waiting -= 1
        return await handler(request)


def wait_until(check: Callable[[], Any], timeout: float = 15.0, message: str = "condition never held") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(message)
