"""conversations.* methods."""

from __future__ import annotations

import re
import time
from typing import Any

from ..errors import SlackError
from ..ids import ts_to_float
from ..state import Channel
from .base import Ctx, method, page

_NAME_OK = re.compile(r"^[a-z0-9_\-]+$")
_ONLY_PUNCT = re.compile(r"^[_\-]+$")
TOPIC_MAX = 250


def _shape(ctx: Ctx, chan: Channel, *, num_members: bool = False) -> dict[str, Any]:
    return chan.to_slack(bot_user_id=ctx.bot, team_id=ctx.ws.team_id, num_members=num_members)


def validate_name(ws_channels: dict[str, Channel], name: str | None) -> str:
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if _ONLY_PUNCT.match(name):
        raise SlackError("invalid_name_punctuation")
    if not _NAME_OK.match(name):
        raise SlackError("invalid_name_specials")
    # Archived channels keep their names reserved.
    if any(c.name == name for c in ws_channels.values() if not c.is_im):
        raise SlackError("name_taken")
    return name


@method("conversations.create")
def create(ctx: Ctx) -> dict[str, Any]:
    is_private = ctx.params.bool("is_private")
    ctx.need("groups:write" if is_private else "channels:manage")
    name = validate_name(ctx.ws.channels, ctx.params.str("name"))
    chan = Channel(id=ctx.ws.ids.new("C"), name=name, created=int(time.time()), creator=ctx.bot,
                   is_private=is_private, members=[ctx.bot])
    ctx.ws.channels[chan.id] = chan
    out = _shape(ctx, chan)
    out.update(last_read="0000000000.000000", latest=None, unread_count=0,
               unread_count_display=0, priority=0)
    return {"channel": out}


def _writable(ctx: Ctx) -> Channel:
    chan = ctx.channel()
    ctx.need_for(chan, "channels:manage", "groups:write")
    if chan.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    return chan


@method("conversations.invite")
def invite(ctx: Ctx) -> dict[str, Any]:
    chan = _writable(ctx)
    users = ctx.params.list("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    if chan.is_archived:
        raise SlackError("is_archived")
    ctx.member_of(chan)
    force = ctx.params.bool("force")
    errors: list[dict[str, Any]] = []
    to_add: list[str] = []
    for uid in users:
        user = ctx.ws.users.get(uid)
        if user is None or user.deleted:
            code = "user_not_found"
        elif uid == ctx.bot:
            code = "cant_invite_self"
        elif uid in chan.members or uid in to_add:
            code = "already_in_channel"
        else:
            to_add.append(uid)
            continue
        errors.append({"user": uid, "ok": False, "error": code})
    if errors and not force:
        raise SlackError(errors[0]["error"], errors=errors)
    for uid in to_add:
        chan.members.append(uid)
        ctx.core.events.membership(chan, uid, joined=True, inviter=ctx.bot)
    out: dict[str, Any] = {"channel": _shape(ctx, chan)}
    if errors:
        out["errors"] = errors
    return out


@method("conversations.kick")
def kick(ctx: Ctx) -> dict[str, Any]:
    chan = _writable(ctx)
    user = ctx.user()
    if user.id == ctx.bot:
        raise SlackError("cant_kick_self")
    ctx.member_of(chan)
    if user.id not in chan.members:
        raise SlackError("not_in_channel")
    chan.members.remove(user.id)
    ctx.core.events.membership(chan, user.id, joined=False)
    return {}


def _set_text(ctx: Ctx, field: str) -> dict[str, Any]:
    chan = _writable(ctx)
    value = ctx.params.str(field, "") or ""
    if len(value) > TOPIC_MAX:
        raise SlackError("too_long")
    if chan.is_archived:
        raise SlackError("is_archived")
    ctx.member_of(chan)
    setattr(chan, field, {"value": value, "creator": ctx.bot, "last_set": int(time.time())})
    return {"channel": _shape(ctx, chan)}


@method("conversations.setTopic")
def set_topic(ctx: Ctx) -> dict[str, Any]:
    return _set_text(ctx, "topic")


@method("conversations.setPurpose")
def set_purpose(ctx: Ctx) -> dict[str, Any]:
    return _set_text(ctx, "purpose")


@method("conversations.archive")
def archive(ctx: Ctx) -> dict[str, Any]:
    chan = _writable(ctx)
    if chan.is_archived:
        raise SlackError("already_archived")
    if chan.is_general:
        raise SlackError("cant_archive_general")
    ctx.member_of(chan)
    chan.is_archived = True
    return {}


@method("conversations.unarchive")
def unarchive(ctx: Ctx) -> dict[str, Any]:
    chan = _writable(ctx)
    if not chan.is_archived:
        raise SlackError("not_archived")
    chan.is_archived = False
    return {}


@method("conversations.info")
def info(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    ctx.need_for(chan, "channels:read", "groups:read", "im:read")
    return {"channel": _shape(ctx, chan, num_members=ctx.params.bool("include_num_members"))}


@method("conversations.members")
def members(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    ctx.need_for(chan, "channels:read", "groups:read", "im:read")
    limit = ctx.params.int("limit", 100, error="invalid_limit")
    if limit < 0 or limit > 1000:
        raise SlackError("invalid_limit")
    chunk, cursor = page(list(chan.members), ctx.params)
    return {"members": chunk, "response_metadata": {"next_cursor": cursor}}


@method("conversations.join", scopes=("channels:join",))
def join(ctx: Ctx) -> dict[str, Any]:
    ref = ctx.params.str("channel") or ""
    chan = ctx.ws.channels.get(ref)
    if chan is None or ((chan.is_private or chan.is_im) and ctx.bot not in chan.members):
        raise SlackError("channel_not_found")
    if chan.is_private or chan.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if chan.is_archived:
        raise SlackError("is_archived")
    if ctx.bot in chan.members:
        return {"channel": _shape(ctx, chan), "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]}}
    chan.members.append(ctx.bot)
    ctx.core.events.membership(chan, ctx.bot, joined=True)
    return {"channel": _shape(ctx, chan)}


@method("conversations.leave")
def leave(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    ctx.need_for(chan, "channels:manage", "groups:write")
    if chan.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if chan.is_general:
        raise SlackError("cant_leave_general")
    if ctx.bot not in chan.members:
        return {"not_in_channel": True}
    chan.members.remove(ctx.bot)
    ctx.core.events.membership(chan, ctx.bot, joined=False)
    return {}


_TYPE_SCOPES = {"public_channel": "channels:read", "private_channel": "groups:read",
                "im": "im:read", "mpim": "mpim:read"}


@method("conversations.list")
def list_(ctx: Ctx) -> dict[str, Any]:
    types = ctx.params.list("types") or ["public_channel"]
    for kind in types:
        if kind not in _TYPE_SCOPES:
            raise SlackError("invalid_types")
        ctx.need(_TYPE_SCOPES[kind])
    exclude_archived = ctx.params.bool("exclude_archived")
    chosen = []
    for chan in ctx.ws.channels.values():
        if chan.is_im:
            wanted = "im" in types
        elif chan.is_private:
            wanted = "private_channel" in types and ctx.bot in chan.members
        else:
            wanted = "public_channel" in types
        if wanted and not (exclude_archived and chan.is_archived):
            chosen.append(_shape(ctx, chan, num_members=not chan.is_im))
    chunk, cursor = page(chosen, ctx.params)
    return {"channels": chunk, "response_metadata": {"next_cursor": cursor}}


def _readable(ctx: Ctx) -> Channel:
    chan = ctx.channel()
    ctx.need_for(chan, "channels:history", "groups:history", "im:history")
    ctx.member_of(chan)
    return chan


@method("conversations.history")
def history(ctx: Ctx) -> dict[str, Any]:
    chan = _readable(ctx)
    p = ctx.params
    oldest = ts_to_float(p.str("oldest") or "0")
    latest_raw = p.str("latest")
    latest = ts_to_float(latest_raw) if latest_raw else float("inf")
    inclusive = p.bool("inclusive")
    with_meta = p.bool("include_all_metadata")

    def in_range(ts: str) -> bool:
        t = ts_to_float(ts)
        if inclusive:
            return oldest <= t <= latest
        return oldest < t < latest

    msgs = [m for m in reversed(chan.top_level()) if in_range(m.ts)]
    chunk, cursor = page(msgs, p, default_limit=100, max_limit=999)
    out: dict[str, Any] = {
        "messages": [ctx.ws.message_dict(chan, m, include_metadata=with_meta) for m in chunk],
        "has_more": bool(cursor), "pin_count": len(chan.pins),
        "channel_actions_ts": None, "channel_actions_count": 0,
    }
    if cursor:
        out["response_metadata"] = {"next_cursor": cursor}
    return out


@method("conversations.replies")
def replies(ctx: Ctx) -> dict[str, Any]:
    chan = _readable(ctx)
    parent = chan.messages.get(ctx.params.str("ts") or "")
    if parent is None or parent.deleted:
        raise SlackError("thread_not_found")
    if parent.is_reply:
        parent = chan.messages[parent.thread_ts or ""]
    msgs = [parent] + chan.replies_of(parent.ts)
    with_meta = ctx.params.bool("include_all_metadata")
    chunk, cursor = page(msgs, ctx.params, default_limit=1000)
    out: dict[str, Any] = {
        "messages": [ctx.ws.message_dict(chan, m, include_metadata=with_meta) for m in chunk],
        "has_more": bool(cursor)}
    if cursor:
        out["response_metadata"] = {"next_cursor": cursor}
    return out


@method("conversations.open", scopes=("im:write",))
def open_(ctx: Ctx) -> dict[str, Any]:
    if "channel" in ctx.params:
        chan = ctx.channel()
        return {"no_op": True, "already_open": True, "channel": {"id": chan.id}}
    users = ctx.params.list("users")
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        # Group DMs (mpim) are not modelled by the sandbox.
        raise SlackError("not_supported", response_metadata={
            "messages": ["[ERROR] the sandbox supports one-to-one DMs only"]})
    user = ctx.ws.users.get(users[0])
    if user is None:
        raise SlackError("user_not_found")
    existed = user.id in ctx.ws.ims
    chan = ctx.ws.open_im(user.id)
    shaped = _shape(ctx, chan) if ctx.params.bool("return_im") else {"id": chan.id}
    return {"no_op": existed, "already_open": existed, "channel": shaped}
