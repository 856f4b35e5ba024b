"""Where each incident surface lives and what it shows: the topic, the pinned status, the announcement."""

from __future__ import annotations

from bot.config import Config
from bot.effects.errors import NotReady
from bot.slack.directory import Directory, display_name
from bot.slack.incidents.render import (
    announcement,
    load,
    require_channel,
    status_summary,
    topic_text,
)
from bot.slack.messages import RenderContext
from bot.slack.surfaces import SurfaceView
from kernel.incidents import Incident


class IncidentSurfaces:
    def __init__(self, ctx: RenderContext, directory: Directory, config: Config) -> None:
        self.ctx = ctx
        self.directory = directory
        self.config = config

    def _incident(self, key: str) -> Incident:
        return load(self.ctx, int(key.split(":")[1]))

    async def topic(self, key: str) -> SurfaceView:
        incident = self._incident(key)
        channel = require_channel(incident)
        name = display_name(await self.directory.user(incident.commander), incident.commander)
        return SurfaceView(channel, topic=topic_text(self.ctx, incident, "@" + name))

    async def status(self, key: str) -> SurfaceView:
        incident = self._incident(key)
        return SurfaceView(require_channel(incident), rendered=status_summary(self.ctx, incident), pin=True)

    async def announcement(self, key: str) -> SurfaceView:
        incident = self._incident(key)
        if not incident.channel_id:
            raise NotReady("the announcement links the channel, which does not exist yet")
        channel = await self.directory.member_channel_id(self.config.channels.announcements)
        return SurfaceView(channel, rendered=announcement(self.ctx, incident))
