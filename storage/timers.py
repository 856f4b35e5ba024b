"""Timers: due times of pulses, escalation timeouts and other reminders, one row per (kind, subject)."""

from __future__ import annotations

import json
from typing import Any

from kernel.outbox import Timer
from storage.database import Database


class TimerStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.changed: set[tuple[str, str]] = set()

    def set(self, kind: str, subject: str, due_at: float, payload: dict[str, Any] | None = None) -> None:
        self.db.execute(
            "INSERT INTO timers (kind, subject, due_at, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload",
            (kind, subject, due_at, json.dumps(payload or {})),
        )
        self.changed.add((kind, subject))

    def cancel(self, kind: str, subject: str) -> None:
        self.db.execute("DELETE FROM timers WHERE kind = ? AND subject = ?", (kind, subject))
        self.changed.add((kind, subject))

    def get(self, kind: str, subject: str) -> Timer | None:
        row = self.db.execute(
            "SELECT id, kind, subject, due_at, payload FROM timers WHERE kind = ? AND subject = ?", (kind, subject)
        ).fetchone()
        return Timer(row[0], row[1], row[2], row[3], json.loads(row[4])) if row else None

    def all(self) -> list[Timer]:
        rows = self.db.execute("SELECT id, kind, subject, due_at, payload FROM timers").fetchall()
        return [Timer(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def take_changed(self) -> set[tuple[str, str]]:
        changed, self.changed = self.changed, set()
        return changed
