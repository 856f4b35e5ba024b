"""A follow-up's ticket in the team's tracker (GitHub Issues, Jira, Linear): what storage, config and
the domain share about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TRACKER_KINDS = ("github", "jira", "linear")


class TicketState(StrEnum):
    FILING = "filing"      # asked for; the effect that files it is recorded (or running)
    OPEN = "open"          # filed; the poll reads it until it is closed
    CLOSED = "closed"      # closed in the tracker: the follow-up was marked done
    FAILED = "failed"      # could not be filed (credentials, permissions, validation): asked again by hand
    GONE = "gone"          # deleted or moved out of reach in the tracker: no longer polled


@dataclass(frozen=True)
class Ticket:
    followup_id: int
    tracker: str
    state: TicketState
    marker: str
    ref: str | None
    remote_id: str | None
    url: str | None
    error: str | None
    requested_by: str | None
    requested_at: float
    filed_at: float | None
    checked_at: float | None
    closed_at: float | None


@dataclass(frozen=True)
class TicketRef:
    """A ticket as the tracker named it when it was filed or found."""

    ref: str          # what people read: acme/ops#12, OPS-42, ENG-7
    remote_id: str    # what the API takes to read it again
    url: str
