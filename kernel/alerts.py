"""Alerts, as ilert has them: pending (escalating), accepted (acknowledged), resolved (final)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AlertStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"


SOURCE_TYPES = ("slack", "alertmanager", "webhook", "heartbeat")
PRIORITIES = ("high", "low")


@dataclass(frozen=True)
class SourceLimits:
    """What one webhook source may send (warroom.yml ``alert_sources[].limits``), so a noisy one
    cannot starve the others or fill the disk."""

    # the defaults take the storm warroom is built for (10,000 alerts in a minute from one source)
    alerts_per_second: int = 200               # sustained rate of events; over it: 429 with Retry-After
    burst: int = 2000                          # events that may arrive at once before the rate applies
    open_alerts: int = 10_000                  # open alerts at once; new ones beyond are refused


@dataclass(frozen=True)
class MaintenanceWindow:
    """When a source's alerts are recorded and shown but nobody is paged (warroom.yml). Either once,
    from ``start`` to ``end`` (epoch seconds), or every week: ``weekly`` is a window of local wall
    time in ``timezone`` (a :class:`kernel.schedules.Restriction`)."""

    timezone: str
    start: float | None = None
    end: float | None = None
    weekly: Any = None


@dataclass(frozen=True)
class AlertSource:
    name: str
    type: str                                  # slack | alertmanager | webhook
    escalation_policies: tuple[str, ...]       # one for webhooks; the choices for slack
    priority: str = "high"                     # high escalates; low notifies level 1 only
    channel: str | None = None                 # where its alerts are posted (default: channels.alerts)
    channels: tuple[str, ...] = ()             # slack: channels where anyone may raise alerts
    key_env: str | None = None                 # webhooks: environment variable holding the bearer key
    limits: SourceLimits = SourceLimits()      # webhooks
    period: float | None = None                # heartbeat: seconds without a ping before it alerts
    maintenance: tuple["MaintenanceWindow", ...] = ()   # when its alerts are recorded, not paged

    @property
    def escalation_policy(self) -> str | None:
        return self.escalation_policies[0] if self.escalation_policies else None


@dataclass(frozen=True)
class Alert:
    id: int
    source: str
    dedup_key: str | None
    summary: str
    details: str
    priority: str
    status: AlertStatus
    policy: str | None
    channel: str
    created_by: str | None
    created_at: float
    updated_at: float
    event_count: int
    accepted_by: str | None
    accepted_at: float | None
    resolved_by: str | None
    resolved_at: float | None
    incident_id: int | None
    labels: dict[str, Any] = field(default_factory=dict)
    batch_id: int | None = None           # the channel message that shows it
    silenced: str | None = None           # recorded without paging: maintenance | silence

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.RESOLVED
