"""Slack redelivers events (retry_attempt > 0); each event_id is handled once."""

from __future__ import annotations

from storage.database import Database


class SeenEvents:
    def __init__(self, db: Database) -> None:
        self.db = db

    def first_time(self, key: str, at: float) -> bool:
        """Record ``key``; True only the first time it is seen."""
        row = self.db.one("INSERT INTO seen_events (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING 1",
                          (key, at))
        return row is not None

    def prune(self, older_than: float) -> int:
        return self.db.execute("DELETE FROM seen_events WHERE at < ?", (older_than,)).rowcount
