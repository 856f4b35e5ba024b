"""What a notification is about, in the words the templates need (no Slack markup: plain text)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.notify import Notification
from storage.alerts import AlertStore
from storage.incidents import IncidentStore
from storage.paging import PagingStore


@dataclass(frozen=True)
class Subject:
    kind: str            # alert | incident | test
    id: int
    label: str           # "Alert #5", "Incident #3"
    level: str           # "high", "SEV2"
    title: str
    details: str


class Subjects:
    def __init__(self, paging: PagingStore, alerts: AlertStore, incidents: IncidentStore) -> None:
        self.paging = paging
        self.alerts = alerts
        self.incidents = incidents

    def of(self, notification: Notification) -> Subject:
        if notification.test or notification.escalation_id is None:
            return Subject("test", 0, "Test page", "test", "warroom test page", "")
        escalation = self.paging.get(notification.escalation_id)
        assert escalation is not None
        if escalation.subject_kind == "alert":
            alert = self.alerts.get(escalation.subject_id)
            if alert is not None:
                return Subject("alert", alert.id, f"Alert #{alert.id}", alert.priority, alert.summary,
                               (alert.details or "")[:500])
        incident = self.incidents.get(escalation.subject_id) if escalation.subject_kind == "incident" else None
        if incident is not None:
            return Subject("incident", incident.id, f"Incident #{incident.id}", incident.severity.upper(),
                           incident.title, (escalation.reason or "")[:500])
        return Subject(escalation.subject_kind, escalation.subject_id, f"Page #{escalation.id}", "high",
                       escalation.reason or "", "")
