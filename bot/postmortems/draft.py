"""What a postmortem draft says, worked out from the record with bounded reads: the incident's row, its
key events (the store's timeline query, key events only), counts by kind, roles and follow-ups. An
incident with 25,000 entries costs the same few queries as one with ten.

The durations, measured from the declare:
- to acknowledge: the first key event in which a person answered: a page acknowledged, a status change
  or a note for the record;
- to mitigate: the first status update to *monitoring* (the fix is in, being watched);
- to resolve: the resolve (the last one, when the incident was reopened).
A duration the record does not show (never set to monitoring) is None and the draft says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from kernel.incidents import FollowUp, Incident, TimelineEvent
from storage.incidents import IncidentStore

ANSWER_KINDS = frozenset({"acknowledged", "update", "note"})
MITIGATED_STATUS = "monitoring"
MAX_KEY_EVENTS = 200     # the draft lists this many key events; the record keeps them all
LAST_KEY_EVENTS = 50     # of which the last ones: a long incident's draft still shows how it ended


@dataclass(frozen=True)
class Durations:
    to_acknowledge: float | None
    to_mitigate: float | None
    to_resolve: float | None


@dataclass(frozen=True)
class DraftFacts:
    incident: Incident
    key_events: list[TimelineEvent]        # the first ones
    last_key_events: list[TimelineEvent]   # after a gap of more_key_events, when there were too many
    more_key_events: int
    counts: dict[str, int]
    people: int
    roles: dict[str, str]
    followups: list[FollowUp]
    durations: Durations
    narrative: str | None


def durations(incident: Incident, key_events: list[TimelineEvent]) -> Durations:
    """The three durations from the declare (see the module's docstring), in seconds."""
    start = incident.declared_at
    answered = next((e.at for e in key_events if e.kind in ANSWER_KINDS and e.actor and e.at >= start), None)
    mitigated = next((e.at for e in key_events if e.kind == "update" and e.at >= start
                      and e.data.get("status") == MITIGATED_STATUS), None)
    resolved = incident.resolved_at
    return Durations(
        to_acknowledge=None if answered is None else answered - start,
        to_mitigate=None if mitigated is None else mitigated - start,
        to_resolve=None if resolved is None else resolved - start,
    )


def gather(store: IncidentStore, incident: Incident, narrative: str | None = None) -> DraftFacts:
    key_events = store.timeline(incident.id, key_only=True)
    too_many = len(key_events) > MAX_KEY_EVENTS
    head = key_events[:MAX_KEY_EVENTS - LAST_KEY_EVENTS] if too_many else key_events
    tail = key_events[-LAST_KEY_EVENTS:] if too_many else []
    return DraftFacts(
        incident=incident, key_events=head, last_key_events=tail,
        more_key_events=len(key_events) - len(head) - len(tail), counts=store.timeline_counts(incident.id),
        people=len(store.people(incident.id)),        roles=store.roles(incident.id), followups=store.followups(incident.id),
        durations=durations(incident, key_events), narrative=narrative,
    )


def markdown_context(facts: DraftFacts, name_of: Callable[[str], str]) -> dict:
    """What templates/postmortem/draft.md.j2 is given: people by name (a file shows no mentions)."""
    def who(user: str | None) -> str:
        return name_of(user) if user else "warroom"
    return {
        "incident": facts.incident, "key_events": facts.key_events, "last_key_events": facts.last_key_events,
        "more_key_events": facts.more_key_events,
        "counts": facts.counts, "roles": facts.roles, "followups": facts.followups,
        "durations": facts.durations, "narrative": facts.narrative, "who": who, "people": facts.people,
        "md": lambda text: to_markdown(text, name_of),
    }


_ANGLE = re.compile(r"<([^<>]+)>")


def to_markdown(text: str | None, name_of: Callable[[str], str]) -> str:
    """Recorded Slack mrkdwn as Markdown a file reader sees: ``<@U1>`` -> @name, ``<url|label>`` ->
    ``[label](url)``, ``<#C1|name>`` -> #name, Slack's escapes undone; one line (a list item per event)."""
    def angle(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or name_of(target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"[{label}]({target})" if label else f"<{target}>"
    plain = _ANGLE.sub(angle, text or "")
    return " ".join(plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())
