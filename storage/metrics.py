"""What /metrics reads from the database at scrape time, so every replica reports the same truth."""

from __future__ import annotations

from storage.database import Database


class MetricsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open_incidents_by_severity(self) -> dict[str, int]:
        rows = self.db.query("SELECT severity, count(*) FROM incidents WHERE status != 'resolved' GROUP BY severity")
        return {str(severity): int(count) for severity, count in rows}

    def effects_by_state(self) -> dict[tuple[str, str], int]:
        """(state, kind) -> count, for pending effects and the failed ones still kept (a week)."""
        # two index ranges (outbox_pending, outbox_failed), not a scan of a week's history
        rows = self.db.query("SELECT 'pending', kind, count(*) FROM outbox WHERE state = 'pending' GROUP BY kind "
                             "UNION ALL "
                             "SELECT 'failed', kind, count(*) FROM outbox WHERE state = 'failed' GROUP BY kind")
        return {(str(state), str(kind)): int(count) for state, kind, count in rows}
