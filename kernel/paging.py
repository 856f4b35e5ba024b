"""Paging: getting a human to answer, level by level, until someone acknowledges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class EscalationState(StrEnum):
    ACTIVE = "active"              # pages out, waiting for someone
    ACKNOWLEDGED = "acknowledged"  # someone answered: escalation stops
    EXHAUSTED = "exhausted"        # every level and repeat paged, nobody answered (still acknowledgeable)
    RESOLVED = "resolved"          # the subject ended (alert resolved, incident resolved)


@dataclass(frozen=True)
class Level:
    targets: tuple[str, ...]           # "user:U123", "schedule:<name>", "usergroup:S123"
    timeout: timedelta | None          # None: this level waits for ever (direct pages)


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 0                    # extra rounds through all levels (0-9)


@dataclass(frozen=True)
class Escalation:
    id: int
    subject: str
    policy: str | None
    levels: tuple[Level, ...]
    repeat: int
    level: int
    round: int
    state: EscalationState
    reason: str
    created_by: str | None
    created_at: float
    acked_by: str | None
    acked_at: float | None
    ack_note: str | None
    ended_by: str | None
    ended_at: float | None

    @property
    def subject_kind(self) -> str:
        return self.subject.split(":", 1)[0]

    @property
    def subject_id(self) -> int:
        return int(self.subject.split(":", 1)[1])

    @property
    def can_acknowledge(self) -> bool:
        return self.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED)

    @property
    def has_next_level(self) -> bool:
        return self.level + 1 < len(self.levels) or self.round < self.repeat


@dataclass(frozen=True)
class Page:
    id: int
    escalation_id: int
    user: str
    level: int
    round: int
    via: str
    sent_at: float
    dm_group: str | None = None      # pages shown together in one DM (alerts from one source)
    paged_by: str | None = None      # who made this level be paged; None: a timeout, nobody having answered

    @property
    def surface(self) -> str:
        return self.dm_group or f"page:{self.id}"


@dataclass(frozen=True)
class PageGroup:
    """One DM's pages as its message needs them, however many a storm put in it."""

    first: Page
    last: Page
    one_escalation: bool      # every page in it is about one alert (paged again on a repeat)
