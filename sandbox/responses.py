"""response_url: what an app's ``respond()`` POSTs to.

Each URL belongs to one interaction (a slash command, a click on a message or
an ephemeral, a message shortcut) and may be used 5 times within 30 minutes.
Replies are ephemeral by default; ``in_channel`` posts into the conversation;
``replace_original`` / ``delete_original`` act on the message the interaction
came from.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import messaging

if TYPE_CHECKING:
    from .core import Core


@dataclass
class ResponseUrl:
    id: str
    user: str
    channel: str
    origin: str                   # "command" | "message" | "ephemeral" | "shortcut"
    message_ts: str | None        # the message or ephemeral the interaction came from
    created: float
    uses: int = 0


class ResponseUrls:
    def __init__(self, core: "Core") -> None:
        self.core = core
        self.urls: dict[str, ResponseUrl] = {}

    def mint(self, *, user: str, channel: str, origin: str, message_ts: str | None = None
             ) -> ResponseUrl:
        rid = f"{self.core.ws.team_id}/{secrets.randbelow(10**13)}/{secrets.token_urlsafe(18)}"
        rid = rid.replace("/", "-")
        url = ResponseUrl(id=rid, user=user, channel=channel, origin=origin,
                          message_ts=message_ts, created=time.monotonic())
        self.urls[rid] = url
        return url

    def url_for(self, rurl: ResponseUrl) -> str:
        return f"{self.core.base_url}/respond/{rurl.id}"

    def handle(self, rid: str, body: dict[str, Any]) -> tuple[int, str]:
        """Apply a POST to a response_url; (HTTP status, body text) like Slack's hooks."""
        settings = self.core.settings
        rurl = self.urls.get(rid)
        if rurl is None:
            return 404, "no_service"
        if time.monotonic() - rurl.created > settings.response_url_ttl:
            return 404, "expired_url"
        if rurl.uses >= settings.response_url_max_uses:
            return 404, "used_url"
        text = body.get("text")
        blocks = body.get("blocks")
        attachments = body.get("attachments")
        if body.get("delete_original") in (True, "true"):
            rurl.uses += 1
            self._delete_original(rurl)
            return 200, "ok"
        if text is None and blocks is None and attachments is None:
            return 400, "no_text"
        rurl.uses += 1
        replace = body.get("replace_original") in (True, "true")
        if replace and self._replace_original(rurl, str(text or ""), blocks, attachments):
            return 200, "ok"
        if body.get("response_type") == "in_channel":
            self._post_in_channel(rurl, str(text or ""), blocks, attachments, body.get("thread_ts"))
        else:
            self.core.feed.add(user=rurl.user, channel=rurl.channel, source="response_url",
                               text=str(text or ""), blocks=blocks, attachments=attachments,
                               replace_original=replace, ref=rurl.id,
                               thread_ts=body.get("thread_ts"))
        return 200, "ok"

    def _post_in_channel(self, rurl: ResponseUrl, text: str, blocks: Any, attachments: Any,
                         thread_ts: str | None) -> None:
        ws = self.core.ws
        chan = ws.channels.get(rurl.channel)
        if chan is None:
            return
        msg = messaging.post(self.core, chan, user=ws.bot_user_id, text=text, blocks=blocks,
                             attachments=attachments, thread_ts=thread_ts, as_bot=True)
        # The person saw it too; record it so CommandResult.replies shows in_channel answers.
        self.core.feed.add(user=rurl.user, channel=chan.id, source="response_url", text=text,
                           blocks=blocks, attachments=attachments, response_type="in_channel",
                           ref=rurl.id, message_ts=msg.ts)

    def _replace_original(self, rurl: ResponseUrl, text: str, blocks: Any, attachments: Any
                          ) -> bool:
        ws = self.core.ws
        if rurl.origin == "message":
            chan = ws.channels.get(rurl.channel)
            msg = chan.messages.get(rurl.message_ts or "") if chan else None
            if chan is None or msg is None or msg.deleted:
                return False
            messaging.update(self.core, chan, msg, editor=ws.bot_user_id, text=text,
                             blocks=blocks if blocks is not None else [],
                             attachments=attachments)
            return True
        original = self._original_ephemeral(rurl)
        if original is not None:
            original["replaced"] = True
        self.core.feed.add(user=rurl.user, channel=rurl.channel, source="response_url", text=text,
                           blocks=blocks, attachments=attachments, replace_original=True,
                           ref=rurl.id)
        return True

    def _original_ephemeral(self, rurl: ResponseUrl) -> dict[str, Any] | None:
        feed = self.core.feed
        if rurl.origin == "ephemeral" and rurl.message_ts:
            return feed.find(rurl.user, rurl.message_ts)
        # A command's "original" is its latest visible reply.
        mine = [r for r in feed.records if r["ref"] == rurl.id and not r["replaced"]
                and not r["deleted"] and r["is_ephemeral"]]
        return mine[-1] if mine else None

    def _delete_original(self, rurl: ResponseUrl) -> None:
        ws = self.core.ws
        if rurl.origin == "message":
            chan = ws.channels.get(rurl.channel)
            msg = chan.messages.get(rurl.message_ts or "") if chan else None
            if chan is not None and msg is not None and not msg.deleted:
                messaging.delete(self.core, chan, msg)
            return
        original = self._original_ephemeral(rurl)
        if original is not None:
            original["deleted"] = True
