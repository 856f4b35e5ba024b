"""Which changes are webhook events, and the deliveries they make, recorded in the change's own transaction.

Nothing in the incident or alert operations calls this: the stores tell it of every timeline entry and
every alert log entry as they are written (their ``observers``), and the one mapping below says which of
those are webhook events. An operation that records its change on the timeline is covered by that alone.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from bot.clock import Clock
from bot.effects.outbox import Effects
from kernel.alerts import Alert
from kernel.incidents import Incident, TimelineEvent
from kernel.text import as_typed, unescape_mrkdwn
from kernel.webhooks import BODY_VERSION, OutboundWebhook
from storage.alerts import AlertStore
from storage.incidents import IncidentStore

DELIVER = "webhook.deliver"
# alert log entries that are webhook events (the log's kind -> the event)
ALERT_EVENTS = {"created": "alert.created", "accepted": "alert.acknowledged", "resolved": "alert.resolved"}


def incident_event(entry: TimelineEvent) -> tuple[str, dict[str, Any]] | None:
    """The webhook event a timeline entry is, with what changed; None for entries no webhook carries."""
    data = entry.data
    if entry.kind == "declared":
        return "incident.declared", {}
    if entry.kind == "severity":
        return "incident.severity_changed", {"from": data.get("from"), "to": data.get("to")}
    if entry.kind == "update" and data.get("status") != data.get("previous"):
        return "incident.status_changed", {"from": data.get("previous"), "to": data.get("status"),
                                           "text": unescape_mrkdwn(entry.text)}
    if entry.kind == "reopened":
        return "incident.status_changed", {"from": "resolved", "to": data.get("status"), "text": unescape_mrkdwn(entry.text)}
    if entry.kind == "role":
        return "incident.role_assigned", {"role": data.get("role"), "user": data.get("user"),
                                          "previous": data.get("previous")}
    if entry.kind == "resolved":
        return "incident.resolved", {"summary": unescape_mrkdwn(entry.text)}
    return None


def new_message_id() -> str:
    """The receiver's idempotency key (webhook-id): one per event, whichever webhooks carry it, kept on retries."""
    return f"msg_{uuid.uuid4().hex}"


def rfc3339(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def incident_document(incident: Incident, roles: dict[str, str], public_url: str | None) -> dict[str, Any]:
    """An incident as a webhook body carries it (people as Slack user IDs, times in RFC 3339)."""
    # what people typed, as they typed it: the record keeps free text with Slack's escapes (&amp; &lt; &gt;)
    return {
        "id": incident.id, "title": incident.title, "description": as_typed(incident.description),
        "severity": incident.severity, "status": str(incident.status), "private": incident.is_private,
        "commander": incident.commander, "roles": roles, "declared_by": incident.declared_by,
        "declared_at": rfc3339(incident.declared_at), "resolved_at": rfc3339(incident.resolved_at),
        "channel": {"id": incident.channel_id, "name": incident.channel_name},
        "summary": as_typed(incident.summary), "root_cause": as_typed(incident.root_cause),
        "mitigation": as_typed(incident.mitigation),
        "url": f"{public_url}/incidents/{incident.id}" if public_url else None,
    }


def alert_document(alert: Alert, incident_id: int | None) -> dict[str, Any]:
    return {
        "id": alert.id, "source": alert.source, "summary": alert.summary, "details": alert.details,
        "priority": alert.priority, "status": str(alert.status), "dedup_key": alert.dedup_key,
        "labels": alert.labels, "event_count": alert.event_count, "created_at": rfc3339(alert.created_at),
        "created_by": alert.created_by, "accepted_by": alert.accepted_by, "accepted_at": rfc3339(alert.accepted_at),
        "resolved_by": alert.resolved_by, "resolved_at": rfc3339(alert.resolved_at), "incident": incident_id,
        "silenced": alert.silenced,
    }


class WebhookEmitter:
    def __init__(self, webhooks: tuple[OutboundWebhook, ...], effects: Effects, incidents: IncidentStore,
                 alerts: AlertStore, clock: Clock, public_url: str | None = None) -> None:
        self.webhooks = webhooks
        self.effects = effects
        self.incidents = incidents
        self.alerts = alerts
        self.clock = clock
        self.public_url = public_url

    def listen(self) -> None:
        """Hear every change from the stores (nothing when no webhook is configured)."""
        if self.webhooks:
            self.incidents.observers.append(self.on_timeline)
            self.alerts.observers.append(self.on_alert_log)

    def on_timeline(self, entry: TimelineEvent) -> None:
        found = incident_event(entry)
        if found is None:
            return
        event, change = found
        targets = [w for w in self.webhooks if w.wants(event)]
        incident = self.incidents.get(entry.incident_id) if targets else None
        if incident is None:
            return
        if incident.is_private:   # a private incident is told only to the webhooks configured to hear it
            targets = [w for w in targets if w.include_private]
        if targets:
            data = {"incident": incident_document(incident, self.incidents.roles(incident.id), self.public_url),
                    "change": change, "actor": entry.actor}
            self._record(targets, event, f"incident:{incident.id}", entry.at, data, new_message_id())

    def on_alert_log(self, alert_id: int, kind: str, at: float, actor: str | None, data: dict[str, Any]) -> None:
        event = ALERT_EVENTS.get(kind)
        targets = [w for w in self.webhooks if w.wants(event)] if event else []
        alert = self.alerts.get(alert_id) if targets else None
        if alert is None or event is None:
            return
        incident = self.incidents.get(alert.incident_id) if alert.incident_id else None
        hidden = incident is not None and incident.is_private
        message_id = new_message_id()
        for private_too in sorted({w.include_private for w in targets}):
            # the alert itself is not private; which private incident it became is
            document = alert_document(alert, None if hidden and not private_too else alert.incident_id)
            self._record([w for w in targets if w.include_private == private_too], event, f"alert:{alert_id}", at,
                         {"alert": document, "actor": actor}, message_id)

    def _record(self, targets: list[OutboundWebhook], event: str, subject: str, at: float,
                data: dict[str, Any], message_id: str) -> None:
        body = json.dumps({"type": event, "id": message_id, "timestamp": rfc3339(at), "version": BODY_VERSION,
                           "data": data}, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        for hook in targets:
            self.effects.do(DELIVER, {"webhook": hook.name, "message_id": message_id, "event": event,
                                      "subject": subject, "body": body}, lane=f"webhook:{hook.name}:{subject}")
