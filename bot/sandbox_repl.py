"""The person at the keyboard in ``warroom sandbox``: each line is something a Slack user does, and
after it the REPL prints what changed in the workspace (posts, edits, pins, topics, DMs, forms)."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.durations import DurationError, parse_duration
from bot.embedded import EmbeddedBot

HELP = """\
Type as a Slack user would:
  /incident declare Checkout errors sev2     a slash command in the current channel
  Anything else                              a message in the current channel
Sandbox commands:
  :switch bob              act as another person (alice, bob, carol, dave)
  :channel #name           go to a channel (joins it if needed; a prefix finds the newest match,
                           so :channel #incident goes to the newest incident); :channels lists them
  :click Label             press the newest button with that label you can see (messages, DMs, forms)
  :view                    show the open form;  :submit field=value ...  fill and submit it
  :close                   close the open form
  :react emoji / :pin      react to / pin the newest message in the channel
  :show [#channel]         the channel's messages;  :dm  your direct messages from warroom
  :advance 30m             move warroom's clock (pulses, escalations);  :wait 2s  let real time pass
  :expect some text        (scripts) fail unless the last output contains the text
  :help  :quit
"""


class LineFailed(Exception):
    """A line could not be done; the message says why (scripts stop with a non-zero exit)."""


@dataclass
class Snapshot:
    messages: dict[tuple[str, str], str] = field(default_factory=dict)     # (channel, ts) -> rendered
    topics: dict[str, str] = field(default_factory=dict)
    pins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)                  # id -> name
    ephemerals: int = 0
    view: str | None = None


class Repl:
    def __init__(self, sandbox: Any, bot: EmbeddedBot, out: Callable[[str], None] = print) -> None:
        self.sandbox = sandbox
        self.bot = bot
        self.out = out
        self.user = "alice"
        self.channel = "general"
        self.last_output = ""
        self._read_dms: dict[str, set[str]] = {}

    @property
    def prompt(self) -> str:
        return f"{self.user} in #{self._channel_name(self.channel)}> "

    # one line ----------------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Do one line; False means quit. Raises :class:`LineFailed` when the line cannot be done."""
        line = line.strip()
        if not line or line.startswith("#!"):
            return True
        if line in (":quit", ":exit", ":q"):
            return False
        if line.startswith(":expect "):
            wanted = line[len(":expect "):].strip()
            if wanted not in self.last_output:
                raise LineFailed(f"expected to see {wanted!r} in the last output")
            return True
        if line.startswith(":switch"):
            # what the new person sees is the new baseline, except DMs they have not read yet
            lines = self._sandbox_command(line) + self._unread_dms()
            self.last_output = "\n".join(lines)
            self.out(self.last_output)
            return True
        before = self.snapshot()
        lines: list[str] = []
        if line.startswith("/"):
            lines += self._slash(line)
        elif line.startswith(":"):
            lines += self._sandbox_command(line)
        else:
            self.sandbox.as_user(self.user).post(self.channel, line)
        lines += self.changes(before, self._quiet_snapshot())
        self.last_output = "\n".join(lines)
        if lines:
            self.out(self.last_output)
        return True

    def _slash(self, line: str) -> list[str]:
        command, _, text = line.partition(" ")
        result = self.sandbox.as_user(self.user).command(command, text, channel=self.channel)
        result.ack
        if result.failed:
            raise LineFailed(f"{command} failed: Slack would show an error (the app did not answer in time)")
        return []

    def _sandbox_command(self, line: str) -> list[str]:
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        person = self.sandbox.as_user(self.user)
        if word == "help":
            return [HELP]
        if word == "switch":
            name = rest.lstrip("@")
            self.sandbox.user(name)  # raises for unknown people
            self.user = name
            return [f"(you are now @{name})"]
        if word == "channel":
            info = self._find_channel(rest.lstrip("#"))
            if self.sandbox.user(self.user)["id"] not in info["members"]:
                person.join(info["id"])
            self.channel = info["id"]
            return [f"(now in #{info['name']})"]
        if word == "channels":
            return [f"#{c['name']}" + (" (private)" if c.get("is_private") else "") +
                    (f"  topic: {c['topic']['value']}" if c.get("topic", {}).get("value") else "")
                    for c in self.sandbox.channels(include_archived=False)]
        if word == "click":
            return self._click(rest)
        if word == "view":
            view = person.view()
            return [self.sandbox.render(view)] if view else ["(no form is open)"]
        if word == "submit":
            values = dict(self._pair(part) for part in shlex.split(rest))
            result = person.submit_view(values)
            if result.errors:
                return ["form errors: " + "; ".join(f"{k}: {v}" for k, v in result.errors.items())]
            return []
        if word == "close":
            person.close_view()
            return ["(form closed)"]
        if word in ("react", "pin"):
            newest = self._newest_message()
            if word == "react":
                person.react(self.channel, newest["ts"], rest.strip(":") or "pushpin")
            else:
                person.pin(self.channel, newest["ts"])
            return []
        if word == "show":
            channel = rest.lstrip("#") or self.channel
            return [self._format(self.sandbox.render(m)) for m in self.sandbox.messages(channel)] or ["(no messages)"]
        if word == "dm":
            dm = self.sandbox.dm_channel(self.sandbox.user(self.user)["id"])
            return [self._format(self.sandbox.render(m)) for m in self.sandbox.messages(dm)] if dm else ["(no DMs)"]
        if word in ("advance", "wait"):
            try:
                delta = parse_duration(rest)
            except DurationError as exc:
                raise LineFailed(str(exc)) from None
            assert delta is not None
            if word == "advance":
                self.bot.advance(delta)
                time.sleep(0.2)  # timers fire on the bot's loop
            else:
                time.sleep(delta.total_seconds())
            return [f"(clock moved {rest})" if word == "advance" else f"(waited {rest})"]
        raise LineFailed(f"unknown sandbox command :{word}; type :help")

    def _click(self, label: str) -> list[str]:
        if not label:
            raise LineFailed("say which button: :click Acknowledge")
        person = self.sandbox.as_user(self.user)
        me = self.sandbox.user(self.user)["id"]
        candidates: list[dict[str, Any]] = list(reversed(self.sandbox.ephemerals(me, self.channel)))
        candidates += list(reversed(self.sandbox.messages(self.channel)))
        dm = self.sandbox.dm_channel(me)
        if dm:
            candidates += list(reversed(self.sandbox.messages(dm)))
        if person.view():
            try:
                person.click(label, in_view=True)
                return []
            except LookupError:
                pass
        for message in candidates:
            if _has_button(message, label):
                person.click(label, message=message)
                return []
        raise LineFailed(f"no button labelled {label!r} where you are (channel, your DMs or an open form)")

    def _quiet_snapshot(self, quiet: float = 0.15, limit: float = 5.0) -> Snapshot:
        """The workspace once the bot is done and nothing has changed for a moment (answers that go
        by response_url after an ack are not effects, so waiting on effects alone misses them)."""
        deadline = time.monotonic() + limit
        self.bot.settle(timeout=15, horizon=5)
        current = self.snapshot()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            self.bot.settle(timeout=15, horizon=5)
            later = self.snapshot()
            if later == current:
                return later
            current = later
        return current

    # what changed ------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        snap = Snapshot()
        me = self.sandbox.user(self.user)["id"]
        for channel in self.sandbox.channels():
            if channel.get("is_private") and me not in channel["members"] and not channel["name"].startswith("incident-"):
                continue
            snap.channels[channel["id"]] = channel["name"]
            snap.topics[channel["id"]] = channel.get("topic", {}).get("value", "")
            snap.pins[channel["id"]] = tuple(channel.get("pins", ()))
            for message in self.sandbox.messages(channel["id"]):
                snap.messages[(channel["id"], message["ts"])] = self.sandbox.render(message)
        dm = self.sandbox.dm_channel(me)
        if dm:
            for message in self.sandbox.messages(dm):
                snap.messages[(dm, message["ts"])] = self.sandbox.render(message)
        snap.ephemerals = len(self.sandbox.ephemerals(me))
        view = self.sandbox.as_user(self.user).view()
        snap.view = self.sandbox.render(view) if view else None
        return snap

    def changes(self, before: Snapshot, after: Snapshot) -> list[str]:
        out: list[str] = []
        me = self.sandbox.user(self.user)["id"]
        for channel_id, name in after.channels.items():
            if channel_id not in before.channels:
                out.append(f"+ channel #{name} created")
        for channel_id, topic in after.topics.items():
            if topic != before.topics.get(channel_id, "") and topic:
                out.append(f"~ #{after.channels[channel_id]} topic: {topic}")
        dm = self.sandbox.dm_channel(me)
        if dm:
            self._read_dms.setdefault(self.user, set()).update(ts for (ch, ts) in after.messages if ch == dm)
        for key, text in after.messages.items():
            where = self._where(key[0], after)
            if key not in before.messages:
                out.append(f"+ {where}:\n{self._format(text)}")
            elif before.messages[key] != text:
                out.append(f"~ {where} (edited):\n{self._format(text)}")
        for channel_id, pins in after.pins.items():
            for ts in set(pins) - set(before.pins.get(channel_id, ())):
                out.append(f"* pinned in #{after.channels[channel_id]}")
        for ephemeral in self.sandbox.ephemerals(me)[before.ephemerals:]:
            out.append("(only you) " + self._format(self.sandbox.render(ephemeral)).lstrip())
        if after.view and after.view != before.view:
            out.append(f"[form]\n{self._format(after.view)}\n(use :submit field=value ... or :close)")
        return out

    def _unread_dms(self) -> list[str]:
        dm = self.sandbox.dm_channel(self.sandbox.user(self.user)["id"])
        if not dm:
            return []
        read = self._read_dms.setdefault(self.user, set())
        out = [f"+ DM to @{self.user}:\n{self._format(self.sandbox.render(m))}"
               for m in self.sandbox.messages(dm) if m["ts"] not in read]
        read.update(m["ts"] for m in self.sandbox.messages(dm))
        return out

    # helpers -----------------------------------------------------------------------------------
    def _where(self, channel_id: str, snap: Snapshot) -> str:
        if channel_id in snap.channels:
            return f"#{snap.channels[channel_id]}"
        return f"DM to @{self.user}"

    def _find_channel(self, name: str) -> dict[str, Any]:
        """Exact name, else the newest channel whose name starts with it (incident names carry dates)."""
        try:
            return self.sandbox.channel(name)
        except (LookupError, ValueError, KeyError):
            matches = [c for c in self.sandbox.channels(include_archived=False) if c["name"].startswith(name)]
            if not matches:
                raise LineFailed(f"no channel #{name}; :channels lists them") from None
            return matches[-1]

    def _channel_name(self, channel: str) -> str:
        try:
            return self.sandbox.channel(channel)["name"]
        except Exception:
            return channel

    def _newest_message(self) -> dict[str, Any]:
        messages = self.sandbox.messages(self.channel)
        if not messages:
            raise LineFailed("no message here yet")
        return messages[-1]

    @staticmethod
    def _pair(part: str) -> tuple[str, Any]:
        if "=" not in part:
            raise LineFailed(f"write fields as name=value, got {part!r}")
        key, value = part.split("=", 1)
        return key, (value.split(",") if "," in value else value)

    @staticmethod
    def _format(text: str) -> str:
        return "\n".join("    " + line for line in text.splitlines())


def _has_button(message: dict[str, Any], label: str) -> bool:
    for block in message.get("blocks") or []:
        elements = block.get("elements") or []
        if block.get("accessory"):
            elements = [*elements, block["accessory"]]
        for element in elements:
            text = (element.get("text") or {}).get("text") if isinstance(element.get("text"), dict) else None
            if element.get("type") == "button" and (text == label or element.get("action_id") == label):
                return True
    return False
