"""The prompt: an incident's record and channel as plain text for a chat-completions endpoint.

What is sent, and how it is bounded:
- always the record's head: title, severity, status, who declared and commands it, the roles, the
  description and resolution, the open follow-ups;
- the record's events (status updates, severity and role changes, notes, links, pages), newest first,
  at most ``MAX_EVENTS`` read;
- with ``all`` (a public incident, or a private one warroom.yml lets out) the channel's messages, the
  newest ``MAX_MESSAGES`` read, newest first, key events (📌) marked so;
- each line cut at ``MAX_LINE`` characters, and all of it within ``ai.max_prompt_chars``: the events
  may take half of what the head leaves, the messages the rest; what does not fit is the oldest, and
  the prompt says how many were left out. Lines are then put back in time order.
Nothing else of warroom (other incidents, alerts, people's contacts) is ever in a prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bot.clock import Clock
from bot.config import Config
from bot.config.ai import PRIVATE_ALL
from bot.text import Texts
from kernel.incidents import Incident, TimelineEvent
from storage.incidents import IncidentStore

TEMPLATE = "ai/prompts"
MAX_EVENTS = 400
MAX_MESSAGES = 400
MAX_LINE = 1_000
SEPARATORS = 300     # characters kept for the headers and blank lines between the parts
# events that say nothing to a reader catching up (who joined, reminders, delivery of pages)
QUIET_KINDS = frozenset({"joined", "notified", "pulse", "snooze"})


@dataclass(frozen=True)
class Readable:
    """How the chat adapter's stored text reads as plain words: people by name, markup undone."""

    name_of: Callable[[str], str]      # a user ID -> "@alice"
    plain: Callable[[str], str]        # stored chat text -> plain text


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]     # the chat-completions "messages"
    channel_messages: int              # channel messages included
    left_out: int                      # events and messages left out for length


class PromptMaker:
    def __init__(self, store: IncidentStore, texts: Texts, config: Config, clock: Clock, readable: Readable) -> None:
        self.store = store
        self.texts = texts
        self.config = config
        self.clock = clock
        self.readable = readable

    def summary(self, incident: Incident, scope: str) -> Prompt:
        return self._prompt(incident, scope, "summary")

    def narrative(self, incident: Incident, scope: str) -> Prompt:
        return self._prompt(incident, scope, "narrative")

    def _prompt(self, incident: Incident, scope: str, task: str) -> Prompt:
        t = self.texts
        system = t.plain(TEMPLATE, f"{task}_system")
        closing = t.plain(TEMPLATE, f"{task}_task")
        budget = self.config.ai.max_prompt_chars - len(system) - len(closing) - SEPARATORS
        head = _within(self._record(incident), budget)   # a record of long texts may take it all
        room = max(0, budget - len(head))
        with_messages = scope == PRIVATE_ALL
        events = self.store.latest_events(incident.id, messages=False, limit=MAX_EVENTS, leaving_out=QUIET_KINDS)
        event_lines, events_left = self._fit([self._line("event", e, incident) for e in events],
                                             room // 2 if with_messages else room)
        if len(events) == MAX_EVENTS:   # more than were read: the rest are older still
            events_left += self.store.count_events(incident.id, messages=False, leaving_out=QUIET_KINDS) - MAX_EVENTS
        parts = [head, *self._part("events", event_lines, events_left)]
        message_lines: list[str] = []
        messages_left = 0
        if with_messages:
            said = self.store.latest_events(incident.id, messages=True, limit=MAX_MESSAGES)
            room -= sum(len(line) + 1 for line in event_lines)
            message_lines, messages_left = self._fit([self._line("message", e, incident) for e in said], room)
            if len(said) == MAX_MESSAGES:
                messages_left += self.store.count_events(incident.id, messages=True) - MAX_MESSAGES
            parts += self._part("messages", message_lines, messages_left)
        else:
            parts.append(t.plain(TEMPLATE, "record_only"))
        parts.append(closing)
        return Prompt([{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}],
                      len(message_lines), events_left + messages_left)

    def _record(self, incident: Incident) -> str:
        name = self.readable.name_of
        severity = self.config.severity(incident.severity)
        roles = [(role, name(user)) for role, user in self.store.roles(incident.id).items() if role != "commander"]
        followups = [self._cut(self.readable.plain(f.text)) for f in self.store.followups(incident.id, open_only=True)]
        return self.texts.plain(
            TEMPLATE, "record", incident=incident, severity_description=severity.description if severity else "",
            declared_by=name(incident.declared_by), commander=name(incident.commander), roles=roles,
            followups=followups[:20], now=self.clock.time())

    def _line(self, block: str, event: TimelineEvent, incident: Incident) -> str:
        spans_days = (incident.resolved_at or self.clock.time()) - incident.declared_at > 20 * 3600
        at = self.texts.when(event.at) if spans_days else self.texts.clock(event.at)
        user = event.data.get("user") if isinstance(event.data, dict) else None
        return self._cut(self.texts.plain(
            TEMPLATE, block, event=event, at=at, actor=self.readable.name_of(event.actor) if event.actor else "warroom",
            user=self.readable.name_of(user) if user else "", text=self.readable.plain(event.text or "")))

    def _part(self, what: str, lines: list[str], left_out: int) -> list[str]:
        """A part of the prompt under its header, saying first how many older lines did not fit."""
        if not lines and not left_out:
            return []
        note = [self.texts.plain(TEMPLATE, "left_out", count=left_out, what=what)] if left_out else []
        return ["\n".join([self.texts.plain(TEMPLATE, f"{what}_header"), *note, *lines])]

    @staticmethod
    def _cut(text: str) -> str:
        return _within(text, MAX_LINE)

    @staticmethod
    def _fit(newest_first: list[str], room: int) -> tuple[list[str], int]:
        """As many of the newest lines as fit in ``room`` characters, in time order; and how many did not."""
        kept: list[str] = []
        used = 0
        for line in newest_first:
            if used + len(line) + 1 > room:
                break
            kept.append(line)
            used += len(line) + 1
        return kept[::-1], len(newest_first) - len(kept)


def _within(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
