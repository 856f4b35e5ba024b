"""Socket Mode: the WebSocket side of the sandbox.

apps.connections.open mints a ticket; the client upgrades at
``/link/?ticket=…``; we greet with ``hello``, push envelopes (spread across live
links), match acks to envelopes, and act like Slack when an ack doesn't come:
slash commands fail for the user, events are redelivered with retry_attempt.
Every server->client message is one unmasked text frame (aiohttp's send_str),
which the slack_sdk builtin client requires.
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
        self.pending: list[Envelope] = []         # events waiting for a link
        self.held: list[Envelope] = []            # waiting for a link after a disconnect
        self.inflight: dict[str, Envelope] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._link_ids = itertools.count(1)
        self._rr = itertools.count()

    # --- connection lifecycle ------------------------------------------------------------
    def open_url(self) -> str:
        ticket = self.core.ws.ids.hex(32)
        self.tickets[ticket] = time.monotonic()
        host = self.core.base_url.removeprefix("http://")
        return f"ws://{host}/link/?ticket={ticket}&app_id={self.core.ws.app_id}"

    @property
    def live(self) -> list[Link]:
        return [link for link in self.links if not link.closed]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if self.tickets.pop(ticket, None) is None:
            # Slack refuses the upgrade for an unknown or reused ticket.
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        link = Link(id=next(self._link_ids), ws=ws, transport=request.transport)
        self.links.append(link)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": len(self.live),
            "debug_info": {"host": f"applink-sandbox-{link.id}", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.core.ws.app_id}}))
        self._flush_pending()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(link, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            link.closed = True
            self.links = [x for x in self.links if x is not link]
        return ws

    def disconnect_all(self, reason: str) -> None:
        self._call(self._disconnect_all, reason)

    async def _disconnect_all(self, reason: str) -> None:
        for link in self.live:
            link.draining = True
            frame = {"type": "disconnect", "reason": reason,
                     "debug_info": {"host": f"applink-sandbox-{link.id}"}}
            try:
                await link.ws.send_str(json.dumps(frame))
            except ConnectionError:
                continue
            # Slack closes a link itself some seconds after asking the client to move.
            assert self.loop is not None
            self.loop.call_later(self.core.settings.disconnect_grace,
                                 lambda lk=link: asyncio.ensure_future(self._close(lk)))

    async def _close(self, link: Link, code: int = 1000) -> None:
        if not link.closed:
            await link.ws.close(code=code)

    def drop_all(self) -> None:
        self._call(self._drop_all)

    async def _drop_all(self) -> None:
        for link in self.live:
            link.closed = True
            if link.transport is not None:
                link.transport.abort()     # no close frame: the client sees a dead socket

    async def close_all(self) -> None:
        for link in self.live:
            await self._close(link, code=1001)
        for timer in self._timers.values():
            timer.cancel()

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

    # --- envelopes out -----------------------------------------------------------------
    def send(self, env: Envelope) -> None:
        """Queue an envelope for delivery (thread-safe)."""
        self.core.records.add_envelope(env)
        if self.loop is None:
            self._fail_or_queue(env)
            return
        self.loop.call_soon_threadsafe(self._dispatch, env)

    def _pick(self, *, allow_draining: bool = False) -> Link | None:
        live = self.live
        fresh = [link for link in live if not link.draining]
        if not fresh and allow_draining:
            fresh = live
        if not fresh:
            return None
        return fresh[next(self._rr) % len(fresh)]

    def _dispatch(self, env: Envelope, *, allow_draining: bool = False) -> None:
        link = self._pick(allow_draining=allow_draining)
        if link is None and self.live and not allow_draining:
            # Every link was asked to reconnect: hold the envelope for the new link
            # rather than send it down one the client is about to drop.
            self.held.append(env)
            assert self.loop is not None
            self.loop.call_later(self.core.settings.disconnect_grace, self._release_held, env)
            return
        if link is None:
            self._fail_or_queue(env)
            return
        self._transmit(link, env)
        if self.core.faults.take_duplicate(env.type):
            attempt = 1 if env.type == "events_api" else 0
            reason = "timeout" if env.type == "events_api" else ""
            dup = env.clone_for_retry(self.core.ws.ids.envelope_id(), attempt, reason)
            self.core.records.add_envelope(dup)
            self._dispatch(dup)

    def _transmit(self, link: Link, env: Envelope) -> None:
        assert self.loop is not None
        env.sent_at = time.monotonic()
        env.link_id = link.id
        self.inflight[env.envelope_id] = env
        self._timers[env.envelope_id] = self.loop.call_later(
            self.core.settings.ack_timeout, self._ack_timeout, env)
        data = json.dumps(env.wire())

        async def write() -> None:
            try:
                await link.ws.send_str(data)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("send on link %s failed: %s", link.id, exc)

        self.loop.create_task(write())

    def _fail_or_queue(self, env: Envelope) -> None:
        # Slack holds events for a disconnected app for a while; commands and
        # interactions fail at once for the person ("dispatch_failed").
        if env.type == "events_api":
            env.created_at = time.monotonic()
            self.pending.append(env)
            if self.loop is not None:
                self.loop.call_later(self.core.settings.event_queue_ttl, self._expire_pending)
            return
        self._fail(env, "dispatch_failed")

    def _flush_pending(self) -> None:
        waiting, self.pending = self.held + self.pending, []
        self.held = []
        for env in waiting:
            self._dispatch(env)

    def _release_held(self, env: Envelope) -> None:
        """No new link came in time: use an old one if it is still open."""
        if env in self.held:
            self.held.remove(env)
            self._dispatch(env, allow_draining=True)

    def _expire_pending(self) -> None:
        cutoff = time.monotonic() - self.core.settings.event_queue_ttl
        for env in [e for e in self.pending if e.created_at <= cutoff]:
            self.pending.remove(env)
            self._fail(env, "no_connection")

    # --- acks in ---------------------------------------------------------------------
    def _on_text(self, link: Link, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            return
        if not isinstance(frame, dict) or "envelope_id" not in frame:
            return
        env = self.inflight.pop(str(frame["envelope_id"]), None)
        if env is None:
            return
        timer = self._timers.pop(env.envelope_id, None)
        if timer is not None:
            timer.cancel()
        env.acked_at = time.monotonic()
        env.ack_payload = frame.get("payload") or {}
        env.ack_latency = env.acked_at - (env.sent_at or env.acked_at)
        if env.failed:
            env.late_ack = True     # Slack has already given up on it
            return
        if env.on_ack is not None:
            with self.core.lock:
                try:
                    env.on_ack(env, env.ack_payload)
                except Exception:   # a bad ack must not kill the link
                    log.exception("handling ack of %s", env.envelope_id)
        env.done.set()

    def _ack_timeout(self, env: Envelope) -> None:
        self._timers.pop(env.envelope_id, None)
        self.inflight.pop(env.envelope_id, None)
        # Keep it findable for a late ack so ack_latency is still measured.
        self.inflight[env.envelope_id] = env
        self._fail(env, "ack_timeout")
        if env.type == "events_api":
            delays = self.core.settings.event_retry_delays
            if env.retry_attempt < len(delays):
                assert self.loop is not None
                self.loop.call_later(delays[env.retry_attempt], self._redeliver, env)

    def _redeliver(self, env: Envelope) -> None:
        retry = env.clone_for_retry(self.core.ws.ids.envelope_id(), env.retry_attempt + 1,
                                    "timeout")
        self.core.records.add_envelope(retry)
        self._dispatch(retry)

    def _fail(self, env: Envelope, reason: str) -> None:
        env.failed = True
        env.failure = reason
        if env.on_fail is not None:
            with self.core.lock:
                try:
                    env.on_fail(env, reason)
                except Exception:
                    log.exception("handling failure of %s", env.envelope_id)
        env.done.set()
