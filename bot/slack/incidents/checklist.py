"""A response plan's checklist in the incident channel: a living surface with one button per item;
a click ticks the item (or unticks it), recorded before the ack, and the message is re-rendered."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import SectionBlock

from bot.incidents.plans import ResponsePlans
from bot.slack.answers import act_then_ack
from bot.slack.blocks import Rendered, button, context_line, section
from bot.slack.deps import Deps
from bot.slack.incidents.actions import clicker
from bot.slack.incidents.render import load, require_channel
from bot.slack.messages import RenderContext
from bot.slack.surfaces import SurfaceView
from kernel.incidents import ChecklistItem, Incident

TEMPLATE = "incident/checklist"
ACTION = re.compile(r"^checklist_(tick|untick)_\d+$")


def checklist_message(ctx: RenderContext, incident: Incident, items: list[ChecklistItem]) -> Rendered:
    t = ctx.texts
    counts = {"incident": incident, "done": sum(1 for i in items if i.done_at), "total": len(items)}
    blocks: list = [section(t.mrkdwn(TEMPLATE, "header", **counts))]
    for item in items:
        # the value says what the click means, so a second click (or a stale message) cannot undo it
        verb, wanted = ("untick", 0) if item.done_at else ("tick", 1)
        blocks.append(SectionBlock(text=t.mrkdwn(TEMPLATE, "item", item=item), accessory=button(
            t.plain(TEMPLATE, verb), f"checklist_{verb}_{item.id}", f"{incident.id}:{item.id}:{wanted}",
            None if item.done_at else "primary")))
    blocks.append(context_line(t.mrkdwn(TEMPLATE, "footer")))
    return Rendered.of(t.plain(TEMPLATE, "fallback", **counts), blocks)


class ChecklistSurface:
    def __init__(self, ctx: RenderContext, plans: ResponsePlans) -> None:
        self.ctx = ctx
        self.plans = plans

    async def render(self, key: str) -> SurfaceView | None:
        incident = load(self.ctx, int(key.split(":")[1]))
        items = self.plans.checklist(incident)
        if not items:
            return None
        return SurfaceView(require_channel(incident), rendered=checklist_message(self.ctx, incident, items))


def register(app, deps: Deps) -> None:
    @app.action(ACTION)
    async def toggle(ack, body) -> None:
        actor = clicker(deps, body)

        def work() -> dict[str, Any] | None:
            incident_id, item_id, wanted = body["actions"][0]["value"].split(":")
            incident = deps.incidents.get(int(incident_id))
            assert deps.plans is not None   # the app always builds them
            deps.plans.set_done(incident, actor, int(item_id), wanted == "1")
            return None   # the checklist itself shows the tick, re-rendered through the outbox
        await act_then_ack(deps, ack, body, "checklist", work)
