"""What an incident and its record are, independent of any chat platform or database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()


OPEN_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    description: str
    severity: str
    status: Status
    commander: str
    declared_by: str
    declared_at: float
    declared_in: str | None
    is_private: bool
    channel_name: str
    channel_id: str | None
    resolved_at: float | None
    summary: str | None
    root_cause: str | None
    mitigation: str | None
    last_update_at: float
    snoozed_until: float | None
    source: dict[str, Any]
    updated_at: float
    incident_type: str | None = None     # the incident_types: entry (response plan) it was declared with

    @property
    def is_open(self) -> bool:
        return self.status != Status.RESOLVED

    @property
    def reference(self) -> str:
        return f"#{self.id}"


# timeline kinds whose text is plain: the incident's title, a link's or a checklist item's name, an
# acknowledgement's note (templates print these escaped; every other kind's text is mrkdwn)
PLAIN_TEXT_KINDS = frozenset({"declared", "link", "checklist", "acknowledged"})


@dataclass(frozen=True)
class TimelineEvent:
    """``text`` is Slack mrkdwn (``& < >`` escaped: what people wrote in Slack or on the web), except for
    the kinds in :data:`PLAIN_TEXT_KINDS`, whose text is a title or a name as typed."""

    id: int
    incident_id: int
    at: float
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]
    is_key: bool
    message_ts: str | None = None
    edited_at: float | None = None
    deleted_at: float | None = None


@dataclass(frozen=True)
class ChecklistItem:
    """One step of a response plan's checklist, as posted on declare; ``done_at`` None: not ticked."""
    id: int
    incident_id: int
    position: int
    text: str
    done_at: float | None
    done_by: str | None


@dataclass(frozen=True)
class FollowUp:
    id: int
    incident_id: int
    text: str
    owner: str | None
    created_by: str
    created_at: float
    done_at: float | None


@dataclass(frozen=True)
class Link:
    id: int
    incident_id: int
    url: str
    title: str
    added_by: str
    added_at: float
    bookmark_id: str | None


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents a list shows: every field left empty matches everything."""
    state: str = ""                      # "open" | "resolved" | "" (both)
    severity: str = ""                   # as shown ("SEV1")
    declared_from: float | None = None   # declared at or after
    declared_before: float | None = None
    title: str = ""                      # a part of the title, any case
    limit: int = 25
    offset: int = 0
