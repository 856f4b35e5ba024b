"""Where each incident surface lives and what it shows."""

from __future__ import annotations

from bot.config import Config
from bot.effects.errors import NotReady
from bot.slack.directory import Directory
from bot.slack.render.base import RenderContext
from bot.slack.render.incidents import announcement, load, require_channel, status_summary, topic_text
from bot.slack.surfaces import Surfaces, SurfaceView


def display_name(info: dict | None, fallback: str) -> str:
    if not info:
        return fallback
    profile = info.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name") or fallback


def register_incident_surfaces(surfaces: Surfaces, ctx: RenderContext, directory: Directory, config: Config) -> None:
    def incident_of(key: str):
        return load(ctx, int(key.split(":")[1]))

    async def topic(key: str) -> SurfaceView:
        incident = incident_of(key)
        channel = require_channel(incident)
        name = display_name(await directory.user(incident.commander), incident.commander)
        return SurfaceView(channel, topic=topic_text(ctx, incident, "@" + name))

    async def status(key: str) -> SurfaceView:
        incident = incident_of(key)
        return SurfaceView(require_channel(incident), rendered=status_summary(ctx, incident), pin=True)

    async def announce(key: str) -> SurfaceView:
        incident = incident_of(key)
        if not incident.channel_id:
            raise NotReady("the announcement links the channel, which does not exist yet")
        channel = await directory.member_channel_id(config.channels.announcements)
        return SurfaceView(channel, rendered=announcement(ctx, incident))

    surfaces.register("incident:*:topic", topic)
    surfaces.register("incident:*:status", status)
    surfaces.register("incident:*:announcement", announce)
