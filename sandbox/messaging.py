"""Posting, editing and deleting messages: the one place that stores a message
change and tells the app about it, shared by the Web API, response_urls and
the person's side."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .state import Channel, Message

if TYPE_CHECKING:
    from .core import Core


def post(core: "Core", chan: Channel, *, user: str, text: str,
         blocks: list[dict[str, Any]] | None = None,
         attachments: list[dict[str, Any]] | None = None, thread_ts: str | None = None,
         reply_broadcast: bool = False, metadata: dict[str, Any] | None = None,
         as_bot: bool = False, files: list[dict[str, Any]] | None = None) -> Message:
    ws = core.ws
    if thread_ts is not None:
        parent = chan.messages.get(thread_ts)
        if parent is None or parent.deleted:
            thread_ts = None      # Slack posts a reply to an unknown parent as a normal message
        elif parent.is_reply:
            thread_ts = parent.thread_ts
    msg = Message(ts=ws.clock.next(), user=user, text=text, team=ws.team_id, blocks=blocks,
                  attachments=attachments, thread_ts=thread_ts,
                  reply_broadcast=bool(reply_broadcast and thread_ts), metadata=metadata, files=files)
    if as_bot:
        msg.bot_id, msg.app_id, msg.bot_profile = ws.bot_id, ws.app_id, ws.bot_profile()
    else:
        msg.client_msg_id = str(uuid.uuid4())
    ws.add_message(chan, msg)
    core.events.message_posted(chan, msg)
    return msg


def update(core: "Core", chan: Channel, msg: Message, *, editor: str, text: str | None = None,
           blocks: list[dict[str, Any]] | None = None,
           attachments: list[dict[str, Any]] | None = None,
           metadata: dict[str, Any] | None = None) -> Message:
    before = core.ws.message_dict(chan, msg)
    if text is not None:
        msg.text = text
    if blocks is not None:
        msg.blocks = blocks
    if attachments is not None:
        msg.attachments = attachments
    if metadata is not None:
        msg.metadata = metadata
    msg.edited = {"user": editor, "ts": core.ws.clock.next()}
    core.events.message_changed(chan, before, msg)
    return msg


def delete(core: "Core", chan: Channel, msg: Message) -> None:
    before = core.ws.message_dict(chan, msg)
    msg.deleted = True
    chan.pins.pop(msg.ts, None)
    core.events.message_deleted(chan, before)
