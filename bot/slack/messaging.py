"""Posting named messages and telling people things: the ``message.post`` and ``message.reply`` effects."""

from __future__ import annotations

from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.clock import Clock
from bot.config import Config
from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.effects.replies import ReplyTo
from bot.logs import get_logger
from bot.slack.api import SlackApi, SlackCallError
from bot.slack.blocks import Rendered
from bot.slack.directory import Directory
from bot.slack.messages import MessageBuilder, RenderContext, render_message
from bot.slack.posting import marker, post_once
from kernel.outbox import Effect

log = get_logger("warroom.slack.messaging")


class Messaging:
    def __init__(self, api: SlackApi, directory: Directory, render: RenderContext,
                 messages: dict[str, MessageBuilder], config: Config, clock: Clock) -> None:
        self.api = api
        self.directory = directory
        self.render = render
        self.messages = messages
        self.config = config
        self.clock = clock

    async def channel_for(self, target: str) -> str:
        kind, _, ref = target.partition(":")
        if kind == "incident":
            incident = self.render.incidents.get(int(ref))
            if incident is None:
                raise Permanent(f"incident {ref} does not exist")
            if not incident.channel_id:
                raise NotReady(f"incident {ref} has no channel yet")
            return incident.channel_id
        if kind == "config":
            configured = getattr(self.config.channels, ref, None)
            if not configured:
                raise Permanent(f"channels.{ref} is not configured")
            return await self.directory.member_channel_id(configured)
        if kind == "dm":
            return await self.directory.dm_channel(ref)
        if kind == "channel":  # a channel named in config (an alert source's channel)
            return await self.directory.member_channel_id(ref)
        raise Permanent(f"{target!r} is not a message target")

    # effects -----------------------------------------------------------------------------------
    async def post(self, effect: Effect) -> dict:
        channel = await self.channel_for(effect.payload["target"])
        rendered = render_message(self.render, self.messages, effect.payload["message"], effect.payload["context"])
        ts = await post_once(self.api, channel, rendered, marker(effect=effect.id), maybe_posted=effect.maybe_performed,
                             since=effect.first_attempt_at, now=self.clock.time())
        return {"channel": channel, "ts": ts}

    async def reply(self, effect: Effect) -> dict:
        reply_to = ReplyTo.from_dict(effect.payload["reply_to"])
        context = dict(effect.payload["context"], user=reply_to.user)
        rendered = render_message(self.render, self.messages, effect.payload["message"], context)
        return await self._tell(reply_to, rendered, effect, bool(context.get("replace_original")))

    # how: the place they asked from when possible, a DM otherwise --------------------------------
    async def _tell(self, reply_to: ReplyTo, rendered: Rendered, effect: Effect, replace_original: bool) -> dict:
        if reply_to.response_url:
            if await self._respond(reply_to.response_url, rendered, replace_original):
                return {"via": "response_url"}
        if reply_to.channel:
            try:
                params: dict[str, Any] = {"channel": reply_to.channel, "user": reply_to.user, "text": rendered.text}
                if rendered.blocks:
                    params["blocks"] = rendered.blocks
                await self.api.call("chat.postEphemeral", json=True, expect=(
                    "user_not_in_channel", "channel_not_found", "not_in_channel", "is_archived"), **params)
                return {"via": "ephemeral"}
            except SlackCallError as exc:  # they left, or it is a DM the bot is not in: fall back to a DM
                log.info("reply.ephemeral_refused", reason=exc.code)
        channel = await self.directory.dm_channel(reply_to.user)
        ts = await post_once(self.api, channel, rendered, marker(effect=effect.id), maybe_posted=effect.maybe_performed,
                             since=effect.first_attempt_at, now=self.clock.time())
        return {"via": "dm", "ts": ts}

    async def _respond(self, url: str, rendered: Rendered, replace_original: bool) -> bool:
        body: dict[str, Any] = {"text": rendered.text, "response_type": "ephemeral"}
        if rendered.blocks:
            body["blocks"] = rendered.blocks
        if replace_original:
            body["replace_original"] = True
        try:
            status = await send_to_response_url(self.api, url, body)
        except Exception as exc:  # network trouble: the runner retries the whole reply
            raise RetryLater(f"response_url: {type(exc).__name__}") from None
        if status == 200:
            return True
        if status >= 500 or status == 429:
            raise RetryLater(f"response_url: HTTP {status}")
        log.info("reply.response_url_refused", status=status)  # expired or used up: fall back
        return False


async def send_to_response_url(api: SlackApi, url: str, body: dict[str, Any]) -> int:
    """POST an answer to a command's or a click's response_url, on the session the app's Slack calls use;
    the HTTP status Slack gave."""
    response = await AsyncWebhookClient(url, session=api.client.session).send_dict(body)
    return response.status_code
