"""The Slack side of paging: each page is a DM kept up to date, and user groups become people."""

from __future__ import annotations

from bot.effects.errors import Permanent
from bot.paging.service import ESCALATION_TIMER, Paging, timer_subject
from bot.slack.directory import Directory
from bot.slack.messages import RenderContext
from bot.slack.paging.render import page_message
from bot.slack.surfaces import SurfaceView
from kernel.outbox import Effect


class PagingSurfaces:
    def __init__(self, paging: Paging, directory: Directory, ctx: RenderContext) -> None:
        self.paging = paging
        self.directory = directory
        self.ctx = ctx

    async def page(self, key: str) -> SurfaceView:
        page = self.paging.store.page(int(key.split(":")[1]))
        if page is None:
            raise Permanent(f"{key} does not exist")
        escalation = self.paging.get(page.escalation_id)
        timer = self.ctx.timers.get(ESCALATION_TIMER, timer_subject(escalation.id))
        channel = await self.directory.dm_channel(page.user)
        return SurfaceView(channel, rendered=page_message(self.ctx, escalation, page, timer.due_at if timer else None))

    async def expand_group(self, effect: Effect) -> dict:
        """The ``paging.expand_group`` effect: Slack says who is in the level's groups, the domain pages
        them (or asks first: it counts them all together). ``group``: the one group earlier versions recorded."""
        payload = effect.payload
        groups = payload.get("groups") or [payload["group"]]
        fresh = bool(payload.get("confirmed"))   # confirmed: read afresh, the count asked about may be old
        members = {group: sorted(await self.directory.group_members(group, fresh=fresh)) for group in groups}
        paged = self.paging.page_group_members(int(payload["escalation"]), members,
                                               level=int(payload["level"]), round=int(payload["round"]),
                                               by=payload.get("by"), confirmed=bool(payload.get("confirmed")))
        return {"members": sum(len(m) for m in members.values()), "paged": paged}
