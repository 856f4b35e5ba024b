"""auth, apps, users, usergroups, pins, bookmarks and reactions methods."""

from __future__ import annotations

import re
import time
from typing import Any

from ..errors import SlackError
from ..ids import valid_ts
from .base import Ctx, method, page
from .emoji import STANDARD_EMOJI

_EMOJI_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")
BOOKMARKS_MAX = 100


@method("auth.test")
def auth_test(ctx: Ctx) -> dict[str, Any]:
    ws = ctx.ws
    return {"url": f"https://{ws.team_domain}.slack.com/", "team": ws.team_name,
            "user": ws.bot_name, "team_id": ws.team_id, "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id, "is_enterprise_install": False}


@method("apps.connections.open", token="app")
def connections_open(ctx: Ctx) -> dict[str, Any]:
    return {"url": ctx.core.hub.open_url()}


# --- users ------------------------------------------------------------------------------
@method("users.info", scopes=("users:read",))
def users_info(ctx: Ctx) -> dict[str, Any]:
    user = ctx.user()
    return {"user": user.to_slack(with_email="users:read.email" in ctx.core.bot_scopes)}


@method("users.list", scopes=("users:read",))
def users_list(ctx: Ctx) -> dict[str, Any]:
    email = "users:read.email" in ctx.core.bot_scopes
    everyone = [u.to_slack(with_email=email) for u in ctx.ws.users.values()]
    chunk, cursor = page(everyone, ctx.params, default_limit=1000)
    return {"members": chunk, "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor}}


@method("users.lookupByEmail", scopes=("users:read.email",))
def users_lookup_by_email(ctx: Ctx) -> dict[str, Any]:
    email = (ctx.params.str("email") or "").lower()
    for user in ctx.ws.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"user": user.to_slack(with_email=True)}
    raise SlackError("users_not_found")


# --- usergroups --------------------------------------------------------------------------
@method("usergroups.list", scopes=("usergroups:read",))
def usergroups_list(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    return {"usergroups": [g.to_slack(include_users=p.bool("include_users"),
                                      include_count=p.bool("include_count"))
                           for g in ctx.ws.usergroups.values()
                           if not g.date_delete or p.bool("include_disabled")]}


@method("usergroups.create", scopes=("usergroups:write",))
def usergroups_create(ctx: Ctx) -> dict[str, Any]:
    """A new enabled group without members; names and handles are unique in the workspace (Slack also
    keeps handles apart from people's names: a handle taken by a person is refused too)."""
    p = ctx.params
    name = (p.str("name") or "").strip()
    if not name:
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] missing required field: name"]})
    handle = (p.str("handle") or "").strip().lstrip("@")
    ws = ctx.ws
    if any(g.name.lower() == name.lower() for g in ws.usergroups.values()):
        raise SlackError("name_already_exists")
    if handle and (any(g.handle == handle for g in ws.usergroups.values()) or ws.user(handle) is not None):
        raise SlackError("name_already_exists")   # Slack answers a taken handle the same way [U]
    group_id = ws.add_usergroup(handle or name.lower().replace(" ", "-"), name=name)
    group = ws.usergroups[group_id]
    group.description = p.str("description") or ""
    group.created_by = ctx.bot
    return {"usergroup": group.to_slack(include_users=True, include_count=p.bool("include_count"))}


@method("usergroups.users.update", scopes=("usergroups:write",))
def usergroups_users_update(ctx: Ctx) -> dict[str, Any]:
    """Replaces every member (Slack: it cannot empty a group; usergroups.disable does that). Guests, bots
    and people not in the workspace cannot be members."""
    p = ctx.params
    group = ctx.ws.usergroups.get(p.str("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    raw = p.data.get("users")
    ids = raw if isinstance(raw, list) else [u.strip() for u in (p.str("users") or "").split(",")]
    ids = [u for u in ids if u]
    if not ids:
        raise SlackError("no_users_provided")
    for user_id in ids:
        user = ctx.ws.users.get(user_id)
        if user is None or user.deleted:
            raise SlackError("invalid_users")
        if user.is_bot:
            raise SlackError("invalid_user")
    group.users = list(dict.fromkeys(ids))
    group.updated = int(time.time())
    group.updated_by = ctx.bot
    group.date_delete = 0
    return {"usergroup": group.to_slack(include_users=True, include_count=p.bool("include_count"))}


@method("usergroups.users.list", scopes=("usergroups:read",))
def usergroups_users_list(ctx: Ctx) -> dict[str, Any]:
    group = ctx.ws.usergroups.get(ctx.params.str("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group.users)}


# --- pins -------------------------------------------------------------------------------
def _pin_target(ctx: Ctx) -> tuple[Any, Any]:
    chan = ctx.channel()
    ts = ctx.params.str("timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    if not valid_ts(ts):
        raise SlackError("bad_timestamp")
    ctx.member_of(chan)
    msg = chan.messages.get(ts)
    if msg is None or msg.deleted:
        raise SlackError("message_not_found")
    return chan, msg


@method("pins.add", scopes=("pins:write",))
def pins_add(ctx: Ctx) -> dict[str, Any]:
    chan, msg = _pin_target(ctx)
    if msg.ts in chan.pins:
        raise SlackError("already_pinned")
    chan.pins[msg.ts] = {"created": int(time.time()), "created_by": ctx.bot}
    ctx.core.events.pin_added(chan, msg, ctx.bot)
    return {}


@method("pins.remove", scopes=("pins:write",))
def pins_remove(ctx: Ctx) -> dict[str, Any]:
    chan, msg = _pin_target(ctx)
    if msg.ts not in chan.pins:
        raise SlackError("not_pinned")
    del chan.pins[msg.ts]
    return {}


@method("pins.list", scopes=("pins:read",))
def pins_list(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    items = []
    for ts, info in chan.pins.items():
        msg = chan.messages[ts]
        items.append({"type": "message", "created": info["created"],
                      "created_by": info["created_by"], "channel": chan.id,
                      "message": ctx.ws.message_dict(chan, msg)})
    return {"items": items}


# --- bookmarks ----------------------------------------------------------------------------
def _bookmark_channel(ctx: Ctx) -> Any:
    chan = ctx.channel("channel_id")
    ctx.member_of(chan)
    return chan


def _check_link(link: str | None) -> str:
    if not link or not re.match(r"^https?://[^\s]+$", link):
        raise SlackError("invalid_link")
    return link


@method("bookmarks.add", scopes=("bookmarks:write",))
def bookmarks_add(ctx: Ctx) -> dict[str, Any]:
    chan = _bookmark_channel(ctx)
    p = ctx.params
    if p.str("type") != "link":
        raise SlackError("invalid_bookmark_type")
    title = p.str("title")
    if not title:
        raise SlackError("invalid_arguments", response_metadata={
            "messages": ["[ERROR] missing required field: title"]})
    link = _check_link(p.str("link"))
    if len(chan.bookmarks) >= BOOKMARKS_MAX:
        raise SlackError("too_many_bookmarks")
    now = int(time.time())
    bookmark = {"id": ctx.ws.ids.new("Bk"), "channel_id": chan.id, "title": title,
                "link": link, "emoji": p.str("emoji"), "icon_url": None, "type": "link",
                "entity_id": p.str("entity_id"), "date_created": now, "date_updated": 0,
                "rank": chr(ord("U") + len(chan.bookmarks) % 5), "last_updated_by_user_id": ctx.bot,
                "last_updated_by_team_id": ctx.ws.team_id, "shortcut_id": None,
                "app_id": ctx.ws.app_id, "app_action_id": None}
    chan.bookmarks.append(bookmark)
    return {"bookmark": dict(bookmark)}


def _find_bookmark(ctx: Ctx, chan: Any) -> dict[str, Any]:
    bid = ctx.params.str("bookmark_id")
    for bookmark in chan.bookmarks:
        if bookmark["id"] == bid:
            return bookmark
    raise SlackError("not_found")


@method("bookmarks.edit", scopes=("bookmarks:write",))
def bookmarks_edit(ctx: Ctx) -> dict[str, Any]:
    chan = _bookmark_channel(ctx)
    bookmark = _find_bookmark(ctx, chan)
    if "link" in ctx.params:
        bookmark["link"] = _check_link(ctx.params.str("link"))
    for key in ("title", "emoji"):
        if key in ctx.params:
            bookmark[key] = ctx.params.str(key)
    bookmark["date_updated"] = int(time.time())
    return {"bookmark": dict(bookmark)}


@method("bookmarks.remove", scopes=("bookmarks:write",))
def bookmarks_remove(ctx: Ctx) -> dict[str, Any]:
    chan = _bookmark_channel(ctx)
    chan.bookmarks.remove(_find_bookmark(ctx, chan))
    return {}


@method("bookmarks.list", scopes=("bookmarks:read",))
def bookmarks_list(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel("channel_id")
    return {"bookmarks": [dict(b) for b in chan.bookmarks]}


# --- reactions --------------------------------------------------------------------------
def known_emoji(ctx: Ctx, name: str) -> bool:
    base = name.split("::", 1)[0]
    return bool(_EMOJI_NAME.match(name)) and (base in STANDARD_EMOJI
                                              or base in ctx.core.custom_emoji)


def _reaction_target(ctx: Ctx) -> tuple[Any, Any, str]:
    chan = ctx.channel()
    name = (ctx.params.str("name") or "").strip(":")
    ts = ctx.params.str("timestamp")
    if not ts:
        raise SlackError("no_item_specified")
    if not valid_ts(ts):
        raise SlackError("bad_timestamp")
    msg = chan.messages.get(ts)
    if msg is None or msg.deleted:
        raise SlackError("message_not_found")
    if not known_emoji(ctx, name):
        raise SlackError("invalid_name")
    return chan, msg, name


@method("reactions.add", scopes=("reactions:write",))
def reactions_add(ctx: Ctx) -> dict[str, Any]:
    chan, msg, name = _reaction_target(ctx)
    users = msg.reactions.setdefault(name, [])
    if ctx.bot in users:
        raise SlackError("already_reacted")
    if len(msg.reactions) > 50 and not users:
        raise SlackError("too_many_emoji")
    users.append(ctx.bot)
    ctx.core.events.reaction(chan, msg, ctx.bot, name, added=True)
    return {}


@method("reactions.remove", scopes=("reactions:write",))
def reactions_remove(ctx: Ctx) -> dict[str, Any]:
    chan, msg, name = _reaction_target(ctx)
    users = msg.reactions.get(name) or []
    if ctx.bot not in users:
        raise SlackError("no_reaction")
    users.remove(ctx.bot)
    if not users:
        msg.reactions.pop(name, None)
    ctx.core.events.reaction(chan, msg, ctx.bot, name, added=False)
    return {}


@method("reactions.get", scopes=("reactions:read",))
def reactions_get(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    msg = chan.messages.get(ctx.params.str("timestamp") or "")
    if msg is None or msg.deleted:
        raise SlackError("message_not_found")
    return {"type": "message", "channel": chan.id, "message": ctx.ws.message_dict(chan, msg)}
