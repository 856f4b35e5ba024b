"""Events from Slack: the incident channel's messages become the timeline; 📌 and pins mark key events.

Every event is handled once: Slack redelivers (retry_attempt) when an ack was slow or lost.
"""

from __future__ import annotations

from typing import Any, Callable

from slack_bolt.response import BoltResponse

from bot.logs import get_logger
from bot.slack.deps import Deps
from storage.errors import StorageUnavailable

log = get_logger("warroom.events")

IGNORED_SUBTYPES = {"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
                    "bot_message", "pinned_item", "unpinned_item", "bot_add", "bot_remove"}


def _message(deps: Deps, event: dict[str, Any], bot_user_id: str | None) -> None:
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


def _reaction(deps: Deps, event: dict[str, Any], bot_user_id: str | None) -> None:
    item = event.get("item") or {}
    if event.get("reaction") in ("pushpin", "round_pushpin") and item.get("type") == "message":
        deps.channel_log.mark_key(item.get("channel"), ts=item.get("ts"), by=event.get("user"))


def _pin(deps: Deps, event: dict[str, Any], bot_user_id: str | None) -> None:
    item = event.get("item") or {}
    message = item.get("message") or {}
    ts = message.get("ts") or item.get("ts")
    if ts and not message.get("bot_id"):
        deps.channel_log.mark_key(event.get("channel_id") or item.get("channel"), ts=ts, by=event.get("user"))


def _joined(deps: Deps, event: dict[str, Any], bot_user_id: str | None) -> None:
    deps.directory.member_joined(event.get("channel"), event.get("user"))
    if event.get("user") != bot_user_id:  # the bot joining the channel it created is not news
        deps.channel_log.joined(event.get("channel"), user=event.get("user"), at=deps.clock.time())


def _left(deps: Deps, event: dict[str, Any], bot_user_id: str | None) -> None:
    deps.directory.member_left(event.get("channel"), event.get("user"))


# What the channel tells the record, by event type; each runs before its event is acked.
RECORDERS: dict[str, Callable[[Deps, dict[str, Any], str | None], None]] = {
    "message": _message, "reaction_added": _reaction, "pin_added": _pin,
    "member_joined_channel": _joined, "member_left_channel": _left,
}


def register(app, deps: Deps) -> None:
    @app.middleware
    async def record_then_ack(body, next, context) -> BoltResponse:
        """Bolt acks an event before its listener runs; an acked event is never sent again, so what it
        tells the record is written here first, with the mark that it was seen, in one transaction.
        When the database cannot take it, the event is not acked and Slack sends it again later."""
        if not (isinstance(body, dict) and body.get("type") == "event_callback"):
            return await next()
        event = body.get("event") or {}
        event_id = body.get("event_id")
        record = RECORDERS.get(event.get("type"))
        try:
            with deps.work():
                if event_id and not deps.seen_events.first_time(f"event:{event_id}", deps.clock.time()):
                    log.info("event.duplicate_ignored", event_id=event_id)
                    return BoltResponse(status=200, body="")  # ack it, run nothing twice
                if record is not None:
                    record(deps, event, context.get("bot_user_id"))
        except StorageUnavailable as exc:
            log.warning("event.not_recorded", event_id=event_id, type=event.get("type"), reason=str(exc))
            return BoltResponse(status=503, body="")  # not acked: Slack delivers it again
        if record is not None:
            return BoltResponse(status=200, body="")  # recorded: ack
        return await next()

    async def recorded_before_ack() -> None:
        """Bolt routes only events with a listener; ``record_then_ack`` did the work before the ack."""

    for event_type in RECORDERS:
        app.event(event_type)(recorded_before_ack)
