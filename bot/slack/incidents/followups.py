"""A follow-up's message in its incident's channel, as a living surface: posted when it is added, then
edited as its ticket is filed (the link), fails (why, and Create ticket again) or closes (done)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from bot.effects.errors import Permanent
from bot.slack.blocks import Rendered, button, context_line, one_section, section
from bot.slack.incidents.render import load, require_channel
from bot.slack.messages import RenderContext
from bot.slack.surfaces import SurfaceView
from kernel.tickets import TicketState
from storage.tickets import TicketStore

FOLLOWUP = "incident/followup"


class FollowupSurfaces:
    def __init__(self, ctx: RenderContext, tickets: TicketStore) -> None:
        self.ctx = ctx
        self.tickets = tickets

    async def followup(self, key: str) -> SurfaceView:
        followup = self.ctx.incidents.followup(int(key.split(":")[1]))
        if followup is None:
            raise Permanent(f"follow-up {key} does not exist")
        incident = load(self.ctx, followup.incident_id)
        channel = require_channel(incident)
        t, tracker = self.ctx.texts, self.ctx.config.tracker
        ticket = self.tickets.get(followup.id)
        words = dict(followup=followup, ticket=ticket, tracker=tracker.name if tracker else "the tracker")
        text = t.mrkdwn(FOLLOWUP, "text", **words)
        blocks: list[Any] = [section(text)]
        state = t.mrkdwn(FOLLOWUP, "state", **words)
        if state:
            blocks.append(context_line(state))
        if tracker is not None and followup.done_at is None and (ticket is None or ticket.state == TicketState.FAILED):
            blocks.append(ActionsBlock(block_id="followup_actions", elements=[
                button(t.plain(FOLLOWUP, "create"), "followup_ticket", f"{incident.id}:{followup.id}")]))
        return SurfaceView(channel, rendered=Rendered.of(t.plain(FOLLOWUP, "fallback", **words), blocks))


def ticket_failed(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    tracker = ctx.config.tracker
    words = dict(data, credentials=tracker.credentials if tracker else (),
                 tracker=tracker.name if tracker else data["tracker"])
    return one_section(ctx.texts.mrkdwn(FOLLOWUP, "failed", **words))
