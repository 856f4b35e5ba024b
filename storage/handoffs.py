"""Handoffs of on-call schedules (one row per shift start, so none is announced twice) and what a
handoff summary reads: alerts and incidents of a shift, and what is still open."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class Handoff:
    schedule: str
    at: float
    user: str | None
    previous: str | None
    until: float
    announced: bool


@dataclass(frozen=True)
class Item:
    """An alert or an incident as a handoff summary lists it."""

    id: int
    title: str
    status: str


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def latest(self, schedule: str) -> Handoff | None:
        row = self.db.one("SELECT schedule, at, user_id, previous_user, until_at, announced FROM shift_handoffs "
                          "WHERE schedule = ? ORDER BY at DESC LIMIT 1", (schedule,))
        return Handoff(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def record(self, handoff: Handoff, *, at: float) -> bool:
        """Remember a handoff; False when it was known already (then nothing may be said about it)."""
        return self.db.insert_returning("shift_handoffs", {
            "schedule": handoff.schedule, "at": handoff.at, "user_id": handoff.user,
            "previous_user": handoff.previous, "until_at": handoff.until, "announced": int(handoff.announced),
            "recorded_at": at}, "schedule", on_conflict_ignore=True) is not None

    def announced(self, schedule: str) -> list[Handoff]:
        rows = self.db.query("SELECT schedule, at, user_id, previous_user, until_at, announced FROM shift_handoffs "
                             "WHERE schedule = ? AND announced = 1 ORDER BY at", (schedule,))
        return [Handoff(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    # what a handoff summary says -----------------------------------------------------------------
    def alerts_between(self, start: float, end: float, limit: int) -> tuple[int, list[Item]]:
        where = "FROM alerts WHERE created_at >= ? AND created_at < ?"
        count = int(self.db.scalar(f"SELECT count(*) {where}", (start, end)) or 0)
        rows = self.db.query(f"SELECT id, summary, status {where} ORDER BY id DESC LIMIT ?", (start, end, limit))
        return count, [Item(*r) for r in rows]

    def open_alerts(self, limit: int) -> tuple[int, list[Item]]:
        count = int(self.db.scalar("SELECT count(*) FROM alerts WHERE status != 'resolved'") or 0)
        rows = self.db.query("SELECT id, summary, status FROM alerts WHERE status != 'resolved' ORDER BY id DESC "
                             "LIMIT ?", (limit,))
        return count, [Item(*r) for r in rows]

    # private incidents are left out: a handoff is posted in a channel and DMs
    def incidents_between(self, start: float, end: float, limit: int) -> tuple[int, list[Item]]:
        where = "FROM incidents WHERE declared_at >= ? AND declared_at < ? AND is_private = 0"
        count = int(self.db.scalar(f"SELECT count(*) {where}", (start, end)) or 0)
        rows = self.db.query(f"SELECT id, title, status {where} ORDER BY id DESC LIMIT ?", (start, end, limit))
        return count, [Item(*r) for r in rows]

    def open_incidents(self, limit: int) -> tuple[int, list[Item]]:
        where = "FROM incidents WHERE status != 'resolved' AND is_private = 0"
        count = int(self.db.scalar(f"SELECT count(*) {where}") or 0)
        rows = self.db.query(f"SELECT id, title, status {where} ORDER BY id DESC LIMIT ?", (limit,))
        return count, [Item(*r) for r in rows]
