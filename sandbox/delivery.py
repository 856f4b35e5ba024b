"""Envelopes over Socket Mode: to which link, acks, timeouts, retries, queueing.

Each envelope goes to one live link (routing.py picks it). An ack is matched by
envelope id whatever link it comes back on: a client that swaps links acks on
the new one what it received on the old. When an ack doesn't come in time,
Slack acts: slash commands and interactions fail for the person, events are
redelivered with retry_attempt/retry_reason, preferably on another link. An
envelope in flight on a link that dies is treated the same way: its ack may
still come on another link, so it waits out the ack timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING

from .records import Envelope
from .routing import LinkChooser

if TYPE_CHECKING:
    from .core import Core
    from .socket_mode import Link, SocketModeHub

log = logging.getLogger("sandbox.delivery")


class Delivery:
    def __init__(self, core: "Core", hub: "SocketModeHub") -> None:
        self.core = core
        self.hub = hub
        self.chooser = LinkChooser()
        self.pending: list[Envelope] = []         # events waiting for a link
        self.held: list[Envelope] = []            # waiting for a link after a disconnect
        self.inflight: dict[str, Envelope] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self.hub.loop

    # --- envelopes out -----------------------------------------------------------------
    def send(self, env: Envelope) -> None:
        """Queue a new envelope for delivery (thread-safe)."""
        self.core.records.add_envelope(env)
        if self.loop is None:
            self._fail_or_queue(env)
            return
        # A route set by a test belongs to the next envelope sent, so take it now,
        # in the sender's order, not when the loop gets round to dispatching.
        route = self.chooser.take_route(env.type)
        self.loop.call_soon_threadsafe(self._dispatch_new, env, route)

    def _dispatch_new(self, env: Envelope, route: tuple[int, ...] | None) -> None:
        if route is not None:
            first, *others = route
            self._dispatch(env, pinned=first)
            for attempt, link_id in enumerate(others, start=1):
                self._dispatch(self._redelivery(env, attempt), pinned=link_id)
            return
        self._dispatch(env)
        if self.core.faults.take_duplicate(env.type):
            self._dispatch(self._redelivery(env, 1 if env.type == "events_api" else 0),
                           avoid=env.link_id)

    def _redelivery(self, env: Envelope, attempt: int) -> Envelope:
        """The same payload again under a new envelope id, recorded; Slack marks an
        event redelivery with its attempt number and "timeout"."""
        is_event = env.type == "events_api"
        copy = env.clone_for_retry(self.core.ws.ids.envelope_id(), attempt if is_event else 0,
                                   "timeout" if is_event else "")
        self.core.records.add_envelope(copy)
        return copy

    def _dispatch(self, env: Envelope, *, allow_draining: bool = False,
                  avoid: int | None = None, pinned: int | None = None) -> None:
        link = self.hub.link(pinned) if pinned is not None else None
        if link is None:
            link = self._pick(allow_draining=allow_draining, avoid=avoid)
        if link is None and self.hub.live and not allow_draining:
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

    def _pick(self, *, allow_draining: bool, avoid: int | None) -> "Link | None":
        live = self.hub.live
        fresh = [link for link in live if not link.draining]
        if not fresh and allow_draining:
            fresh = live
        return self.chooser.choose(fresh, avoid=avoid)

    def _transmit(self, link: "Link", env: Envelope) -> None:
        assert self.loop is not None
        env.sent_at = time.monotonic()
        env.link_id = link.id
        self.inflight[env.envelope_id] = env
        self._timers[env.envelope_id] = self.loop.call_later(
            self.core.settings.ack_timeout, self._ack_timeout, env)
        self.hub.write(link, json.dumps(env.wire()))

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

    def flush_pending(self) -> None:
        """A link came up: send what was waiting for one."""
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

    def cancel_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()

    # --- acks in ---------------------------------------------------------------------
    def on_text(self, link: "Link", data: str) -> None:
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
        env.ack_link_id = link.id
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
        # Stays in inflight, findable for a late ack, so ack_latency is still measured.
        self._fail(env, "ack_timeout")
        if env.type == "events_api":
            delays = self.core.settings.event_retry_delays
            if env.retry_attempt < len(delays):
                assert self.loop is not None
                self.loop.call_later(delays[env.retry_attempt], self._redeliver, env)

    def _redeliver(self, env: Envelope) -> None:
        self._dispatch(self._redelivery(env, env.retry_attempt + 1), avoid=env.link_id)

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
