"""Runs the aiohttp application on its own event loop in a daemon thread, so
the sandbox works the same under sync tests, async tests and the REPL."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from aiohttp import web

from .webapi.server import WebApi

if TYPE_CHECKING:
    from .core import Core


class ServerThread:
    def __init__(self, core: "Core", host: str, port: int) -> None:
        self.core = core
        self.host, self.port = host, port
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True,
                                        name="sandbox-server")
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("sandbox server did not start")
        if self._error is not None:
            raise RuntimeError(f"sandbox server failed to start: {self._error}") from self._error

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:   # report start-up failures to the starting thread
            self._error = exc
            ready.set()
            loop.close()
            return
        self.core.hub.loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._cleanup())
            loop.close()

    async def _serve(self) -> None:
        self._runner = web.AppRunner(WebApi(self.core).app(), access_log=None,
                                     handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.port = port
        self.core.base_url = f"http://{self.host}:{port}"

    async def _cleanup(self) -> None:
        await self.core.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is None or self._thread is None:
            return
        self.core.hub.loop = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        self._thread = None
        self.loop = None
