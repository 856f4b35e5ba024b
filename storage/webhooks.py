"""The outbound webhooks' delivery log, and what still waits in the outbox for each webhook."""

from __future__ import annotations

from typing import Any

from kernel.webhooks import DeliveryAttempt, WebhookState
from storage.database import Database

_COLUMNS = ("id, webhook, message_id, event, subject, attempt, at, duration_ms, status_code, error, outcome, "
            "retry_at")
_STATE_COLUMNS = "webhook, url, disabled_at, disabled_reason, told_at"
DELIVER = "webhook.deliver"     # the outbox kind whose rows are the deliveries still to make


class WebhookLogStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, **fields: Any) -> int:
        """One attempt: webhook, message_id, event, subject, attempt, at, duration_ms, status_code, error,
        outcome, retry_at."""
        return int(self.db.insert("webhook_deliveries", fields))

    def recent(self, *, webhook: str | None = None, before: int | None = None, limit: int = 50) -> list[DeliveryAttempt]:
        """Newest first; ``before``: only attempts logged before that one (the next page)."""
        where, params = [], []
        if webhook is not None:
            where.append("webhook = ?")
            params.append(webhook)
        if before is not None:
            where.append("id < ?")
            params.append(before)
        rows = self.db.query(f"SELECT {_COLUMNS} FROM webhook_deliveries {'WHERE ' if where else ''}"
                             f"{' AND '.join(where)} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [DeliveryAttempt(*r) for r in rows]

    def statuses(self, webhook: str, message_id: str) -> list[int | None]:
        """The answers of a delivery's attempts so far, oldest first (None: no answer)."""
        return [r[0] for r in self.db.query("SELECT status_code FROM webhook_deliveries WHERE message_id = ? "
                                            "AND webhook = ? ORDER BY id", (message_id, webhook))]

    def waiting(self) -> dict[str, tuple[int, float]]:
        """Per webhook: how many deliveries wait in the outbox, and when the next attempt is due."""
        rows = self.db.query(f"SELECT lane, count(*), min(due_at) FROM outbox WHERE kind = '{DELIVER}' "
                             "AND state = 'pending' GROUP BY lane")
        found: dict[str, tuple[int, float]] = {}
        for lane, count, due in rows:
            name = lane.split(":")[1]           # webhook:<name>:<subject>
            had, first = found.get(name, (0, due))
            found[name] = (had + count, min(first, due))
        return found

    def prune(self, older_than: float) -> int:
        return self.db.execute("DELETE FROM webhook_deliveries WHERE at < ?", (older_than,)).rowcount

    # what is kept about each webhook between deliveries ------------------------------------------------
    def state(self, webhook: str) -> WebhookState | None:
        row = self.db.query(f"SELECT {_STATE_COLUMNS} FROM webhook_states WHERE webhook = ?", (webhook,))
        return WebhookState(*row[0]) if row else None

    def states(self) -> dict[str, WebhookState]:
        return {r[0]: WebhookState(*r) for r in self.db.query(f"SELECT {_STATE_COLUMNS} FROM webhook_states")}

    def disable(self, webhook: str, url: str, *, at: float, reason: str) -> None:
        self.db.execute("INSERT INTO webhook_states (webhook, url, disabled_at, disabled_reason) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (webhook) DO UPDATE SET url = excluded.url, disabled_at = excluded.disabled_at, "
                        "disabled_reason = excluded.disabled_reason", (webhook, url, at, reason))

    def enable(self, webhook: str) -> bool:
        """True when it was disabled."""
        return self.db.execute("UPDATE webhook_states SET disabled_at = NULL, disabled_reason = NULL "
                               "WHERE webhook = ? AND disabled_at IS NOT NULL", (webhook,)).rowcount == 1

    def tell_once(self, webhook: str, url: str, *, at: float, every: float) -> bool:
        """Whether Slack may be told now of a delivery given up: not if it was told less than ``every``
        seconds ago (one decision across replicas: the row's update)."""
        return self.db.execute(
            "INSERT INTO webhook_states (webhook, url, told_at) VALUES (?, ?, ?) "
            "ON CONFLICT (webhook) DO UPDATE SET told_at = excluded.told_at "
            "WHERE webhook_states.told_at IS NULL OR webhook_states.told_at <= ?",
            (webhook, url, at, at - every)).rowcount == 1

