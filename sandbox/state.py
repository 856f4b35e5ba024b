"""The workspace's durable state: users, conversations, messages, usergroups.

Objects here know how to render themselves the way Slack's API shapes them;
the rules about who may do what live with the Web API methods and the person's
side, not here.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from .ids import IdFactory, TsClock


@dataclass
class User:
    id: str
    name: str
    real_name: str
    team_id: str
    tz: str = "UTC"
    email: str | None = None
    is_admin: bool = False
    is_bot: bool = False
    deleted: bool = False
    bot_id: str | None = None
    updated: int = field(default_factory=lambda: int(time.time()))
    # Do Not Disturb: the person's next (or current) quiet window, and a snooze they turned on
    dnd_start: float | None = None
    dnd_end: float | None = None
    snooze_end: float | None = None

    def to_slack(self, *, with_email: bool = True) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name, "real_name_normalized": self.real_name,
            "display_name": self.name, "display_name_normalized": self.name,
            "first_name": self.real_name.split(" ")[0], "team": self.team_id,
            "status_text": "", "status_emoji": "",
            "image_24": f"https://avatars.sandbox.invalid/{self.id}_24.png",
            "image_48": f"https://avatars.sandbox.invalid/{self.id}_48.png",
            "image_72": f"https://avatars.sandbox.invalid/{self.id}_72.png",
        }
        if self.email and with_email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id, "team_id": self.team_id, "name": self.name, "deleted": self.deleted,
            "real_name": self.real_name, "tz": self.tz, "tz_label": self.tz,
            "tz_offset": _tz_offset(self.tz), "profile": profile,
            "is_admin": self.is_admin, "is_owner": False, "is_primary_owner": False,
            "is_restricted": False, "is_ultra_restricted": False, "is_bot": self.is_bot,
            "is_app_user": False, "updated": self.updated, "color": "9f69e7",
        }


def _tz_offset(tz: str) -> int:
    try:
        from datetime import datetime
        from zoneinfo import ZoneInfo
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        return int(offset.total_seconds()) if offset else 0
    except Exception:  # unknown zone names still make a usable user
        return 0


@dataclass
class Message:
    ts: str
    user: str
    text: str
    team: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    bot_id: str | None = None
    app_id: str | None = None
    bot_profile: dict[str, Any] | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    reply_ts: list[str] = field(default_factory=list)     # replies, when this is a parent
    reply_broadcast: bool = False
    edited: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    client_msg_id: str | None = None
    deleted: bool = False
    files: list[dict[str, Any]] | None = None     # shared by files.completeUploadExternal

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_slack(self, *, include_metadata: bool = True, replies: list["Message"] | None = None
                 ) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "text": self.text, "user": self.user,
                               "ts": self.ts, "team": self.team}
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
            out["bot_profile"] = copy.deepcopy(self.bot_profile)
        if self.client_msg_id:
            out["client_msg_id"] = self.client_msg_id
        if self.files:
            out["files"] = copy.deepcopy(self.files)
            out["upload"] = True
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.is_reply:
            out["parent_user_id"] = self.parent_user_id
        if replies:
            users = list(dict.fromkeys(r.user for r in replies))
            out.update(reply_count=len(replies), reply_users_count=len(users), reply_users=users,
                       latest_reply=replies[-1].ts, is_locked=False, subscribed=False)
        if self.edited:
            out["edited"] = dict(self.edited)
        if self.metadata and include_metadata:
            out["metadata"] = copy.deepcopy(self.metadata)
        if self.reactions:
            out["reactions"] = [{"name": n, "users": list(u), "count": len(u)}
                                for n, u in self.reactions.items() if u]
        return out


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    is_general: bool = False
    topic: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    purpose: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    previous_names: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)   # ts -> Message, ts order
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)  # ts -> {created, created_by}
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    updated: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def kind(self) -> str:
        """Slack's channel_type for events: channel | group | im."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def top_level(self) -> list[Message]:
        return [m for m in self.messages.values()
                if not m.deleted and (not m.is_reply or m.reply_broadcast)]

    def replies_of(self, parent_ts: str) -> list[Message]:
        parent = self.messages.get(parent_ts)
        if parent is None:
            return []
        return [self.messages[t] for t in parent.reply_ts if not self.messages[t].deleted]

    def to_slack(self, *, bot_user_id: str, team_id: str, num_members: bool = False
                 ) -> dict[str, Any]:
        if self.is_im:
            return {"id": self.id, "created": self.created, "is_im": True, "is_org_shared": False,
                    "context_team_id": team_id, "updated": self.updated, "user": self.im_user,
                    "is_user_deleted": False, "priority": 0, "is_open": True}
        out: dict[str, Any] = {
            "id": self.id, "name": self.name, "is_channel": not self.is_private,
            "is_group": self.is_private, "is_im": False, "is_mpim": False,
            "is_private": self.is_private, "created": self.created,
            "is_archived": self.is_archived, "is_general": self.is_general, "unlinked": 0,
            "name_normalized": self.name, "is_shared": False, "is_org_shared": False,
            "is_pending_ext_shared": False, "pending_shared": [], "context_team_id": team_id,
            "updated": self.updated, "parent_conversation": None, "creator": self.creator,
            "is_ext_shared": False, "shared_team_ids": [team_id], "pending_connected_team_ids": [],
            "is_member": bot_user_id in self.members,
            "topic": dict(self.topic), "purpose": dict(self.purpose),
            "previous_names": list(self.previous_names),
        }
        if num_members:
            out["num_members"] = len(self.members)
        return out


@dataclass
class Usergroup:
    id: str
    handle: str
    name: str
    team_id: str
    users: list[str] = field(default_factory=list)
    description: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    updated: int = 0
    created_by: str = ""
    updated_by: str = ""
    date_delete: int = 0          # disabled since (0: enabled)

    def to_slack(self, *, include_users: bool, include_count: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "team_id": self.team_id, "is_usergroup": True, "is_subteam": True,
            "name": self.name, "description": self.description, "handle": self.handle,
            "is_external": False, "date_create": self.created, "date_update": self.updated or self.created,
            "date_delete": self.date_delete, "auto_type": None, "created_by": self.created_by,
            "updated_by": self.updated_by, "deleted_by": None, "prefs": {"channels": [], "groups": []},
        }
        if include_users:
            out["users"] = list(self.users)
        if include_count:
            out["user_count"] = len(self.users)
        return out


class Workspace:
    """Every object in the fake workspace plus the app's own identity."""

    def __init__(self, *, team_domain: str, bot_name: str, app_name: str) -> None:
        self.ids = IdFactory()
        self.clock = TsClock()
        self.team_domain = team_domain
        self.team_name = team_domain.replace("-", " ").title()
        self.team_id = self.ids.new("T")
        self.app_id = self.ids.new("A")
        self.bot_id = self.ids.new("B")
        self.bot_name = bot_name
        self.app_name = app_name
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.ims: dict[str, str] = {}   # user id -> D… channel id
        bot = User(id=self.ids.new("U"), name=bot_name, real_name=app_name, team_id=self.team_id,
                   is_bot=True, bot_id=self.bot_id)
        self.users[bot.id] = bot
        self.bot_user_id = bot.id

    # --- lookups -----------------------------------------------------------------
    def user(self, id_or_name: str) -> User | None:
        key = id_or_name.lstrip("@")
        if key in self.users:
            return self.users[key]
        for user in self.users.values():
            if user.name == key:
                return user
        return None

    def channel(self, id_or_name: str) -> Channel | None:
        key = id_or_name.lstrip("#")
        if key in self.channels:
            return self.channels[key]
        for chan in self.channels.values():
            if chan.name == key and not chan.is_im:
                return chan
        return None

    def usergroup(self, id_or_handle: str) -> Usergroup | None:
        key = id_or_handle.lstrip("@")
        if key in self.usergroups:
            return self.usergroups[key]
        return next((g for g in self.usergroups.values() if g.handle == key), None)

    def bot_profile(self) -> dict[str, Any]:
        return {"id": self.bot_id, "app_id": self.app_id, "name": self.app_name,
                "icons": {"image_36": "", "image_48": "", "image_72": ""},
                "deleted": False, "updated": 0, "team_id": self.team_id}

    # --- creation ------------------------------------------------------------------
    def add_user(self, name: str, *, real_name: str | None = None, tz: str = "UTC",
                 email: str | None = None, is_admin: bool = False, is_bot: bool = False) -> str:
        if self.user(name):
            raise ValueError(f"user {name!r} already exists")
        user = User(id=self.ids.new("U"), name=name, real_name=real_name or name.title(),
                    team_id=self.team_id, tz=tz, email=email, is_admin=is_admin, is_bot=is_bot)
        self.users[user.id] = user
        return user.id

    def add_channel(self, name: str, *, is_private: bool = False, members: tuple[str, ...] = (),
                    creator: str | None = None, topic: str = "", purpose: str = "") -> str:
        if any(c.name == name for c in self.channels.values() if not c.is_im):
            raise ValueError(f"channel {name!r} already exists")
        member_ids = [self._user_id(m) for m in members]
        creator_id = self._user_id(creator) if creator else (member_ids[0] if member_ids else "")
        now = int(time.time())
        chan = Channel(id=self.ids.new("C"), name=name, created=now, creator=creator_id,
                       is_private=is_private, members=list(dict.fromkeys(member_ids)))
        if topic:
            chan.topic = {"value": topic, "creator": creator_id, "last_set": now}
        if purpose:
            chan.purpose = {"value": purpose, "creator": creator_id, "last_set": now}
        self.channels[chan.id] = chan
        return chan.id

    def add_usergroup(self, handle: str, *, name: str | None = None, users: tuple[str, ...] = ()
                      ) -> str:
        group = Usergroup(id=self.ids.new("S"), handle=handle, name=name or handle,
                          team_id=self.team_id, users=[self._user_id(u) for u in users])
        self.usergroups[group.id] = group
        return group.id

    def open_im(self, user_id: str) -> Channel:
        """The bot<->user DM, created on first use and stable afterwards."""
        if user_id in self.ims:
            return self.channels[self.ims[user_id]]
        chan = Channel(id=self.ids.new("D"), name=user_id, created=int(time.time()),
                       creator=self.bot_user_id, is_im=True, im_user=user_id,
                       members=[user_id, self.bot_user_id])
        self.channels[chan.id] = chan
        self.ims[user_id] = chan.id
        return chan

    def _user_id(self, id_or_name: str) -> str:
        user = self.user(id_or_name)
        if user is None:
            raise ValueError(f"unknown user {id_or_name!r}")
        return user.id

    # --- messages ------------------------------------------------------------------
    def add_message(self, chan: Channel, msg: Message) -> Message:
        """Store a message, threading it under its parent when it is a reply."""
        chan.messages[msg.ts] = msg
        if msg.thread_ts and msg.thread_ts != msg.ts:
            parent = chan.messages.get(msg.thread_ts)
            if parent is not None:
                parent.thread_ts = parent.ts
                parent.reply_ts.append(msg.ts)
                msg.parent_user_id = parent.user
        return msg

    def message_dict(self, chan: Channel, msg: Message, *, include_metadata: bool = True
                     ) -> dict[str, Any]:
        replies = chan.replies_of(msg.ts) if msg.reply_ts else None
        out = msg.to_slack(include_metadata=include_metadata, replies=replies)
        if msg.ts in chan.pins:
            out["pinned_to"] = [chan.id]
        return out
