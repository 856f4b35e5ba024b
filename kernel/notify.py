"""Pages beyond Slack: how a person can be reached, and when each way is tried."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

# Ways to reach a person. "push" in a rule means every push method the person has (ntfy, Pushover).
METHODS = ("slack", "email", "ntfy", "pushover", "sms", "voice", "webhook")
RULE_METHODS = METHODS + ("push",)
PUSH_METHODS = ("ntfy", "pushover")
WAKING_METHODS = ("sms", "voice")       # never for a low-priority alert


class NotificationState(StrEnum):
    PLANNED = "planned"        # waiting for its time
    SENDING = "sending"        # an attempt is under way (one sender at a time; see Notifier.begin)
    SENT = "sent"              # the provider took it (or Slack showed it)
    FAILED = "failed"          # retried and gave up: the next method was brought forward
    SKIPPED = "skipped"        # not tried: in Do Not Disturb, or the person lacks this method
    STOPPED = "stopped"        # someone acknowledged (or the page ended) before its time


@dataclass(frozen=True)
class ContactMethods:
    """One person's addresses; secrets are never here, only the names of environment variables."""

    email: str | None = None
    ntfy_topic: str | None = None
    pushover_user: str | None = None
    sms: str | None = None              # E.164
    voice: str | None = None            # E.164
    webhook_url: str | None = None
    webhook_secret_env: str | None = None

    def has(self, method: str) -> bool:
        return method == "slack" or bool({
            "email": self.email, "ntfy": self.ntfy_topic, "pushover": self.pushover_user, "sms": self.sms,
            "voice": self.voice, "webhook": self.webhook_url}.get(method))

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(m for m in METHODS if self.has(m))

    def address(self, method: str) -> str:
        """Where a notification by ``method`` goes, as shown in the page history."""
        return {"slack": "Slack DM", "email": self.email, "ntfy": self.ntfy_topic, "pushover": "Pushover",
                "sms": self.sms, "voice": self.voice, "webhook": self.webhook_url}.get(method) or ""


@dataclass(frozen=True)
class NotifyRule:
    method: str               # one of RULE_METHODS
    delay: timedelta          # after the page starts


@dataclass(frozen=True)
class NotifyRules:
    """Rules per alert priority; incidents page as high."""

    high: tuple[NotifyRule, ...]
    low: tuple[NotifyRule, ...]

    def for_priority(self, priority: str) -> tuple[NotifyRule, ...]:
        return self.low if priority == "low" else self.high


DEFAULT_RULES = NotifyRules(
    high=(NotifyRule("slack", timedelta(0)), NotifyRule("push", timedelta(minutes=1)),
          NotifyRule("email", timedelta(minutes=2)), NotifyRule("webhook", timedelta(minutes=2)),
          NotifyRule("sms", timedelta(minutes=3)), NotifyRule("voice", timedelta(minutes=5))),
    low=(NotifyRule("slack", timedelta(0)), NotifyRule("push", timedelta(minutes=5)),
         NotifyRule("email", timedelta(minutes=10)), NotifyRule("webhook", timedelta(minutes=10))),
)


@dataclass(frozen=True)
class Notification:
    id: int
    page_id: int
    escalation_id: int
    user: str
    step: int                 # order among this page's notifications
    method: str
    due_at: float
    state: NotificationState
    attempts: int
    detail: str               # the last outcome, as shown
    receipt: str | None       # Pushover receipt, Twilio SID
    priority: str
    test: bool = False        # /il-oncall test: no escalation behind it
    created_at: float = 0.0
    sent_at: float | None = None
    bundle_id: int | None = None  # the notification whose delivery carried this one (None: its own)


@dataclass(frozen=True)
class NotifyLogEntry:
    notification_id: int
    at: float
    method: str
    outcome: str              # attempt | sent | retry | failed | skipped | stopped | acknowledged
    detail: str = ""
    data: dict = field(default_factory=dict)
