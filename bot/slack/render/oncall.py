"""What on-call posts in channels."""

from __future__ import annotations

from bot.slack.render.base import message, template_post

message("oncall.override")(template_post("oncall", "override_announcement"))
