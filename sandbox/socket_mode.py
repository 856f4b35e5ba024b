"""Socket Mode links: the WebSocket side of the sandbox.

apps.connections.open mints a ticket; the client upgrades at
``/link/?ticket=…``; we greet with ``hello`` and hand the link to delivery.py,
which sends envelopes and matches acks. Slack lets an app hold up to 10 links at
once (slack-platform.md §1.6): one more gets a ``disconnect`` with reason
``too_many_websockets`` and is closed. Every server->client message is one
unmasked text frame (aiohttp's send_str), which the slack_sdk builtin client
requires.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .delivery import Delivery
from .records import Envelope

if TYPE_CHECKING:
    from .core import Core

log = logging.getLogger("sandbox.socket_mode")


@dataclass
class Link:
    id: int
    ws: web.WebSocketResponse
    transport: Any
    opened_at: float = field(default_factory=time.monotonic)
    draining: bool = False       # got a disconnect message; used only if nothing better
    closed: bool = False


class SocketModeHub:
    def __init__(self, core: "Core") -> None:
        self.core = core
        self.loop: asyncio.AbstractEventLoop | None = None
        self.links: list[Link] = []
        self.tickets: dict[str, float] = {}
        self.refused = 0                          # links turned away as too many
        self._link_ids = itertools.count(1)
        self.delivery = Delivery(core, self)

    def send(self, env: Envelope) -> None:
        """Queue an envelope for delivery (thread-safe)."""
        self.delivery.send(env)

    # --- connection lifecycle ------------------------------------------------------------
    def open_url(self) -> str:
        ticket = self.core.ws.ids.hex(32)
        self.tickets[ticket] = time.monotonic()
        host = self.core.base_url.removeprefix("http://")
        return f"ws://{host}/link/?ticket={ticket}&app_id={self.core.ws.app_id}"

    @property
    def live(self) -> list[Link]:
        return [link for link in self.links if not link.closed]

    def link(self, link_id: int) -> Link | None:
        return next((link for link in self.live if link.id == link_id), None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if self.tickets.pop(ticket, None) is None:
            # Slack refuses the upgrade for an unknown or reused ticket.
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        link = Link(id=next(self._link_ids), ws=ws, transport=request.transport)
        if len(self.live) >= self.core.settings.max_links:
            await self._refuse(link)
            return ws
        self.links.append(link)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": len(self.live),
            "debug_info": {"host": _host(link), "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.core.ws.app_id}}))
        self.delivery.flush_pending()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.delivery.on_text(link, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            link.closed = True
            self.links = [x for x in self.links if x is not link]
        return ws

    async def _refuse(self, link: Link) -> None:
        """The app already holds as many links as Slack allows: tell this one why, close it."""
        self.refused += 1
        try:
            await link.ws.send_str(json.dumps(_disconnect_frame(link, "too_many_websockets")))
        except ConnectionError:
            return
        await self._close(link)

    def write(self, link: Link, data: str) -> None:
        """Send one text frame on ``link`` from the server loop."""
        assert self.loop is not None

        async def write() -> None:
            try:
                await link.ws.send_str(data)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("send on link %s failed: %s", link.id, exc)

        self.loop.create_task(write())

    def _targets(self, link_id: int | None) -> list[Link]:
        if link_id is None:
            return self.live
        link = self.link(link_id)
        if link is None:
            live = [x.id for x in self.live]
            raise ValueError(f"no live Socket Mode link {link_id}; live links: {live}")
        return [link]

    def disconnect(self, reason: str, link_id: int | None = None) -> None:
        """Send a ``disconnect`` on one link, or on every live link."""
        self._call(self._disconnect, reason, self._targets(link_id))

    async def _disconnect(self, reason: str, links: list[Link]) -> None:
        for link in links:
            link.draining = True
            try:
                await link.ws.send_str(json.dumps(_disconnect_frame(link, reason)))
            except ConnectionError:
                continue
            # Slack closes a link itself some seconds after asking the client to move.
            assert self.loop is not None
            self.loop.call_later(self.core.settings.disconnect_grace,
                                 lambda lk=link: asyncio.ensure_future(self._close(lk)))

    async def _close(self, link: Link, code: int = 1000) -> None:
        if not link.closed:
            await link.ws.close(code=code)

    def drop(self, link_id: int | None = None) -> None:
        """Abruptly end one link, or every live link."""
        self._call(self._drop, self._targets(link_id))

    async def _drop(self, links: list[Link]) -> None:
        for link in links:
            link.closed = True
            if link.transport is not None:
                link.transport.abort()     # no close frame: the client sees a dead socket

    async def close_all(self) -> None:
        for link in self.live:
            await self._close(link, code=1001)
        self.delivery.cancel_timers()

    def _call(self, coro_fn: Any, *args: Any) -> None:
        """Run a hub coroutine on the server loop from any thread and wait for it."""
        if self.loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(coro_fn(*args), self.loop)
        try:
            on_own_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_own_loop = False
        if not on_own_loop:   # waiting on our own loop would deadlock it
            fut.result(timeout=5)


def _host(link: Link) -> str:
    return f"applink-sandbox-{link.id}"


def _disconnect_frame(link: Link, reason: str) -> dict[str, Any]:
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": _host(link)}}
