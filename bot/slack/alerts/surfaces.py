"""Where an alert batch (one alert, or a storm's digest) and a person's grouped alert DM are shown."""

from __future__ import annotations

from bot.alerts.service import AlertService
from bot.effects.errors import Permanent
from bot.paging.service import ESCALATION_TIMER, timer_subject
from bot.slack.alerts.render import batch_message, dm_group_message
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.slack.surfaces import SurfaceView


class AlertSurfaces:
    def __init__(self, alerts: AlertService, directory: Directory, ctx: RenderContext) -> None:
        self.alerts = alerts
        self.directory = directory
        self.ctx = ctx

    async def batch(self, key: str) -> SurfaceView | None:
        batch_id = int(key.split(":")[1])
        channel_ref = self.alerts.store.batch_channel(batch_id)
        if channel_ref is None:
            raise Permanent(f"{key} does not exist")
        rendered = batch_message(self.ctx, batch_id, self.alerts.close_batch(batch_id))
        if rendered is None:
            return None
        channel = await self.directory.member_channel_id(channel_ref)
        return SurfaceView(channel, rendered=rendered)

    async def dm(self, key: str) -> SurfaceView | None:
        pages = self.ctx.paging.group(key)
        if pages is None:
            return None
        timer = self.ctx.timers.get(ESCALATION_TIMER, timer_subject(pages.first.escalation_id))
        rendered = dm_group_message(self.ctx, key, pages, timer.due_at if timer else None)
        return SurfaceView(await self.directory.dm_channel(pages.first.user), rendered=rendered)
