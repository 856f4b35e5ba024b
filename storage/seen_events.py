"""Slack redelivers events (retry_attempt > 0); each event_id is handled once."""

from __future__ import annotations

import sqlite_utils


class SeenEvents:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def first_time(self, key: str, at: float) -> bool:
        """Record ``key``; True only the first time it is seen."""
        cursor = self.db.conn.execute("INSERT OR IGNORE INTO seen_events (key, at) VALUES (?, ?)", (key, at))
        return cursor.rowcount == 1

    def prune(self, older_than: float) -> int:
        return self.db.conn.execute("DELETE FROM seen_events WHERE at < ?", (older_than,)).rowcount
