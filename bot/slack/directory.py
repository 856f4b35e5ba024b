"""What warroom knows about the workspace: channel names to IDs, user groups, people's time zones.

Everything here is a cache in front of the Web API, so that listeners can answer from memory
inside Slack's 3-second window and effects do not repeat lookups.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Iterable

from bot.effects.errors import NotReady, Permanent
from bot.logs import get_logger
from bot.slack.api import SlackApi, SlackCallError

log = get_logger("warroom.directory")

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
GROUP_TTL = 300.0
USER_TTL = 3600.0


class Directory:
    def __init__(self, api: SlackApi) -> None:
        self.api = api
        self._channels: dict[str, str] = {}
        self._channels_loaded_at = 0.0
        self._channel_lock = asyncio.Lock()
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._dms: dict[str, str] = {}
        self._joined: set[str] = set()
        self._members: dict[str, set[str]] = {}   # channel -> members, kept current by join/leave events
        self._members_loading: dict[str, asyncio.Task] = {}

    # channels ------------------------------------------------------------------------------
    async def channel_id(self, ref: str) -> str:
        """A configured channel (name or ID) as an ID; Permanent if it does not exist."""
        if _CHANNEL_ID.match(ref):
            return ref
        name = ref.lstrip("#")
        if name in self._channels:
            return self._channels[name]
        async with self._channel_lock:
            if name in self._channels:
                return self._channels[name]
            if time.monotonic() - self._channels_loaded_at > 30:
                await self._load_channels()
        if name in self._channels:
            return self._channels[name]
        # maybe someone is creating it right now: try again for a while (the runner gives up eventually)
        raise NotReady(f"channel #{name} does not exist (or the bot cannot see it); create it or fix warroom.yml",
                       delay=30.0)

    async def _load_channels(self) -> None:
        cursor = None
        found: dict[str, str] = {}
        for _ in range(50):  # at most 50 pages of 1000: plenty for any workspace
            params: dict[str, Any] = {"types": "public_channel,private_channel", "exclude_archived": "true",
                                      "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = await self.api.call("conversations.list", patient=True, **params)
            for channel in data.get("channels", []):
                found[channel["name"]] = channel["id"]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        self._channels.update(found)
        self._channels_loaded_at = time.monotonic()

    async def member_channel_id(self, ref: str) -> str:
        """A configured channel warroom posts to, joined first: being a member lets it read the channel's
        history, which is how a post interrupted by a crash is found instead of posted twice."""
        channel = await self.channel_id(ref)
        if channel in self._joined:
            return channel
        try:
            await self.api.call("conversations.join", expect=("method_not_supported_for_channel_type",),
                                channel=channel)
        except SlackCallError:
            pass  # a private channel: the bot is in it already or conversations.list would not show it
        self._joined.add(channel)
        return channel

    def remember_channel(self, name: str, channel_id: str) -> None:
        self._channels[name] = channel_id

    async def dm_channel(self, user: str) -> str:
        if user in self._dms:
            return self._dms[user]
        try:
            data = await self.api.call("conversations.open", expect=("user_not_found", "cannot_dm_bot"), users=user)
        except SlackCallError as exc:
            raise Permanent(f"cannot message <@{user}> directly: {exc.code}") from None
        channel = data["channel"]["id"]
        self._dms[user] = channel
        return channel

    # channel members ---------------------------------------------------------------------
    def cached_membership(self, channel: str, user: str) -> bool | None:
        """Whether ``user`` is in ``channel``, from memory: a click must be acked before any Slack call.
        None when the channel's members are not known yet (after a restart, a channel warroom did not
        make); they are then read in the background, and the next click knows."""
        members = self._members.get(channel)
        if members is None:
            self._load_members_later(channel)
            return None
        return user in members

    def new_channel(self, channel: str, creator: str) -> None:
        """A channel warroom has just made has its creator in it and no one else; invites and join
        events add the rest."""
        self._members.setdefault(channel, {creator})

    async def warm_members(self, channels: Iterable[str]) -> None:
        """Read the members of these channels now (at start: the open incidents' channels), one after
        another; a channel that cannot be read is read again at its next click."""
        for channel in channels:
            if channel in self._members:
                continue
            try:
                await self._load_members(channel)
            except Exception as exc:  # a background read must never take the bot down
                log.warning("directory.members_not_loaded", channel=channel, reason=str(exc))

    def _load_members_later(self, channel: str) -> None:
        if channel in self._members_loading:
            return
        task = asyncio.get_running_loop().create_task(self.warm_members([channel]), name=f"members:{channel}")
        self._members_loading[channel] = task
        task.add_done_callback(lambda _t: self._members_loading.pop(channel, None))

    async def _load_members(self, channel: str) -> None:
        """conversations.members, then kept current by member_joined_channel / member_left_channel
        events and warroom's own invites."""
        members: set[str] = set()
        cursor = None
        for _ in range(100):
            params: dict[str, Any] = {"channel": channel, "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = await self.api.call("conversations.members", patient=True, **params)
            members.update(data.get("members", []))
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        members |= self._members.get(channel, set())  # joins that arrived while we read
        self._members[channel] = members

    def member_joined(self, channel: str | None, user: str | None) -> None:
        if channel and user and channel in self._members:
            self._members[channel].add(user)

    def member_left(self, channel: str | None, user: str | None) -> None:
        if channel and user and channel in self._members:
            self._members[channel].discard(user)

    # user groups ---------------------------------------------------------------------------
    def cached_group_members(self, group: str | None) -> frozenset[str]:
        """From memory only (listeners may not wait on Slack); refreshed in the background."""
        if not group:
            return frozenset()
        entry = self._groups.get(group)
        return entry[1] if entry else frozenset()

    async def group_members(self, group: str, *, fresh: bool = False) -> frozenset[str]:
        entry = self._groups.get(group)
        if entry and not fresh and time.monotonic() - entry[0] < GROUP_TTL:
            return entry[1]
        try:
            data = await self.api.call("usergroups.users.list", expect=("no_such_subteam", "subteam_not_found"),
                                       usergroup=group)
        except SlackCallError as exc:
            raise Permanent(f"user group {group} cannot be read: {exc.code}") from None
        members = frozenset(data.get("users", []))
        self._groups[group] = (time.monotonic(), members)
        return members

    async def refresh_group(self, group: str | None) -> None:
        if not group:
            return
        try:
            await self.group_members(group, fresh=True)
        except Exception as exc:  # a background refresh must never take the bot down
            log.warning("directory.group_refresh_failed", group=group, reason=str(exc))

    # people --------------------------------------------------------------------------------
    async def user(self, user_id: str) -> dict[str, Any] | None:
        entry = self._users.get(user_id)
        if entry and time.monotonic() - entry[0] < USER_TTL:
            return entry[1]
        try:
            data = await self.api.call("users.info", expect=("user_not_found", "user_not_visible"), user=user_id)
        except SlackCallError:
            return None
        info = data.get("user") or {}
        self._users[user_id] = (time.monotonic(), info)
        return info

    async def load_people(self) -> int:
        """Everyone's profile (time zone, name) in one paged users.list, so listeners can answer
        "until 18:00 your time" from memory."""
        cursor, loaded = None, 0
        for _ in range(100):
            params: dict[str, Any] = {"limit": 1000}
            if cursor:
                params["cursor"] = cursor
            data = await self.api.call("users.list", patient=True, **params)
            now = time.monotonic()
            for member in data.get("members", []):
                self._users[member["id"]] = (now, member)
                loaded += 1
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return loaded

    def cached_user(self, user_id: str) -> dict[str, Any] | None:
        entry = self._users.get(user_id)
        return entry[1] if entry else None

    def cached_name(self, user_id: str) -> str | None:
        """How people know them, from memory: listeners may not wait on Slack."""
        return display_name(self.cached_user(user_id), None)


def display_name(info: dict[str, Any] | None, fallback: str | None) -> str | None:
    """A person as people know them: display name first, then real name, then handle."""
    if not info:
        return fallback
    profile = info.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name") or fallback

