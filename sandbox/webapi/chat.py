"""chat.* methods."""

from __future__ import annotations

from typing import Any

from .. import messaging
from ..blockkit import MESSAGE_MAX_BLOCKS, fill_ids, validate_blocks
from ..errors import SlackError
from ..state import Channel, Message
from .base import Ctx, method

TEXT_MAX = 40_000


def _content(ctx: Ctx) -> tuple[str | None, list[dict[str, Any]] | None, list[Any] | None]:
    """text, blocks, attachments as given; invalid_blocks when blocks break the rules."""
    p = ctx.params
    blocks = p.json("blocks", error="invalid_blocks_format")
    attachments = p.json("attachments", error="invalid_attachments")
    if blocks is not None:
        errors = validate_blocks(blocks, max_blocks=MESSAGE_MAX_BLOCKS)
        if errors:
            raise SlackError("invalid_blocks", errors=[e.removeprefix("[ERROR] ") for e in errors],
                             response_metadata={"messages": errors})
        fill_ids(blocks)
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    if attachments and len(attachments) > 100:
        raise SlackError("too_many_attachments")
    return p.str("text"), blocks, attachments


def _metadata(ctx: Ctx) -> dict[str, Any] | None:
    meta = ctx.params.json("metadata", error="invalid_metadata_format")
    if meta is None:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("event_type"), str) \
            or not isinstance(meta.get("event_payload", {}), dict):
        raise SlackError("invalid_metadata_format")
    return {"event_type": meta["event_type"], "event_payload": meta.get("event_payload", {})}


def _postable(ctx: Ctx, chan: Channel) -> None:
    """Slack's rule: members may post; public channels also with chat:write.public."""
    if chan.is_archived:
        raise SlackError("is_archived")
    if chan.is_im or ctx.bot in chan.members:
        return
    if not chan.is_private and "chat:write.public" in ctx.core.bot_scopes:
        return
    raise SlackError("not_in_channel")


def _message(ctx: Ctx, chan: Channel, ts_arg: str) -> Message:
    msg = chan.messages.get(ctx.params.str(ts_arg) or "")
    if msg is None or msg.deleted:
        raise SlackError("message_not_found")
    return msg


@method("chat.postMessage", scopes=("chat:write",))
def post_message(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel(allow_names=True, allow_user=True)
    text, blocks, attachments = _content(ctx)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    _postable(ctx, chan)
    meta = _metadata(ctx)
    out: dict[str, Any] = {}
    if text and len(text) > TEXT_MAX:
        text = text[:TEXT_MAX]
        out["warning"] = "message_truncated"
        out["response_metadata"] = {"warnings": ["message_truncated"], "messages": [
            f"[WARN] A message was truncated: text is over {TEXT_MAX} characters"]}
    msg = messaging.post(ctx.core, chan, user=ctx.bot, text=text or "", blocks=blocks,
                         attachments=attachments, thread_ts=ctx.params.str("thread_ts"),
                         reply_broadcast=ctx.params.bool("reply_broadcast"), metadata=meta,
                         as_bot=True)
    out.update(channel=chan.id, ts=msg.ts, message=msg.to_slack())
    return out


@method("chat.postEphemeral", scopes=("chat:write",))
def post_ephemeral(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel(allow_names=True)
    user = ctx.user()
    text, blocks, attachments = _content(ctx)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text and len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    _postable(ctx, chan)
    if user.id not in chan.members:
        raise SlackError("user_not_in_channel")
    record = ctx.core.feed.add(user=user.id, channel=chan.id, source="ephemeral",
                               text=text or "", blocks=blocks, attachments=attachments,
                               thread_ts=ctx.params.str("thread_ts"))
    return {"message_ts": record["ts"]}


@method("chat.update", scopes=("chat:write",))
def update(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    msg = _message(ctx, chan, "ts")
    text, blocks, attachments = _content(ctx)
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    if text and len(text) > TEXT_MAX:
        raise SlackError("msg_too_long")
    if msg.user != ctx.bot:
        raise SlackError("cant_update_message")
    if chan.is_archived:
        raise SlackError("is_archived")
    messaging.update(ctx.core, chan, msg, editor=ctx.bot, text=text, blocks=blocks,
                     attachments=attachments, metadata=_metadata(ctx))
    return {"channel": chan.id, "ts": msg.ts, "text": msg.text, "message": msg.to_slack()}


@method("chat.delete", scopes=("chat:write",))
def delete(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    msg = _message(ctx, chan, "ts")
    if msg.user != ctx.bot:
        raise SlackError("cant_delete_message")
    messaging.delete(ctx.core, chan, msg)
    return {"channel": chan.id, "ts": msg.ts}


@method("chat.getPermalink")
def get_permalink(ctx: Ctx) -> dict[str, Any]:
    chan = ctx.channel()
    msg = _message(ctx, chan, "message_ts")
    link = f"https://{ctx.ws.team_domain}.slack.com/archives/{chan.id}/p{msg.ts.replace('.', '')}"
    if msg.is_reply:
        link += f"?thread_ts={msg.thread_ts}&cid={chan.id}"
    return {"channel": chan.id, "permalink": link}
