"""The incident's channel in Slack: create it, bring people in, keep its bookmarks."""

from __future__ import annotations

from typing import Any

from bot.effects.errors import NotReady, Permanent
from bot.incidents.channels import IncidentChannels
from bot.incidents.service import IncidentService
from bot.logs import get_logger
from bot.slack.api import SlackApi, SlackCallError
from bot.slack.directory import Directory
from kernel.incidents import Incident
from kernel.outbox import Effect

log = get_logger("warroom.slack.channel")

INVITE_PROBLEMS = ("user_not_found", "cant_invite")
INVITE_IGNORABLE = ("already_in_channel", "cant_invite_self")


class IncidentChannel:
    def __init__(self, api: SlackApi, directory: Directory, incidents: IncidentService, channels: IncidentChannels,
                 bot_user_id: str) -> None:
        self.api = api
        self.directory = directory
        self.incidents = incidents
        self.channels = channels
        self.bot_user_id = bot_user_id

    def _incident(self, effect: Effect) -> Incident:
        incident = self.incidents.store.get(int(effect.payload["incident"]))
        if incident is None:
            raise Permanent(f"incident {effect.payload['incident']} does not exist")
        return incident

    async def create(self, effect: Effect) -> dict:
        """Create the channel under the name the domain recorded. A name taken outside warroom makes
        the domain record the next one, so a retry (after a crash or a rate-limit deferral) carries on
        from there rather than starting over."""
        incident = self._incident(effect)
        if incident.channel_id:
            return {"channel": incident.channel_id}
        name = incident.channel_name
        while True:
            try:
                data = await self.api.call("conversations.create", expect=("name_taken",), name=name,
                                           is_private="true" if incident.is_private else "false")
                channel = data["channel"]
                self.directory.new_channel(channel["id"], self.bot_user_id)
                break
            except SlackCallError:
                adopted = await self._own_channel(name, incident.id, effect.first_attempt_at) \
                    if effect.maybe_performed else None
                if adopted is not None:
                    log.info("incident.channel_adopted", incident=incident.id, channel=adopted["id"])
                    channel = adopted
                    break
                next_name = self.channels.name_taken(incident.id, name)
                if next_name is None:
                    raise Permanent(f"every channel name from {incident.channel_name} on is taken")
                name = next_name
        self.channels.created(incident.id, channel["id"], channel["name"])
        self.directory.remember_channel(channel["name"], channel["id"])
        log.info("incident.channel_created", incident=incident.id, channel=channel["id"],
                 name="(private)" if incident.is_private else channel["name"])
        return {"channel": channel["id"]}

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
                if ours and recent and not self.incidents.store.channel_taken_by_other(channel["id"], incident_id):
                    return channel
                return None
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    async def invite(self, effect: Effect) -> dict:
        incident = self._incident(effect)
        if not incident.channel_id:
            raise NotReady("no channel yet")
        wanted = list(effect.payload["users"])
        for group in effect.payload.get("groups") or ():   # a response plan's responder groups
            try:
                wanted += sorted(await self.directory.group_members(group))
            except Permanent as exc:   # a deleted group must not keep the people named from their channel
                log.warning("incident.invite_group_unreadable", incident=incident.id, reason=str(exc))
        users = [u for u in dict.fromkeys(wanted) if u and u != self.bot_user_id]
        if not users:
            return {"invited": []}
        problems: dict[str, str] = {}
        try:
            await self.api.call("conversations.invite", expect=INVITE_IGNORABLE + INVITE_PROBLEMS,
                                channel=incident.channel_id, users=",".join(users))
        except SlackCallError as exc:
            if len(users) == 1:
                if exc.code not in INVITE_IGNORABLE:
                    problems[users[0]] = exc.code
            else:  # one bad apple fails the batch: invite one by one to know who
                for user in users:
                    try:
                        await self.api.call("conversations.invite", expect=INVITE_IGNORABLE + INVITE_PROBLEMS,
                                            channel=incident.channel_id, users=user)
                    except SlackCallError as single:
                        if single.code not in INVITE_IGNORABLE:
                            problems[user] = single.code
        for user in users:
            if user not in problems:
                self.directory.member_joined(incident.channel_id, user)
        if problems:
            log.warning("incident.invite_problems", incident=incident.id, problems=problems)
            self.channels.invites_failed(incident.id, problems)
        return {"invited": [u for u in users if u not in problems], "problems": problems}

    async def bookmark(self, effect: Effect) -> dict:
        incident = self._incident(effect)
        if not incident.channel_id:
            raise NotReady("no channel yet")
        link = self.incidents.store.link(int(effect.payload["link"]))
        if link is None or link.bookmark_id:
            return {}
        if effect.maybe_performed:
            data = await self.api.call("bookmarks.list", channel_id=incident.channel_id)
            for bookmark in data.get("bookmarks", []):
                if bookmark.get("link") == link.url:
                    self.channels.bookmarked(link.id, bookmark["id"])
                    return {"bookmark": bookmark["id"]}
        try:
            data = await self.api.call("bookmarks.add", expect=("invalid_link", "too_many_bookmarks"),
                                       channel_id=incident.channel_id, title=link.title[:150], type="link",
                                       link=link.url)
        except SlackCallError as exc:
            # the link stays in the timeline and the pinned summary; only the bookmark bar misses it
            log.warning("incident.bookmark_refused", incident=incident.id, reason=exc.code)
            return {"refused": exc.code}
        self.channels.bookmarked(link.id, data["bookmark"]["id"])
        return {"bookmark": data["bookmark"]["id"]}
