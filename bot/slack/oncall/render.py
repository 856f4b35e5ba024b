"""What on-call posts in channels."""

from __future__ import annotations

from bot.slack.messages import MessageBuilder, template_post

MESSAGES: dict[str, MessageBuilder] = {
    "oncall.override": template_post("oncall", "override_announcement"),
    "notify.test_result": template_post("notify/test", "result"),
}
