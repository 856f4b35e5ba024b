"""What on-call posts in channels and DMs: overrides, and handoffs with their summary."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Rendered, section
from bot.slack.messages import MessageBuilder, RenderContext, template_post

HANDOFF = "oncall_handoff"


def handoff_message(block: str) -> MessageBuilder:
    """A handoff DM or post: what changed, with times in the schedule's own zone as well as each
    reader's (a shift is defined in its schedule's wall time, which is what changes across DST),
    then the summary as a second section."""
    def build(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
        t = ctx.texts
        values = dict(data, start_local=t.when(data["start"], data["tz"]), end_local=t.when(data["end"], data["tz"]))
        head = t.mrkdwn(HANDOFF, block, **values)
        summary = t.mrkdwn(HANDOFF, "summary", **values)
        return Rendered.of(head, [section(head), section(summary)])
    return build


MESSAGES: dict[str, MessageBuilder] = {
    "oncall.override": template_post("oncall", "override_announcement"),
    "oncall.shift_started": handoff_message("started"),
    "oncall.shift_ended": handoff_message("ended"),
    "oncall.handoff": handoff_message("handoff"),
    "oncall.swap_answered": lambda ctx, data: swap_answered(ctx, data),
    "notify.test_result": template_post("notify/test", "result"),
}


def swap_answered(ctx: RenderContext, data: dict[str, Any]) -> Rendered:
    text = ctx.texts.mrkdwn("oncall_swap", "answered", swap=data["swap"])
    return Rendered.of(text, [section(text)])
