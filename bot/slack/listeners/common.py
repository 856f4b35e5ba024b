"""What every listener needs, and the one way errors become replies."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block

from bot.clock import Clock
from bot.config import Config
from bot.incidents.channel_log import ChannelLog
from bot.errors import UserError
from bot.incidents.service import Actor, IncidentService
from bot.logs import get_logger
from bot.slack.directory import Directory
from bot.slack.effects import SlackEffects
from bot.slack.render.base import RenderContext, Rendered
from bot.text import Texts

log = get_logger("warroom.listeners")


@dataclass
class Deps:
    config: Config
    texts: Texts
    clock: Clock
    incidents: IncidentService
    channel_log: ChannelLog
    directory: Directory
    render: RenderContext
    slack_effects: SlackEffects
    seen_events: Any
    extras: dict[str, Any] = field(default_factory=dict)   # later features (paging, alerts, oncall)

    def actor(self, user: str) -> Actor:
        managers = self.directory.cached_group_members(self.config.incident_managers)
        return Actor(user=user, is_manager=user in managers)


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel an interaction came from (a message's channel, or the container's)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def reply(text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """An ephemeral answer, as the kwargs of ack() or respond()."""
    rendered = Rendered.of(text, blocks)
    payload: dict[str, Any] = {"text": rendered.text, "response_type": "ephemeral"}
    if rendered.blocks:
        payload["blocks"] = rendered.blocks
    return payload


def error_text(deps: Deps, exc: UserError) -> str:
    return deps.texts.mrkdwn("errors", exc.code, **exc.params)


def error_reply(deps: Deps, exc: Exception, where: str) -> dict[str, Any]:
    """Known problems say what was wrong and how to do it right; bugs get a reference to find the log."""
    if isinstance(exc, UserError):
        return reply(error_text(deps, exc))
    reference = secrets.token_hex(4)
    log.error("listener.crashed", exc_info=exc, where=where, reference=reference)
    return reply(deps.texts.mrkdwn("incident/replies", "crashed", reference=reference))


async def act_then_ack(deps: Deps, ack, respond, where: str, work) -> None:
    """Record first, then ack: Slack never resends an acked click, so it must already be on disk.

    ``work`` is the (fast, synchronous) domain call; it returns what to tell the clicker, if anything.
    The answer goes out after the ack, by response_url.
    """
    try:
        answer = work()
    except Exception as exc:
        answer = error_reply(deps, exc, where)
    await ack()
    if answer:
        await respond(**answer)
