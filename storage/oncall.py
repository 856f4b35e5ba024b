"""Overrides: who took the pager from whom, for how long."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite_utils

from bot.oncall.schedule_model import Override


class OverrideStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(self, schedule: str, user: str, start: float, end: float, *, by: str | None, at: float) -> int:
        return int(self.db.conn.execute(
            "INSERT INTO overrides (schedule, user_id, start, end, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (schedule, user, start, end, by, at)).lastrowid)

    def for_schedule(self, schedule: str, *, ending_after: float) -> tuple[Override, ...]:
        rows = self.db.conn.execute(
            "SELECT id, user_id, start, end FROM overrides WHERE schedule = ? AND end > ? ORDER BY id",
            (schedule, ending_after)).fetchall()
        return tuple(Override(user, _utc(start), _utc(end), seq=row_id) for row_id, user, start, end in rows)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)
