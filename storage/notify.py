"""Queries for notifications beyond Slack, their history, and acknowledge links already used."""

from __future__ import annotations

import hashlib
from typing import Any

from kernel.notify import Notification, NotificationState, NotifyLogEntry
from storage.database import Database

_COLUMNS = ("id, page_id, escalation_id, user_id, step, method, due_at, state, attempts, detail, receipt, priority, "
            "page_id IS NULL, created_at, sent_at, bundle_id")

_JOINED_COLUMNS = ("n.id, n.page_id, n.escalation_id, n.user_id, n.step, n.method, n.due_at, n.state, n.attempts, "
                   "n.detail, n.receipt, n.priority, n.page_id IS NULL, n.created_at, n.sent_at, n.bundle_id")


def _notification(row: tuple) -> Notification:
    values = list(row)
    values[7] = NotificationState(values[7])
    values[12] = bool(values[12])
    return Notification(*values)


class NotificationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *, page_id: int | None, escalation_id: int | None, user: str, step: int, method: str,
            priority: str, due_at: float, now: float, state: NotificationState = NotificationState.PLANNED,
            detail: str = "") -> int:
        notification_id = self.db.insert("notifications", {
            "page_id": page_id, "escalation_id": escalation_id, "user_id": user, "step": step, "method": method,
            "priority": priority, "due_at": due_at, "state": str(state), "detail": detail, "created_at": now})
        assert notification_id is not None
        return notification_id

    def get(self, notification_id: int) -> Notification | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM notifications WHERE id = ?", (notification_id,))
        return _notification(row) if row else None

    def for_page(self, page_id: int) -> list[Notification]:
        return [_notification(r) for r in self.db.query(
            f"SELECT {_COLUMNS} FROM notifications WHERE page_id = ? ORDER BY step, id", (page_id,))]

    def for_escalation(self, escalation_id: int) -> list[Notification]:
        return [_notification(r) for r in self.db.query(
            f"SELECT {_COLUMNS} FROM notifications WHERE escalation_id = ? ORDER BY id", (escalation_id,))]

    def planned(self, escalation_id: int) -> list[Notification]:
        return [_notification(r) for r in self.db.query(
            f"SELECT {_COLUMNS} FROM notifications WHERE escalation_id = ? AND state = 'planned' ORDER BY id",
            (escalation_id,))]

    def by_receipt(self, receipt: str) -> Notification | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM notifications WHERE receipt = ?", (receipt,))
        return _notification(row) if row else None

    def latest_sent(self, user: str, method: str) -> Notification | None:
        """The person's newest notification by ``method`` that went out and is still waiting for an answer."""
        row = self.db.one(
            f"SELECT {_JOINED_COLUMNS} "
            "FROM notifications n JOIN escalations e ON e.id = n.escalation_id "
            "WHERE n.user_id = ? AND n.method = ? AND n.state = 'sent' AND e.state IN ('active', 'exhausted') "
            "ORDER BY n.id DESC LIMIT 1", (user, method))
        return _notification(row) if row else None

    def due_with(self, notification: Notification, now: float, limit: int) -> list[int]:
        """Other pages' notifications to the same person the same way and priority, due by ``now``,
        never tried, whose escalation still waits for an answer: what one delivery can carry too (one
        being retried on its own stays on its own, so no page is in two deliveries)."""
        return [r[0] for r in self.db.query(
            "SELECT n.id FROM notifications n JOIN escalations e ON e.id = n.escalation_id "
            "WHERE n.user_id = ? AND n.method = ? AND n.state = 'planned' AND n.due_at <= ? AND n.priority = ? "
            "AND n.attempts = 0 AND n.id <> ? AND e.state IN ('active', 'exhausted') ORDER BY n.id LIMIT ?",
            (notification.user, notification.method, now, notification.priority, notification.id, limit))]

    def join_bundle(self, ids: list[int], bundle_id: int) -> None:
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            self.db.execute(f"UPDATE notifications SET state = 'sending', bundle_id = ?, attempts = attempts + 1 "
                            f"WHERE id IN ({marks}) AND state = 'planned'", (bundle_id, *part))

    def bundled_with(self, bundle_id: int, *, sending_only: bool = True) -> list[Notification]:
        state = " AND state = 'sending'" if sending_only else ""
        return [_notification(r) for r in self.db.query(
            f"SELECT {_COLUMNS} FROM notifications WHERE bundle_id = ?{state} ORDER BY id", (bundle_id,))]

    def release_bundle(self, bundle_id: int) -> list[int]:
        """The bundle's notifications not yet sent go back to waiting on their own."""
        ids = [n.id for n in self.bundled_with(bundle_id)]
        if ids:
            self.db.execute("UPDATE notifications SET state = 'planned', bundle_id = NULL, attempts = attempts - 1 "
                            "WHERE bundle_id = ? AND state = 'sending'", (bundle_id,))
        return ids

    def update(self, notification_id: int, **fields: Any) -> None:
        if "state" in fields:
            fields["state"] = str(fields["state"])
        self.db.update("notifications", notification_id, fields)

    def begin_attempt(self, notification_id: int) -> None:
        self.db.execute("UPDATE notifications SET attempts = attempts + 1 WHERE id = ?", (notification_id,))

    def log(self, notification_id: int, outcome: str, *, at: float, detail: str = "") -> None:
        self.log_many([notification_id], outcome, at=at, detail=detail)

    def log_many(self, ids: list[int], outcome: str, *, at: float, detail: str = "") -> None:
        for chunk in range(0, len(ids), 200):
            part = ids[chunk:chunk + 200]
            rows = ",".join("(?, ?, ?, ?)" for _ in part)
            self.db.execute(f"INSERT INTO notification_log (notification_id, at, outcome, detail) VALUES {rows}",
                            [v for i in part for v in (i, at, outcome, detail[:500])])

    def history(self, escalation_id: int) -> list[NotifyLogEntry]:
        """Every attempt and outcome of the escalation's notifications, in order."""
        return [NotifyLogEntry(r[0], r[1], r[2], r[3], r[4]) for r in self.db.query(
            "SELECT l.notification_id, l.at, n.method, l.outcome, l.detail FROM notification_log l "
            "JOIN notifications n ON n.id = l.notification_id WHERE n.escalation_id = ? ORDER BY l.id",
            (escalation_id,))]

    def history_of(self, notification_id: int) -> list[NotifyLogEntry]:
        return [NotifyLogEntry(r[0], r[1], r[2], r[3], r[4]) for r in self.db.query(
            "SELECT l.notification_id, l.at, n.method, l.outcome, l.detail FROM notification_log l "
            "JOIN notifications n ON n.id = l.notification_id WHERE l.notification_id = ? ORDER BY l.id",
            (notification_id,))]

    def use_link(self, token: str, notification_id: int, *, now: float) -> bool:
        """True the first time an acknowledge link is used; False ever after."""
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        row = self.db.insert_returning("used_ack_links", {"token_hash": digest, "notification_id": notification_id,
                                                          "used_at": now}, "token_hash", on_conflict_ignore=True)
        return row is not None
