"""The Slack side of alerts: where an alert batch or a grouped DM is shown."""

from __future__ import annotations

from bot.effects.errors import Permanent
from bot.paging.service import ESCALATION_TIMER, timer_subject
from bot.slack.directory import Directory
from bot.slack.render.alerts import batch_message, dm_group_message
from bot.slack.render.base import RenderContext
from bot.slack.surfaces import Surfaces, SurfaceView
from storage.timers import TimerStore
from bot.work import Work
from storage.alerts import AlertStore


class SlackAlerts:
    def __init__(self, store: AlertStore, directory: Directory, render: RenderContext, timers: TimerStore,
                 work: Work) -> None:
        self.store = store
        self.directory = directory
        self.render = render
        self.timers = timers
        self.work = work

    def register(self, surfaces: Surfaces) -> None:
        surfaces.register("alertbatch:*", self.batch_surface)
        surfaces.register("alertdm:*", self.dm_surface)

    async def batch_surface(self, key: str) -> SurfaceView | None:
        batch_id = int(key.split(":")[1])
        channel_ref = self.store.batch_channel(batch_id)
        if channel_ref is None:
            raise Permanent(f"{key} does not exist")
        with self.work():
            # from here on new alerts start the next message; this one shows what is in it now
            self.store.close_batch(batch_id, self.render.clock.time())
        rendered = batch_message(self.render, batch_id)
        if rendered is None:
            return None
        channel = await self.directory.member_channel_id(channel_ref)
        return SurfaceView(channel, rendered=rendered)

    async def dm_surface(self, key: str) -> SurfaceView | None:
        pages = self.render.paging.in_group(key)
        if not pages:
            return None
        timer = self.timers.get(ESCALATION_TIMER, timer_subject(pages[0].escalation_id))
        rendered = dm_group_message(self.render, key, timer.due_at if timer else None)
        if rendered is None:
            return None
        return SurfaceView(await self.directory.dm_channel(pages[0].user), rendered=rendered)
