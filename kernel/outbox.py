"""What the outbox, the timers and the surfaces table hold: work recorded for later, due times,
and what was last written to each living chat surface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Effect:
    id: int
    kind: str
    lane: str
    payload: dict[str, Any]
    attempts: int                 # attempts started before this one
    first_attempt_at: float | None
    due_at: float
    depends_on: int | None
    created_at: float

    @property
    def maybe_performed(self) -> bool:
        """An earlier attempt started and may have reached Slack before we lost track (crash, timeout)."""
        return self.attempts > 0


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    subject: str
    due_at: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class Surface:
    key: str
    channel: str | None
    ts: str | None
    digest: str | None
