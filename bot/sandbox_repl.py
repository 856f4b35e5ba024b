"""The person at the keyboard in ``warroom sandbox``: each line is something a Slack user does, and
after it the REPL prints what changed for them (posts, edits, pins, topics, DMs, forms). What
happens meanwhile (an alert from the webhook, a page, a pulse) is printed by :meth:`Repl.poll`
from a background watcher, or at the next line in scripts."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from bot.embedded import EmbeddedBot
from bot.sandbox_commands import HELP, LineFailed, SandboxCommands
from bot.sandbox_screen import Screen, Snapshot
from sandbox import PLAIN, Style

__all__ = ["HELP", "LineFailed", "Repl"]


class Repl(SandboxCommands):
    def __init__(self, sandbox: Any, bot: EmbeddedBot, out: Callable[[str], None] = print, *,
                 style: Style = PLAIN, shortcuts: list[dict[str, Any]] | None = None,
                 slash_commands: tuple[str, ...] = ()) -> None:
        self.sandbox = sandbox
        self.bot = bot
        self.out = out
        self.style = style
        self.shortcuts = shortcuts or []
        self.slash_commands = slash_commands
        self.channel = sandbox.channel("general")["id"]
        self.last_output = ""
        self.lock = threading.RLock()       # one line, or one background print, at a time
        self._read: dict[str, set[tuple[str, str]]] = {}     # person -> (channel, ts) they have seen
        self._home_shown = False
        self._use("alice")

    @property
    def prompt(self) -> str:
        return f"{self.user} in #{self.screen.channel_name(self.channel)}> "

    def _use(self, user: str) -> None:
        self.screen = Screen(self.sandbox, user, self.style)
        self._polled: Snapshot | None = None
        self._saw(self.screen.snapshot())

    def completions(self) -> list[str]:
        """Words the Tab key completes: sandbox commands, people, channels and slash commands."""
        commands = [f":{name[len('_cmd_'):]}" for name in dir(self) if name.startswith("_cmd_")]
        commands += [":switch", ":channel", ":expect", ":quit"]
        people = [f"@{u['name']}" for u in self.sandbox.users() if not u.get("deleted")]
        channels = [f"#{c['name']}" for c in self.sandbox.channels(include_archived=False)]
        return sorted(commands) + people + channels + list(self.slash_commands)

    # one line ----------------------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Do one line; False means quit. Raises :class:`LineFailed` when the line cannot be done."""
        line = line.strip()
        if not line or line.startswith("#!"):
            return True
        if line in (":quit", ":exit", ":q"):
            return False
        with self.lock:
            self.catch_up()
            if line.startswith(":expect "):
                wanted = line[len(":expect "):].strip()
                if wanted not in self.last_output:
                    raise LineFailed(f"expected to see {wanted!r} in the last output")
                return True
            self.last_output = ""
            joined: str | None = None
            if line.startswith("/"):
                lines = self._slash(line)
            elif line.startswith(":"):
                word, _, rest = line[1:].partition(" ")
                if word == "switch":
                    self._show(self._switch(rest.strip()))
                    return True
                if word == "channel":
                    joined = self._enter_channel(rest.strip())
                    lines = [f"(now in #{self.screen.channel_name(joined)})"]
                else:
                    lines = self._sandbox_command(word, rest.strip())
            else:
                self.sandbox.as_user(self.user).post(self.channel, line)
                lines = []
            after = self._quiet_snapshot()
            lines += self.screen.changes(self.seen, after, joined_by_hand=joined)
            self._saw(after)
            self._show(lines)
        return True

    def catch_up(self) -> None:
        """Print whatever changed since the last line (the line boundary of a script)."""
        with self.lock:
            now = self.screen.snapshot()
            if now != self.seen:
                self._show(self.screen.changes(self.seen, now))
                self._saw(now)

    def poll(self) -> None:
        """For a background watcher: print what changed once it has held still for one poll,
        unless a line is being done (that line prints it)."""
        if not self.lock.acquire(blocking=False):
            return
        try:
            now = self.screen.snapshot()
            if now != self.seen and now == self._polled:
                self._show(self.screen.changes(self.seen, now))
                self._saw(now)
            self._polled = now
        finally:
            self.lock.release()

    def _show(self, lines: list[str]) -> None:
        if lines:
            text = "\n".join(lines)
            self.last_output = f"{self.last_output}\n{text}" if self.last_output else text
            self.out(text)

    def _saw(self, snap: Snapshot) -> None:
        self.seen = snap
        self._read.setdefault(self.user, set()).update(self.seen.messages)

    def _slash(self, line: str) -> list[str]:
        command, _, text = line.partition(" ")
        result = self.sandbox.as_user(self.user).command(command, text, channel=self.channel)
        if result.refused:  # Slack never sent it on: its own words say why, once
            self._saw(self.screen.snapshot())
            raise LineFailed(result.text.split("\n")[0])
        result.ack
        if result.failed:
            raise LineFailed(f"{command} failed: Slack would show an error (the app did not answer in time)")
        return []

    # people and places -------------------------------------------------------------------------
    def _switch(self, name: str) -> list[str]:
        """What the new person sees is the new baseline, except DMs and mentions they have not read."""
        name = name.lstrip("@")
        try:
            self.sandbox.user(name)
        except KeyError:
            raise LineFailed(f"no person {name!r}; :people lists them") from None
        read = set(self._read.get(name, ()))
        self._use(name)
        where = ""
        if self.screen.me not in self.sandbox.channel(self.channel)["members"]:
            self.channel = self.sandbox.channel("general")["id"]
            where = f"; @{name} is not in that channel, so you are in #general"
        return [f"(you are now @{name}{where})", *self.screen.unread(self.seen, read)]

    def _enter_channel(self, name: str) -> str:
        info = self._find_channel(name.lstrip("#"))
        if self.screen.me not in info["members"]:
            try:
                self.sandbox.as_user(self.user).join(info["id"])
            except PermissionError as exc:
                raise LineFailed(str(exc)) from None
        self.channel = info["id"]
        return info["id"]

    # waiting for the workspace to settle -------------------------------------------------------
    def _quiet_snapshot(self, quiet: float = 0.15, limit: float = 5.0) -> Snapshot:
        """The workspace once the bot is done and nothing has changed for a moment (answers that go
        by response_url after an ack are not effects, so waiting on effects alone misses them)."""
        deadline = time.monotonic() + limit
        self.bot.settle(timeout=15, horizon=5)
        current = self.screen.snapshot()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            self.bot.settle(timeout=15, horizon=5)
            later = self.screen.snapshot()
            if later == current:
                return later
            current = later
        return current


