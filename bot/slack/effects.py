"""The Slack side of effects: what each recorded effect means in Web API calls."""

from __future__ import annotations

from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.clock import Clock
from bot.config import Config
from bot.effects.errors import NotReady, Permanent, RetryLater
from bot.effects.replies import ReplyTo
from bot.incidents.naming import with_suffix
from bot.logs import get_logger
from bot.slack.api import SlackApi, SlackCallError
from bot.slack.directory import Directory
from bot.slack.posting import marker, post_once
from bot.slack.render.base import RenderContext, Rendered, render_message
from bot.slack.render.incidents import load
from bot.work import Work
from storage.incidents import IncidentStore
from kernel.outbox import Effect

log = get_logger("warroom.slack.effects")

MAX_NAME_ATTEMPTS = 30


class SlackEffects:
    def __init__(self, api: SlackApi, directory: Directory, render: RenderContext, incidents: IncidentStore,
                 work: Work, clock: Clock, config: Config, bot_user_id: str) -> None:
        self.api = api
        self.directory = directory
        self.render = render
        self.incidents = incidents
        self.work = work
        self.clock = clock
        self.config = config
        self.bot_user_id = bot_user_id

    def handlers(self) -> dict[str, Any]:
        return {
            "incident.create_channel": self.create_channel,
            "incident.invite": self.invite,
            "incident.bookmark": self.bookmark,
            "message.post": self.post,
            "message.reply": self.reply,
        }

    # targets -----------------------------------------------------------------------------------
    async def channel_for(self, target: str) -> str:
        kind, _, ref = target.partition(":")
        if kind == "incident":
            incident = load(self.render, int(ref))
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
        return target

    # incident channel --------------------------------------------------------------------------
    async def create_channel(self, effect: Effect) -> dict:
        incident = load(self.render, effect.payload["incident"])
        if incident.channel_id:
            return {"channel": incident.channel_id}
        channel: dict[str, Any] | None = None
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = with_suffix(incident.channel_name, attempt)
            try:
                data = await self.api.call("conversations.create", expect=("name_taken",), name=name,
                                           is_private="true" if incident.is_private else "false")
                channel = data["channel"]
                break
            except SlackCallError:
                if effect.maybe_performed:
                    channel = await self._own_channel(name, incident.id, effect.first_attempt_at)
                    if channel:
                        log.info("incident.channel_adopted", incident=incident.id, channel=channel["id"])
                        break
        if channel is None:
            raise Permanent(f"every channel name from {incident.channel_name} to -{MAX_NAME_ATTEMPTS} is taken")
        with self.work():
            self.incidents.update(incident.id, channel_id=channel["id"], channel_name=channel["name"])
        self.directory.remember_channel(channel["name"], channel["id"])
        log.info("incident.channel_created", incident=incident.id, channel=channel["id"], name=channel["name"])
        return {"channel": channel["id"], "name": channel["name"]}

    async def _own_channel(self, name: str, incident_id: int, since: float | None) -> dict[str, Any] | None:
        """After a crash mid-create, the channel we made earlier is ours to keep, not a collision."""
        cursor = None
        for _ in range(20):
            params: dict[str, Any] = {"types": "public_channel,private_channel", "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = await self.api.call("conversations.list", patient=True, **params)
            for channel in data.get("channels", []):
                if channel.get("name") != name:
                    continue
                ours = channel.get("creator") == self.bot_user_id
                recent = since is None or channel.get("created", 0) >= since - 300
                if ours and recent and not self.incidents.channel_taken_by_other(channel["id"], incident_id):
                    return channel
                return None
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    async def invite(self, effect: Effect) -> dict:
        incident = load(self.render, effect.payload["incident"])
        if not incident.channel_id:
            raise NotReady("no channel yet")
        users = [u for u in effect.payload["users"] if u and u != self.bot_user_id]
        if not users:
            return {"invited": []}
        problems: dict[str, str] = {}
        ignorable = ("already_in_channel", "cant_invite_self")
        try:
            await self.api.call("conversations.invite", expect=ignorable + ("user_not_found", "cant_invite"),
                                channel=incident.channel_id, users=",".join(users))
        except SlackCallError as exc:
            if len(users) == 1:
                if exc.code not in ignorable:
                    problems[users[0]] = exc.code
            else:  # one bad apple fails the batch: invite one by one to know who
                for user in users:
                    try:
                        await self.api.call("conversations.invite", expect=ignorable + ("user_not_found", "cant_invite"),
                                            channel=incident.channel_id, users=user)
                    except SlackCallError as single:
                        if single.code not in ignorable:
                            problems[user] = single.code
        if problems:
            log.warning("incident.invite_problems", incident=incident.id, problems=problems)
        return {"invited": [u for u in users if u not in problems], "problems": problems}

    async def bookmark(self, effect: Effect) -> dict:
        incident = load(self.render, effect.payload["incident"])
        if not incident.channel_id:
            raise NotReady("no channel yet")
        link = self.incidents.link(int(effect.payload["link"]))
        if link is None or link.bookmark_id:
            return {}
        if effect.maybe_performed:
            data = await self.api.call("bookmarks.list", channel_id=incident.channel_id)
            for bookmark in data.get("bookmarks", []):
                if bookmark.get("link") == link.url:
                    self._save_bookmark(link.id, bookmark["id"])
                    return {"bookmark": bookmark["id"]}
        try:
            data = await self.api.call("bookmarks.add", expect=("invalid_link", "too_many_bookmarks"),
                                       channel_id=incident.channel_id, title=link.title[:150], type="link",
                                       link=link.url)
        except SlackCallError as exc:
            # the link stays in the timeline and the pinned summary; only the bookmark bar misses it
            log.warning("incident.bookmark_refused", incident=incident.id, reason=exc.code)
            return {"refused": exc.code}
        bookmark_id = data["bookmark"]["id"]
        self._save_bookmark(link.id, bookmark_id)
        return {"bookmark": bookmark_id}

    def _save_bookmark(self, link_id: int, bookmark_id: str) -> None:
        with self.work():
            self.incidents.set_bookmark(link_id, bookmark_id)

    # messages ----------------------------------------------------------------------------------
    async def post(self, effect: Effect) -> dict:
        channel = await self.channel_for(effect.payload["target"])
        rendered = render_message(self.render, effect.payload["message"], effect.payload["context"])
        ts = await post_once(self.api, channel, rendered, marker(effect=effect.id),
                             maybe_posted=effect.maybe_performed, since=effect.first_attempt_at)
        return {"channel": channel, "ts": ts}

    async def reply(self, effect: Effect) -> dict:
        reply_to = ReplyTo.from_dict(effect.payload["reply_to"])
        context = dict(effect.payload["context"], user=reply_to.user)
        rendered = render_message(self.render, effect.payload["message"], context)
        return await self.tell(reply_to, rendered, effect)

    async def tell(self, reply_to: ReplyTo, rendered: Rendered, effect: Effect | None = None,
                   replace_original: bool = False) -> dict:
        """Privately, in the place they asked from when possible; by DM otherwise."""
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
            except SlackCallError:
                pass
        channel = await self.directory.dm_channel(reply_to.user)
        mark = marker(effect=effect.id) if effect else marker(reply=reply_to.user)
        ts = await post_once(self.api, channel, rendered, mark,
                             maybe_posted=bool(effect and effect.maybe_performed),
                             since=effect.first_attempt_at if effect else None)
        return {"via": "dm", "ts": ts}

    async def tell_user(self, user: str, channel: str | None, payload: dict[str, Any]) -> None:
        """An answer after a modal (no response_url there): ephemeral where it came from, else DM."""
        await self.tell(ReplyTo(user, channel or None, None), Rendered(payload["text"], payload.get("blocks")))

    async def _respond(self, url: str, rendered: Rendered, replace_original: bool) -> bool:
        client = AsyncWebhookClient(url)
        body: dict[str, Any] = {"text": rendered.text, "response_type": "ephemeral"}
        if rendered.blocks:
            body["blocks"] = rendered.blocks
        if replace_original:
            body["replace_original"] = True
        try:
            response = await client.send_dict(body)
        except Exception as exc:  # network trouble: the runner retries the whole reply
            raise RetryLater(f"response_url: {type(exc).__name__}") from None
        if response.status_code == 200:
            return True
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryLater(f"response_url: HTTP {response.status_code}")
        log.info("reply.response_url_refused", status=response.status_code)  # expired or used up: fall back
        return False
