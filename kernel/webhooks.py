"""Outbound webhooks: what warroom tells the team's own systems, and the log of each delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass

# Every event a webhook may ask for (warroom.yml ``webhooks[].events``; ``*`` is all of them).
EVENTS: tuple[str, ...] = (
    "incident.declared", "incident.severity_changed", "incident.status_changed", "incident.role_assigned",
    "incident.resolved", "alert.created", "alert.acknowledged", "alert.resolved",
)
BODY_VERSION = 1     # the body's shape; a change a receiver would notice gets a new number


@dataclass(frozen=True)
class OutboundWebhook:
    name: str                       # how the log, the lanes and the web page name it (never its URL)
    url: str                        # may carry a token of the receiver's: never logged
    events: frozenset[str]
    secret_env: str                 # the environment variable holding its signing secret
    include_private: bool = False   # private incidents' events go only to webhooks that say so

    def wants(self, event: str) -> bool:
        return event in self.events


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST to a webhook (or one that could not be made), as the delivery log keeps it."""
    id: int
    webhook: str
    message_id: str                 # the webhook-id header: the same on every attempt of one delivery
    event: str
    subject: str                    # incident:<id> | alert:<id>
    attempt: int                    # 1 for the first
    at: float
    duration_ms: int
    status_code: int | None         # None: no HTTP answer (refused, timed out)
    error: str | None
    outcome: str                    # delivered | retry | failed
    retry_at: float | None


@dataclass(frozen=True)
class WebhookState:
    """What warroom keeps about a webhook between deliveries: whether its receiver said it is gone (410),
    and when Slack was last told of a delivery given up. ``url`` is the address it was kept for: a new
    URL in warroom.yml is a new receiver, and starts afresh."""
    webhook: str
    url: str
    disabled_at: float | None
    disabled_reason: str | None
    told_at: float | None

    def disables(self, url: str) -> bool:
        return self.disabled_at is not None and self.url == url

