"""Named leases: which replica does a job only one may do at a time (sending to Slack)."""

from __future__ import annotations

from storage.database import Database


class LeaseStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, name: str, holder: str, now: float, until: float) -> int | None:
        """Take the lease (free, expired or already ``holder``'s) until ``until``; its epoch, or None when
        someone else holds it. The epoch grows each time the lease changes hands."""
        return self.db.scalar(
            "INSERT INTO leases (name, holder, expires_at, epoch) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, "
            "epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END "
            "WHERE leases.holder = excluded.holder OR leases.expires_at < ? RETURNING epoch",
            (name, holder, until, now))

    def take(self, name: str, holder: str, until: float) -> None:
        """Take the lease whoever held it (when something else proves they are gone: SQLite's lock)."""
        self.db.execute(
            "INSERT INTO leases (name, holder, expires_at, epoch) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, "
            "epoch = leases.epoch + 1", (name, holder, until))

    def release(self, name: str, holder: str) -> None:
        self.db.execute("UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?", (name, holder))

    def holder(self, name: str, now: float) -> str | None:
        return self.db.scalar("SELECT holder FROM leases WHERE name = ? AND expires_at >= ?", (name, now))
