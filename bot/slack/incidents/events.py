"""Events from Slack: the incident channel's messages become the timeline; 📌 and pins mark key events.

Every event is handled once: Slack redelivers (retry_attempt) when an ack was slow or lost.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.response import BoltResponse

from bot.logs import get_logger
from bot.slack.deps import Deps

log = get_logger("warroom.events")

IGNORED_SUBTYPES = {"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
                    "bot_message", "pinned_item", "unpinned_item", "bot_add", "bot_remove"}


def register(app, deps: Deps) -> None:
    @app.middleware
    async def once_per_event(body, next, logger) -> None:
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and body.get("type") == "event_callback":
            if not deps.seen_events.first_time(f"event:{event_id}", deps.clock.time()):
                log.info("event.duplicate_ignored", event_id=event_id)
                return BoltResponse(status=200, body="")  # ack it, run nothing twice
        return await next()

    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        channel = event.get("channel")
        if subtype in IGNORED_SUBTYPES or event.get("bot_id"):
            return
        if subtype == "message_changed":
            message = event.get("message") or {}
            if message.get("bot_id"):
                return
            deps.channel_log.edited(channel, ts=message.get("ts"), text=message.get("text") or "")
        elif subtype == "message_deleted":
            deps.channel_log.deleted(channel, ts=event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts"))
        elif subtype in (None, "thread_broadcast", "file_share", "me_message"):
            if event.get("user"):
                deps.channel_log.message(channel, user=event["user"], ts=event["ts"], text=event.get("text") or "",
                                         thread_ts=event.get("thread_ts"))

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction") in ("pushpin", "round_pushpin") and item.get("type") == "message":
            deps.channel_log.mark_key(item.get("channel"), ts=item.get("ts"), by=event.get("user"))

    @app.event("pin_added")
    async def on_pin(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        message = item.get("message") or {}
        ts = message.get("ts") or item.get("ts")
        if ts and not message.get("bot_id"):
            deps.channel_log.mark_key(event.get("channel_id") or item.get("channel"), ts=ts, by=event.get("user"))

    @app.event("member_joined_channel")
    async def on_join(event: dict[str, Any], context) -> None:
        deps.directory.member_joined(event.get("channel"), event.get("user"))
        if event.get("user") == context.get("bot_user_id"):
            return  # the bot joining the channel it created is not news
        deps.channel_log.joined(event.get("channel"), user=event.get("user"), at=deps.clock.time())

    @app.event("member_left_channel")
    async def on_leave(event: dict[str, Any]) -> None:
        deps.directory.member_left(event.get("channel"), event.get("user"))
