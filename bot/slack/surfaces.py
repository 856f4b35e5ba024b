"""Living surfaces: Slack things that show state (a topic, a pinned summary, an announcement, a
page's DM). Each is re-rendered from the database and written only when the rendering changed,
so ten changes become one edit and a retry after a crash converges instead of duplicating."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Awaitable, Callable

from bot.clock import Clock
from bot.effects.errors import Permanent
from bot.effects.port import surface_kind
from bot.slack.api import SlackApi, SlackCallError
from bot.slack.blocks import Rendered
from bot.slack.posting import marker, post_once, update_message
from bot.work import Work
from kernel.outbox import Effect
from storage.surfaces import SurfaceStore


@dataclass(frozen=True)
class SurfaceView:
    channel: str
    rendered: Rendered | None = None     # a message surface
    topic: str | None = None             # or a channel topic
    pin: bool = False

    def digest(self) -> str:
        body = {"c": self.channel, "t": self.topic, "p": self.pin,
                "r": [self.rendered.text, self.rendered.blocks] if self.rendered else None}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


SurfaceRenderer = Callable[[str], Awaitable[SurfaceView | None]]


class Surfaces:
    """Dispatches ``surface.sync`` effects to renderers registered by key prefix."""

    def __init__(self, api: SlackApi, store: SurfaceStore, work: Work, clock: Clock) -> None:
        self.api = api
        self.store = store
        self.work = work
        self.clock = clock
        # by kind, the key with its numbers taken out (``incident:*:topic``); filled by the catalogue
        self.renderers: dict[str, SurfaceRenderer] = {}

    def _renderer(self, key: str) -> SurfaceRenderer:
        renderer = self.renderers.get(surface_kind(key))
        if renderer is None:
            raise Permanent(f"no surface renderer for {key!r}")
        return renderer

    async def sync(self, effect: Effect) -> dict:
        key = effect.payload["surface"]
        view = await self._renderer(key)(key)
        if view is None:
            return {"skipped": True}
        digest = view.digest()
        current = self.store.get(key)
        if current and current.digest == digest and current.channel == view.channel:
            return {"unchanged": True}
        mark = marker(surface=key)
        if view.topic is not None:
            await self.api.call("conversations.setTopic", channel=view.channel, topic=view.topic)
            self._save(key, view.channel, None, digest)
            return {"topic": True}
        assert view.rendered is not None
        ts = current.ts if current and current.channel == view.channel else None
        needs_pin = view.pin and (ts is None or current is None or current.digest is None)
        posted = ts is None    # the surface's first message (a page reaching its person), not an edit
        if ts is None:
            ts = await post_once(self.api, view.channel, view.rendered, mark, maybe_posted=effect.maybe_performed,
                                 since=effect.first_attempt_at, now=self.clock.time(), refresh=True)
            self._save(key, view.channel, ts, None)   # known before pinning: a crash now only re-pins
        else:
            try:
                await update_message(self.api, view.channel, ts, view.rendered, mark)
            except SlackCallError:
                # someone deleted the message: the surface must exist, so post it afresh
                ts = await post_once(self.api, view.channel, view.rendered, mark, maybe_posted=False, since=None,
                                     now=self.clock.time())
                self._save(key, view.channel, ts, None)
                needs_pin = view.pin
                posted = True
        if needs_pin:
            try:
                await self.api.call("pins.add", expect=("already_pinned",), channel=view.channel, timestamp=ts)
            except SlackCallError:
                pass  # already pinned: what we wanted
        self._save(key, view.channel, ts, digest)
        return {"channel": view.channel, "ts": ts, "posted": posted}

    def _save(self, key: str, channel: str, ts: str | None, digest: str | None) -> None:
        with self.work():
            self.store.save(key, channel=channel, ts=ts, digest=digest, at=self.clock.time())
