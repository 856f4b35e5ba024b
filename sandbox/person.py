"""The person's side: one workspace member acting through the Slack client."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import commands, interactions, messaging, modals
from .results import CommandResult, InteractionResult
from .richtext import rich_text_blocks
from .state import Channel, Message
from .text import escape_message_text

if TYPE_CHECKING:
    from .core import Core


class Person:
    def __init__(self, core: "Core", user_id: str) -> None:
        self._core = core
        self.id = user_id

    @property
    def name(self) -> str:
        return self._core.ws.users[self.id].name

    def __repr__(self) -> str:
        return f"<Person {self.name} {self.id}>"

    # --- helpers ------------------------------------------------------------------------
    def _chan(self, ref: str) -> Channel:
        return commands.resolve_conversation(self._core, self.id, ref)

    def _msg(self, chan: Channel, ts: str) -> Message:
        msg = chan.messages.get(ts)
        if msg is None or msg.deleted:
            raise LookupError(f"no message {ts} in {chan.name}")
        return msg

    # --- slash commands -------------------------------------------------------------------
    def command(self, command: str, text: str = "", *, channel: str = "general") -> CommandResult:
        return commands.run_command(self._core, self.id, command, text, channel)

    # --- messages -----------------------------------------------------------------------
    def post(self, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        core = self._core
        with core.lock:
            chan = self._chan(channel)
            escaped = escape_message_text(text, core.ws)
            msg = messaging.post(core, chan, user=self.id, text=escaped,
                                 blocks=rich_text_blocks(escaped), thread_ts=thread_ts)
            return msg.ts

    def edit(self, channel: str, ts: str, text: str) -> None:
        core = self._core
        with core.lock:
            chan = self._chan(channel)
            msg = self._msg(chan, ts)
            if msg.user != self.id:
                raise PermissionError("people can only edit their own messages")
            escaped = escape_message_text(text, core.ws)
            messaging.update(core, chan, msg, editor=self.id, text=escaped,
                             blocks=rich_text_blocks(escaped))

    def delete(self, channel: str, ts: str) -> None:
        core = self._core
        with core.lock:
            chan = self._chan(channel)
            msg = self._msg(chan, ts)
            if msg.user != self.id:
                raise PermissionError("people can only delete their own messages")
            messaging.delete(core, chan, msg)

    def react(self, channel: str, ts: str, name: str) -> None:
        core = self._core
        name = name.strip(":")
        with core.lock:
            chan = self._chan(channel)
            msg = self._msg(chan, ts)
            users = msg.reactions.setdefault(name, [])
            if self.id in users:
                raise ValueError(f"already reacted with :{name}:")
            users.append(self.id)
            core.events.reaction(chan, msg, self.id, name, added=True)

    def unreact(self, channel: str, ts: str, name: str) -> None:
        core = self._core
        name = name.strip(":")
        with core.lock:
            chan = self._chan(channel)
            msg = self._msg(chan, ts)
            users = msg.reactions.get(name) or []
            if self.id not in users:
                raise ValueError(f"no :{name}: reaction to remove")
            users.remove(self.id)
            if not users:
                msg.reactions.pop(name, None)
            core.events.reaction(chan, msg, self.id, name, added=False)

    def pin(self, channel: str, ts: str) -> None:
        core = self._core
        with core.lock:
            chan = self._chan(channel)
            msg = self._msg(chan, ts)
            if ts in chan.pins:
                raise ValueError("already pinned")
            chan.pins[ts] = {"created": int(time.time()), "created_by": self.id}
            core.events.pin_added(chan, msg, self.id)

    def join(self, channel: str) -> None:
        core = self._core
        with core.lock:
            chan = core.ws.channel(channel)
            if chan is None or chan.is_im:
                raise ValueError(f"no channel {channel!r}")
            if chan.is_private and self.id not in chan.members:
                raise PermissionError(f"#{chan.name} is private; someone must invite you")
            if chan.is_archived:
                raise ValueError(f"#{chan.name} is archived")
            if self.id in chan.members:
                return
            chan.members.append(self.id)
            core.events.membership(chan, self.id, joined=True)

    def leave(self, channel: str) -> None:
        core = self._core
        with core.lock:
            chan = self._chan(channel)
            chan.members.remove(self.id)
            core.events.membership(chan, self.id, joined=False)

    # --- interactivity -------------------------------------------------------------------
    def click(self, label_or_action_id: str, *, channel: str | None = None, ts: str | None = None,
              message: dict[str, Any] | None = None, value: str | None = None,
              in_view: bool = False, in_home: bool = False) -> InteractionResult:
        return interactions.click(self._core, self.id, label_or_action_id, channel=channel,
                                  ts=ts, message=message, value=value, in_view=in_view,
                                  in_home=in_home)

    def select(self, action_id: str, value: Any, *, channel: str | None = None,
               ts: str | None = None, message: dict[str, Any] | None = None,
               in_view: bool = False, in_home: bool = False) -> InteractionResult:
        return interactions.select(self._core, self.id, action_id, value, channel=channel, ts=ts,
                                   message=message, in_view=in_view, in_home=in_home)

    def suggest(self, action_id: str, typed: str, *, channel: str | None = None,
                ts: str | None = None, message: dict[str, Any] | None = None,
                in_view: bool = False) -> InteractionResult:
        """Type into an external_select; ``result.ack`` holds the app's options."""
        return interactions.suggest(self._core, self.id, action_id, typed, channel=channel,
                                    ts=ts, message=message, in_view=in_view)

    def view(self) -> dict[str, Any] | None:
        with self._core.lock:
            rec = self._core.views.top(self.id)
            return rec.to_slack() if rec else None

    def submit_view(self, values: dict[str, Any] | None = None) -> InteractionResult:
        return modals.submit_view(self._core, self.id, values)

    def close_view(self) -> InteractionResult | None:
        return modals.close_view(self._core, self.id)

    def shortcut(self, callback_id: str) -> InteractionResult:
        return interactions.shortcut(self._core, self.id, callback_id)

    def message_shortcut(self, callback_id: str, channel: str, ts: str) -> InteractionResult:
        return interactions.message_shortcut(self._core, self.id, callback_id, channel, ts)

    def open_home(self) -> None:
        core = self._core
        with core.lock:
            chan = core.ws.open_im(self.id)
            rec = core.views.home(self.id)
            core.events.app_home_opened(self.id, chan.id, "home", rec.to_slack() if rec else None)
