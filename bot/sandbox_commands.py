"""The sandbox's own commands (``:show``, ``:click``, ``:submit``, ``:thread`` ...): what a person
does in Slack's client besides typing, and how they pick the message they mean (``^n``)."""

from __future__ import annotations

import re
import shlex
import time
from typing import Any

from bot.durations import DurationError, parse_duration
from bot.embedded import EmbeddedBot
from bot.sandbox_forms import submitted_values
from bot.sandbox_screen import Screen

HELP = """\
Type as a Slack user would:
  /incident declare Checkout errors sev2     a slash command in the current channel
  Anything else                              a message in the current channel
Sandbox commands (^n is message n as :show numbers them; without it, the newest):
  :switch bob              act as another person, and see the DMs and mentions they missed
                           (:people lists everyone with their IDs)
  :channel #name           go to a channel (joins it if needed; a prefix finds the newest match,
                           so :channel #incident goes to the newest incident); :channels lists them
  :show [#channel | ^n]    the channel's messages, numbered;  ^n: that message's thread
  :dm                      your direct messages from warroom
  :thread [^n] text        reply in the thread of a message
  :edit [^n] text          edit your newest message (or ^n);  :delete [^n]  delete it
  :react emoji [^n]        react to a message;  :pin [^n]  pin it
  :click Label [n]         press the newest button with that label you can see (messages, DMs,
                           forms, the Home tab); n: the n-th of that message's buttons with that
                           label (a checklist's items: :click Tick 2)
  :view                    the open form and its fields;  :submit field=value ...  fill and send it
                           (quote values with spaces: summary="Checkout down"; a,b only for
                           fields that take several);  :close  close it
  :shortcut Name [^n]      a message shortcut on a message (:shortcut Declare incident);
                           :shortcut global Name  one from the ⚡ menu
  :home                    open warroom's Home tab
  :advance 30m             move warroom's clock (pulses, escalations; Slack stamps messages at its
                           time too);  :wait 2s  let real time pass
  :expect some text        (scripts) fail unless the last output contains the text
  :help  :quit (or Ctrl-D; Ctrl-C clears a half-typed line)
What Slack would notify you of (alerts, pages, pulses, edits) is printed as it happens.
"""

_MESSAGE_NUMBER = re.compile(r"^\^(\d+)$")

class LineFailed(Exception):
    """A line could not be done; the message says why (scripts stop with a non-zero exit)."""


class SandboxCommands:
    """The ``:word`` commands of :class:`bot.sandbox_repl.Repl`, which provides these attributes."""

    sandbox: Any
    bot: EmbeddedBot
    screen: Screen
    channel: str
    shortcuts: list[dict[str, Any]]
    _home_shown: bool

    @property
    def user(self) -> str:
        return self.screen.user

    # sandbox commands --------------------------------------------------------------------------
    def _sandbox_command(self, word: str, rest: str) -> list[str]:
        handler = getattr(self, f"_cmd_{word}", None)
        if handler is None:
            raise LineFailed(f"unknown sandbox command :{word}; type :help")
        return handler(rest)

    def _cmd_help(self, rest: str) -> list[str]:
        return [HELP]

    def _cmd_people(self, rest: str) -> list[str]:
        return [f"@{u['name']:<6} {u['id']}  {u.get('real_name', '')}, {u.get('tz', 'UTC')}"
                for u in self.sandbox.users() if not u.get("is_bot") and not u.get("deleted")]

    def _cmd_channels(self, rest: str) -> list[str]:
        lines = []
        for c in self.sandbox.channels(include_archived=False):
            if c.get("is_private") and self.screen.me not in c["members"]:
                continue   # Slack does not list private channels to people outside them
            members = ", ".join(f"@{self.screen.name(m)}" for m in c["members"])
            topic = c.get("topic", {}).get("value")
            lines.append(f"#{c['name']}" + (" (private)" if c.get("is_private") else "") + f"  members: {members}"
                         + (f"  topic: {self.screen.text(topic)}" if topic else ""))
        return lines

    def _cmd_show(self, rest: str) -> list[str]:
        number = _MESSAGE_NUMBER.match(rest)
        if number:
            parent = self._numbered(int(number.group(1)))
            thread = self.sandbox.messages(self.channel, thread_ts=parent["ts"])
            return [self.screen.message(m, where="thread" if i else None) for i, m in enumerate(thread)]
        channel = self._find_channel(rest.lstrip("#"))["id"] if rest else self.channel
        messages = self.sandbox.messages(channel)
        return [self.screen.message(m, number=i) for i, m in enumerate(messages, start=1)] or ["(no messages)"]

    def _cmd_dm(self, rest: str) -> list[str]:
        dm = self.screen.dm()
        return [self.screen.message(m) for m in self.sandbox.messages(dm)] if dm else ["(no DMs)"]

    def _cmd_click(self, label: str) -> list[str]:
        if not label:
            raise LineFailed("say which button: :click Acknowledge")
        person = self.sandbox.as_user(self.user)
        if person.view():
            try:
                person.click(label, in_view=True)
                return []
            except LookupError:
                pass
        candidates: list[dict[str, Any]] = list(reversed(self.sandbox.ephemerals(self.screen.me, self.channel)))
        candidates += list(reversed(self.sandbox.messages(self.channel)))
        dm = self.screen.dm()
        if dm:
            candidates += list(reversed(self.sandbox.messages(dm)))
        base, _, number = label.rpartition(" ")
        nth = int(number) if base and number.isdigit() and int(number) > 0 else None
        for message in candidates:
            if _buttons(message, label):
                person.click(label, message=message)
                return []
            same = _buttons(message, base) if nth else []
            if nth and len(same) >= nth:
                person.click(same[nth - 1]["action_id"], message=message)   # labels repeat; action ids do not
                return []
        home = self.sandbox.home(self.user) if self._home_shown else None
        if home and _buttons(home, label):
            person.click(label, in_home=True)
            return []
        raise LineFailed(f"no button labelled {label!r} where you are (channel, your DMs, an open form"
                         f"{', the Home tab' if self._home_shown else ''})")

    def _cmd_view(self, rest: str) -> list[str]:
        view = self.sandbox.as_user(self.user).view()
        if not view:
            return ["(no form is open)"]
        return [self.screen.render(view), *self.screen.form_fields(view)]

    def _cmd_submit(self, rest: str) -> list[str]:
        person = self.sandbox.as_user(self.user)
        view = person.view()
        if not view:
            raise LineFailed("no form is open")
        try:
            words = shlex.split(rest)
        except ValueError as exc:
            raise LineFailed(f"cannot read that: {exc} (quote values with spaces: summary=\"Checkout down\")") from None
        result = person.submit_view(submitted_values(view, words))
        if result.errors:
            return ["form errors: " + "; ".join(f"{k}: {v}" for k, v in result.errors.items())]
        return []

    def _cmd_close(self, rest: str) -> list[str]:
        if not self.sandbox.as_user(self.user).view():
            raise LineFailed("no form is open")
        self.sandbox.as_user(self.user).close_view()
        return ["(form closed)"]

    def _cmd_react(self, rest: str) -> list[str]:
        message, emoji = self._target(rest)
        self.sandbox.as_user(self.user).react(self.channel, message["ts"], emoji.strip(":") or "pushpin")
        return []

    def _cmd_pin(self, rest: str) -> list[str]:
        message, _ = self._target(rest)
        self.sandbox.as_user(self.user).pin(self.channel, message["ts"])
        return []

    def _cmd_thread(self, rest: str) -> list[str]:
        message, text = self._target(rest)
        if not text:
            raise LineFailed("say what to reply: :thread looking into it")
        self.sandbox.as_user(self.user).post(self.channel, text, thread_ts=message["ts"])
        return []

    def _cmd_edit(self, rest: str) -> list[str]:
        message, text = self._target(rest, mine=True)
        if not text:
            raise LineFailed("say the new text: :edit error rate back to normal")
        self.sandbox.as_user(self.user).edit(self.channel, message["ts"], text)
        return []

    def _cmd_delete(self, rest: str) -> list[str]:
        message, _ = self._target(rest, mine=True)
        self.sandbox.as_user(self.user).delete(self.channel, message["ts"])
        return []

    def _cmd_shortcut(self, rest: str) -> list[str]:
        glob = rest.startswith("global ")
        number, name = self._split_number(rest[len("global "):] if glob else rest)
        matches = [s for s in self.shortcuts if name.lower() in (s["name"].lower(), s["callback_id"].lower())]
        by_type = {s["type"]: s for s in matches}
        person = self.sandbox.as_user(self.user)
        if "message" in by_type and not glob:
            message = self._numbered(number) if number else self._newest(self.sandbox.messages(self.channel))
            person.message_shortcut(by_type["message"]["callback_id"], self.channel, message["ts"]).ack
        elif "global" in by_type:
            person.shortcut(by_type["global"]["callback_id"]).ack
        else:
            known = "; ".join(f"{s['name']} ({s['type']})" for s in self.shortcuts) or "none"
            raise LineFailed(f"warroom has no {'global ' if glob else ''}shortcut {name!r}; its shortcuts: {known}")
        return []

    def _cmd_home(self, rest: str) -> list[str]:
        before = self.sandbox.home(self.user)
        self.sandbox.as_user(self.user).open_home()
        deadline = time.monotonic() + 5
        while self.sandbox.home(self.user) == before and time.monotonic() < deadline:
            time.sleep(0.05)  # the app publishes the tab when it hears app_home_opened
        home = self.sandbox.home(self.user)
        if not home:
            raise LineFailed("warroom did not publish a Home tab")
        self._home_shown = True
        return [self.screen.render(home), "(:click a button on it)"]

    def _cmd_advance(self, rest: str) -> list[str]:
        delta = self._duration(rest)
        self.bot.advance(delta)
        self.sandbox.advance_clock(delta.total_seconds())   # new messages are stamped at warroom's time
        time.sleep(0.2)  # timers fire on the bot's loop
        return [f"(clock moved {rest})"]

    def _cmd_wait(self, rest: str) -> list[str]:
        time.sleep(self._duration(rest).total_seconds())
        return [f"(waited {rest})"]

    def _find_channel(self, name: str) -> dict[str, Any]:
        """Exact name, else the newest channel whose name starts with it (incident names carry dates)."""
        try:
            return self.sandbox.channel(name)
        except (LookupError, ValueError):
            matches = [c for c in self.sandbox.channels(include_archived=False) if c["name"].startswith(name)]
            if not matches:
                raise LineFailed(f"no channel #{name}; :channels lists them") from None
            return matches[-1]


    # which message -----------------------------------------------------------------------------
    def _target(self, rest: str, *, mine: bool = False) -> tuple[dict[str, Any], str]:
        """The message ``^n`` names at either end of ``rest`` (else the newest; with ``mine``, the
        person's own newest, as Slack's up arrow picks it), and the rest of the words."""
        number, words = self._split_number(rest)
        if number:
            message = self._numbered(number)
            if mine and message.get("user") != self.screen.me:
                raise LineFailed(f"^{number} is not your message; Slack lets you change only your own")
            return message, words
        if not mine:
            return self._newest(self.sandbox.messages(self.channel)), words
        own = [m for m in self.sandbox.messages(self.channel) if m.get("user") == self.screen.me]
        if not own:
            raise LineFailed("you have written nothing here yet")
        return own[-1], words

    @staticmethod
    def _split_number(rest: str) -> tuple[int | None, str]:
        words = rest.split()
        for at in (0, -1):
            if words and _MESSAGE_NUMBER.match(words[at]):
                number = int(words.pop(at)[1:])
                return number, rest.replace(f"^{number}", "", 1).strip()
        return None, rest.strip()

    def _numbered(self, number: int) -> dict[str, Any]:
        messages = self.sandbox.messages(self.channel)
        if not 1 <= number <= len(messages):
            raise LineFailed(f"no message ^{number} here; :show numbers the {len(messages)} there are")
        return messages[number - 1]

    @staticmethod
    def _newest(messages: list[dict[str, Any]]) -> dict[str, Any]:
        if not messages:
            raise LineFailed("no message here yet")
        return messages[-1]

    @staticmethod
    def _duration(text: str) -> Any:
        try:
            delta = parse_duration(text)
        except DurationError as exc:
            raise LineFailed(str(exc)) from None
        if delta is None:
            raise LineFailed("say how long: :advance 30m")
        return delta

def _buttons(message: dict[str, Any], label: str) -> list[dict[str, Any]]:
    """The message's buttons with that label (or action id), in the order people see them."""
    found = []
    for block in message.get("blocks") or []:
        elements = block.get("elements") or []
        if block.get("accessory"):
            elements = [*elements, block["accessory"]]
        for element in elements:
            text = (element.get("text") or {}).get("text") if isinstance(element.get("text"), dict) else None
            if element.get("type") == "button" and (text == label or element.get("action_id") == label):
                found.append(element)
    return found
