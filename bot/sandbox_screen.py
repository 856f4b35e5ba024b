"""What one person in ``warroom sandbox`` can see, and how a change to it reads in a terminal.

A :class:`Snapshot` holds what Slack would show the person (the channels they are in with their
threads, their DMs from warroom, what was shown only to them, their open form); :meth:`Screen.changes`
turns the difference between two snapshots into the lines Slack would notify them of: new
messages with author and time, an edit as one line, deletions, pins, topics, new channels.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox_forms import describe
from sandbox import PLAIN, Style

# What a message shows; reply counts, reactions and pins change without the message changing.
_CONTENT = ("user", "ts", "text", "blocks", "attachments", "thread_ts", "edited")
INDENT = "    "


@dataclass
class Snapshot:
    channels: dict[str, str] = field(default_factory=dict)                  # id -> name, the person's
    known: set[str] = field(default_factory=set)                            # every channel's id
    topics: dict[str, str] = field(default_factory=dict)
    pins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)   # (channel, ts)
    ephemerals: int = 0
    view: dict[str, Any] | None = None


class Screen:
    """One person's view of the sandbox: snapshots, changes and messages as text."""

    def __init__(self, sandbox: Any, user: str, style: Style) -> None:
        self.sandbox = sandbox
        self.user = user
        self.style = style
        person = sandbox.user(user)
        self.me: str = person["id"]
        self.tz: str = person.get("tz") or "UTC"

    # reading ----------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        snap = Snapshot()
        for channel in self.sandbox.channels():
            snap.known.add(channel["id"])
            if self.me not in channel["members"] or channel.get("is_archived"):
                continue
            snap.channels[channel["id"]] = channel["name"]
            snap.topics[channel["id"]] = channel.get("topic", {}).get("value", "")
            snap.pins[channel["id"]] = tuple(channel.get("pins", ()))
            self._add_messages(snap, channel["id"])
        dm = self.dm()
        if dm:
            self._add_messages(snap, dm)
        snap.ephemerals = len(self.sandbox.ephemerals(self.me))
        snap.view = self.sandbox.as_user(self.me).view()
        return snap

    def _add_messages(self, snap: Snapshot, channel: str) -> None:
        for message in self.sandbox.messages(channel):
            snap.messages[(channel, message["ts"])] = _content(message)
            if message.get("reply_count"):
                for reply in self.sandbox.messages(channel, thread_ts=message["ts"])[1:]:
                    snap.messages[(channel, reply["ts"])] = _content(reply)

    def dm(self) -> str | None:
        """The person's DM with warroom, once warroom has written there."""
        return self.sandbox.dm_channel(self.me)

    # what changed -----------------------------------------------------------------------------
    def changes(self, before: Snapshot, after: Snapshot, *, joined_by_hand: str | None = None) -> list[str]:
        """Lines for what is new in ``after``. A channel the person has just joined is a new
        baseline (its history is not news), unless it was created just now."""
        out: list[str] = []
        baseline: set[str] = set()      # joined, not created: what was said before is not news
        for channel_id, name in after.channels.items():
            if channel_id in before.channels:
                continue
            if channel_id not in before.known:
                out.append(f"+ channel #{name} created")
                continue
            baseline.add(channel_id)
            if channel_id != joined_by_hand:
                out.append(f"+ you were added to #{name}")
        for channel_id, topic in after.topics.items():
            if topic and topic != before.topics.get(channel_id, "") and channel_id not in baseline:
                out.append(f"{self.where(channel_id, after)} · topic: {self.text(topic)}")
        for (channel_id, ts), message in after.messages.items():
            old = before.messages.get((channel_id, ts))
            if channel_id in baseline:
                continue
            if old is None:
                out.append(self.message(message, where=self.where(channel_id, after, message)))
            elif old != message:
                out.append(self._edit_line(channel_id, old, message, after))
        visible = set(after.channels) | {self.dm()}
        for (channel_id, ts), message in before.messages.items():
            parent = message.get("thread_ts")
            if parent and (channel_id, parent) not in after.messages:
                continue   # its thread went with the parent
            if (channel_id, ts) not in after.messages and channel_id in visible:
                out.append(f"{self.where(channel_id, after)} · 🗑 {self.name(message.get('user'))} "
                           f"deleted a message: {self._first_line(message)}")
        for channel_id, pins in after.pins.items():
            if channel_id in baseline:
                continue
            for ts in sorted(set(pins) - set(before.pins.get(channel_id, ()))):
                pinned = after.messages.get((channel_id, ts))
                out.append(f"{self.where(channel_id, after)} · 📌 pinned"
                           + (f": {self._first_line(pinned)}" if pinned else ""))
        for ephemeral in self.sandbox.ephemerals(self.me)[before.ephemerals:after.ephemerals]:
            where = f"{self.where(ephemeral['channel'], after)} · only visible to you"
            author = None if ephemeral.get("source") == "error" else self.sandbox.bot_user_id
            out.append(self.message(dict(ephemeral, user=author), where=where))
        if after.view and after.view != before.view:
            out.append(f"[form]\n{indent(self.render(after.view))}\n" + "\n".join(self.form_fields(after.view)))
        return out

    def unread(self, snap: Snapshot, read: set[tuple[str, str]]) -> list[str]:
        """What Slack would badge for someone coming back: DMs and mentions of them not yet read."""
        mention = f"<@{self.me}"
        fresh = [(key, m) for key, m in snap.messages.items() if key not in read and m.get("user") != self.me
                 and (key[0] == self.dm() or mention in str(m.get("text", "")) or mention in str(m.get("blocks", "")))]
        return [self.message(m, where=self.where(key[0], snap, m))
                for key, m in sorted(fresh, key=lambda item: float(item[1]["ts"]))]

    def _edit_line(self, channel_id: str, old: dict[str, Any], new: dict[str, Any], snap: Snapshot) -> str:
        editor = (new.get("edited") or {}).get("user") or new.get("user")
        return f"{self.where(channel_id, snap, new)} · ✎ edited by {self.name(editor)}: {self._changed_line(old, new)}"

    def _changed_line(self, old: dict[str, Any], new: dict[str, Any]) -> str:
        """The first line the edit changed or added (or removed, when it only removed lines)."""
        before = self.render(old).splitlines()
        after = self.render(new).splitlines()
        for tag, i1, _i2, j1, _j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if tag in ("replace", "insert"):
                return after[j1].strip()
            if tag == "delete":
                return f"removed {before[i1].strip()}"
        return "(no visible change)"

    # as text ----------------------------------------------------------------------------------
    def form_fields(self, view: dict[str, Any]) -> list[str]:
        people = [u["name"] for u in self.sandbox.users() if not u.get("is_bot") and not u.get("deleted")]
        return [*describe(view, people), "(:submit name=value ... sends it, :close closes it)"]

    def render(self, obj: dict[str, Any] | None) -> str:
        return self.sandbox.render(obj, self.style, self.tz)

    def text(self, mrkdwn: str) -> str:
        return self.render({"text": mrkdwn})

    def message(self, message: dict[str, Any], *, where: str | None = None,
                number: int | None = None) -> str:
        """``#channel · author 14:05`` and the message, indented."""
        head = [where] if where else []
        if number is not None:
            head.insert(0, f"^{number}")
        author = f"{self.bold(self.name(message.get('user')))} {self.clock(message.get('ts'))}"
        replies = message.get("reply_count")
        if replies and number is not None:
            author += f" ({replies} {'reply' if replies == 1 else 'replies'}; :show ^{number} shows them)"
        return " · ".join([*head, author]) + "\n" + indent(self.render(message))

    def where(self, channel_id: str, snap: Snapshot, message: dict[str, Any] | None = None) -> str:
        if channel_id == self.dm():
            place = "DM from warroom"
        else:
            name = snap.channels.get(channel_id) or self.channel_name(channel_id)
            place = f"#{name}"
        if message and message.get("thread_ts") and message["thread_ts"] != message.get("ts"):
            parent = snap.messages.get((channel_id, message["thread_ts"]))
            place += " · thread" + (f" of “{self._first_line(parent, 40)}”" if parent else "")
        return place

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "Slack"
        try:
            return self.sandbox.user(user_id)["name"]
        except KeyError:
            return user_id

    def clock(self, ts: str | None) -> str:
        if not ts:
            return ""
        return datetime.fromtimestamp(float(ts), ZoneInfo(self.tz)).strftime("%H:%M")

    def bold(self, text: str) -> str:
        return self.style.bold[0] + text + self.style.bold[1]

    def _first_line(self, message: dict[str, Any], limit: int = 80) -> str:
        """A message's first line, cut to ``limit``, for a header: drawn without escape codes, so the
        cut never leaves half of one (or a bold that never ends) on the line."""
        plain = self.sandbox.render(message, PLAIN, self.tz)
        line = next((ln.strip() for ln in plain.splitlines() if ln.strip()), "")
        return line if len(line) <= limit else line[:limit - 1] + "…"

    def channel_name(self, channel_id: str) -> str:
        try:
            return self.sandbox.channel(channel_id)["name"]
        except KeyError:
            return channel_id


def _content(message: dict[str, Any]) -> dict[str, Any]:
    content = {k: message[k] for k in _CONTENT if k in message}
    if content.get("thread_ts") == content.get("ts"):
        del content["thread_ts"]   # a message gains it when its first reply arrives
    return content


def indent(text: str) -> str:
    return "\n".join(INDENT + line for line in text.splitlines())
