"""Overrides: who took the pager from whom, for how long."""

from __future__ import annotations

from datetime import datetime, timezone

from kernel.schedules import Override
from storage.database import Database


class OverrideStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, schedule: str, user: str, start: float, end: float, *, by: str | None, at: float) -> int:
        return int(self.db.insert("overrides", {"schedule": schedule, "user_id": user, "start": start,
                                                '"end"': end, "created_by": by, "created_at": at}))

    def newest_id(self, schedule: str) -> int:
        """The id of the schedule's newest override (0: none): it changes whenever one is added."""
        return int(self.db.scalar("SELECT coalesce(max(id), 0) FROM overrides WHERE schedule = ?", (schedule,)))

    def for_schedule(self, schedule: str, *, ending_after: float) -> tuple[Override, ...]:
        rows = self.db.execute(
            'SELECT id, user_id, start, "end" FROM overrides WHERE schedule = ? AND "end" > ? ORDER BY id',
            (schedule, ending_after)).fetchall()
        return tuple(Override(user, _utc(start), _utc(end), seq=row_id) for row_id, user, start, end in rows)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)
