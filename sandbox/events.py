"""Events API: which events the app gets and what they look like.

Slack delivers an event only when the app subscribed to it, has the scope the
subscription needs and can see the conversation (is a member). The wrapper is
the HTTP-mode ``event_callback`` body, sent as an ``events_api`` envelope.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from .manifest import EVENT_SCOPES
from .records import Envelope
from .state import Channel, Message

if TYPE_CHECKING:
    from .core import Core


class EventDispatcher:
    def __init__(self, core: "Core") -> None:
        self.core = core

    # --- delivery rules --------------------------------------------------------------
    def _subscribed(self, subscription: str, channel: Channel | None) -> bool:
        config = self.core.config
        if subscription not in config.bot_events:
            return False
        needed = EVENT_SCOPES.get(subscription, ())
        if len(needed) == 2 and needed[0].startswith("channels:"):
            needed = (needed[1],) if channel is not None and channel.is_private else (needed[0],)
        return all(scope in self.core.bot_scopes for scope in needed)

    def emit(self, event: dict[str, Any], *, subscription: str, channel: Channel | None = None,
             visible: bool | None = None) -> Envelope | None:
        """Queue an event for the app when Slack would send it; the envelope or None."""
        if not self._subscribed(subscription, channel):
            return None
        if visible is None:
            visible = channel is None or channel.is_im or \
                self.core.ws.bot_user_id in channel.members
        if not visible:
            return None
        ws = self.core.ws
        payload = {
            "token": self.core.verification_token, "team_id": ws.team_id,
            "context_team_id": ws.team_id, "api_app_id": ws.app_id, "event": event,
            "type": "event_callback", "event_id": ws.ids.new("Ev"), "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": ws.team_id,
                                "user_id": ws.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": "4-" + ws.ids.hex(40),
        }
        env = Envelope(type="events_api", envelope_id=ws.ids.envelope_id(), payload=payload)
        self.core.hub.send(env)
        return env

    # --- event shapes ----------------------------------------------------------------
    def _message_subscription(self, chan: Channel) -> str:
        return {"im": "message.im", "group": "message.groups"}.get(chan.kind, "message.channels")

    def message_posted(self, chan: Channel, msg: Message) -> None:
        event = self.core.ws.message_dict(chan, msg)
        event.update(channel=chan.id, event_ts=msg.ts, channel_type=chan.kind)
        self.emit(event, subscription=self._message_subscription(chan), channel=chan)
        bot = self.core.ws.bot_user_id
        if f"<@{bot}>" in msg.text and not chan.is_im and msg.user != bot:
            mention = {k: copy.deepcopy(v) for k, v in event.items() if k != "channel_type"}
            mention["type"] = "app_mention"
            self.emit(mention, subscription="app_mention", channel=chan)

    def message_changed(self, chan: Channel, before: dict[str, Any], msg: Message) -> None:
        after = self.core.ws.message_dict(chan, msg)
        event = {"type": "message", "subtype": "message_changed", "message": after,
                 "previous_message": before, "channel": chan.id, "hidden": True,
                 "ts": self.core.ws.clock.next(), "channel_type": chan.kind}
        event["event_ts"] = event["ts"]
        self.emit(event, subscription=self._message_subscription(chan), channel=chan)

    def message_deleted(self, chan: Channel, before: dict[str, Any]) -> None:
        ts = self.core.ws.clock.next()
        event = {"type": "message", "subtype": "message_deleted", "previous_message": before,
                 "channel": chan.id, "hidden": True, "deleted_ts": before["ts"], "ts": ts,
                 "event_ts": ts, "channel_type": chan.kind}
        self.emit(event, subscription=self._message_subscription(chan), channel=chan)

    def reaction(self, chan: Channel, msg: Message, user: str, name: str, added: bool) -> None:
        kind = "reaction_added" if added else "reaction_removed"
        event = {"type": kind, "user": user, "reaction": name, "item_user": msg.user,
                 "item": {"type": "message", "channel": chan.id, "ts": msg.ts},
                 "event_ts": self.core.ws.clock.next()}
        self.emit(event, subscription=kind, channel=chan)

    def membership(self, chan: Channel, user: str, joined: bool, inviter: str | None = None
                   ) -> None:
        kind = "member_joined_channel" if joined else "member_left_channel"
        event: dict[str, Any] = {"type": kind, "user": user, "channel": chan.id,
                                 "channel_type": "G" if chan.is_private else "C",
                                 "team": self.core.ws.team_id, "event_ts": self.core.ws.clock.next()}
        if joined and inviter:
            event["inviter"] = inviter
        # The bot hears about its own departure even though it is no longer a member.
        visible = True if user == self.core.ws.bot_user_id else None
        self.emit(event, subscription=kind, channel=chan, visible=visible)

    def pin_added(self, chan: Channel, msg: Message, user: str) -> None:
        now = int(time.time())
        item = {"type": "message", "channel": chan.id, "created": now, "created_by": user,
                "message": self.core.ws.message_dict(chan, msg)}
        event = {"type": "pin_added", "user": user, "channel_id": chan.id, "item": item,
                 "item_user": msg.user, "pin_count": len(chan.pins),
                 "pinned_info": {"channel": chan.id, "pinned_by": user, "pinned_ts": now},
                 "event_ts": self.core.ws.clock.next()}
        self.emit(event, subscription="pin_added", channel=chan)

    def app_home_opened(self, user: str, channel: str, tab: str,
                        view: dict[str, Any] | None) -> None:
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": channel,
                                 "tab": tab, "event_ts": self.core.ws.clock.next()}
        if view is not None:
            event["view"] = view
        self.emit(event, subscription="app_home_opened")
