"""Posting messages exactly once, even across a crash in the middle of chat.postMessage.

Every post carries message metadata naming what it is (an effect or a surface). When an earlier
attempt may have reached Slack, we look for that marker in the channel's recent history before
posting again: Slack has no idempotency key, but it keeps metadata.

A post still in flight when the process died may land after the restart has looked for it (Slack
finishes a request whose client is gone). So the look waits until the earlier attempt is
``IN_FLIGHT_GRACE`` seconds old: a request Slack has not answered by then is taken as never coming.
Only the first attempt's start is on record, so after a failed attempt and then a crash in the
second, the look can still come too early; both must happen to the same post.
"""

from __future__ import annotations

from typing import Any

from bot.effects.errors import NotReady
from bot.slack.api import SlackApi, SlackCallError
from bot.slack.blocks import Rendered

EVENT_TYPE = "warroom_post"
# how long Slack may take with a chat.postMessage whose client died, before a look for it can trust
# what it finds (Slack answers in well under a second; the sandbox's injected latencies are seconds)
IN_FLIGHT_GRACE = 10.0


def marker(**payload: Any) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {k: str(v) for k, v in payload.items()}}


async def find_posted(api: SlackApi, channel: str, mark: dict[str, Any], since: float | None) -> str | None:
    """The ts of a message we already posted with this marker, if any."""
    wanted = mark["event_payload"]
    params: dict[str, Any] = {"channel": channel, "include_all_metadata": "true", "limit": 200}
    if since:
        params["oldest"] = f"{since - 120:.6f}"  # clocks differ a little; two minutes of slack
    cursor = None
    for _ in range(5):
        if cursor:
            params["cursor"] = cursor
        data = await api.call("conversations.history", patient=True, **params)
        for msg in data.get("messages", []):
            meta = msg.get("metadata") or {}
            if meta.get("event_type") == EVENT_TYPE and meta.get("event_payload") == wanted:
                return msg["ts"]
        cursor = (data.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


async def post_once(api: SlackApi, channel: str, rendered: Rendered, mark: dict[str, Any], *,
                    maybe_posted: bool, since: float | None, now: float, refresh: bool = False) -> str:
    """``since``: when the first attempt started; ``now``: the time by the same clock, to know whether
    that attempt may still be on its way (raises :class:`NotReady` until it is old enough).
    ``refresh``: the rendering may have changed since that attempt (a living message), so a message
    found from it is edited to this one rather than left as it was."""
    if maybe_posted:
        if since is not None and now < since + IN_FLIGHT_GRACE:
            raise NotReady("an earlier attempt may still be on its way to Slack", delay=since + IN_FLIGHT_GRACE - now)
        existing = await find_posted(api, channel, mark, since)
        if existing and refresh:
            try:
                await update_message(api, channel, existing, rendered, mark)
                return existing
            except SlackCallError:   # deleted since it was found, or not ours to edit: post it afresh
                pass
        elif existing:
            return existing
    params: dict[str, Any] = {"channel": channel, "text": rendered.text, "metadata": mark,
                              "unfurl_links": False, "unfurl_media": False}
    if rendered.blocks:
        params["blocks"] = rendered.blocks
    data = await api.call("chat.postMessage", json=True, **params)
    return data["ts"]


async def update_message(api: SlackApi, channel: str, ts: str, rendered: Rendered, mark: dict[str, Any]) -> None:
    params: dict[str, Any] = {"channel": channel, "ts": ts, "text": rendered.text, "metadata": mark,
                              "blocks": rendered.blocks or []}
    await api.call("chat.update", json=True, expect=("message_not_found", "cant_update_message"), **params)
