"""Timers: due times of pulses, escalation timeouts and other reminders, one row per (kind, subject).

A due timer is claimed for a while (a lease) by the sender that fires it, so it fires once across
replicas; a holder that dies lets its claim run out and another fires the timer.
"""

from __future__ import annotations

import json
from typing import Any

from kernel.outbox import Timer
from storage.database import Database
from storage.outbox import WORK_CHANNEL

_COLUMNS = "id, kind, subject, due_at, payload"


def _timer(row: tuple) -> Timer:
    return Timer(row[0], row[1], row[2], row[3], json.loads(row[4]))


class TimerStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.soonest: float | None = None   # the earliest due time set() planned since take_soonest()

    def set(self, kind: str, subject: str, due_at: float, payload: dict[str, Any] | None = None) -> None:
        """(Re)plan a timer; a claim on it is forgotten, so the new due time stands even while it fires."""
        self.db.execute(
            "INSERT INTO timers (kind, subject, due_at, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, subject) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, "
            "claimed_by = NULL, lease_until = NULL",
            (kind, subject, due_at, json.dumps(payload or {})),
        )
        self._planned(due_at)
        self.db.notify(WORK_CHANNEL)

    def set_if_absent(self, kind: str, subject: str, due_at: float, payload: dict[str, Any] | None = None) -> bool:
        """Plan a timer unless one is planned already (a start that must not move a deadline); True when planned."""
        planned = self.db.execute(
            "INSERT INTO timers (kind, subject, due_at, payload) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, subject) DO NOTHING", (kind, subject, due_at, json.dumps(payload or {}))).rowcount
        if planned:
            self._planned(due_at)
            self.db.notify(WORK_CHANNEL)
        return bool(planned)

    def _planned(self, due_at: float) -> None:
        self.soonest = due_at if self.soonest is None else min(self.soonest, due_at)

    def take_soonest(self) -> float | None:
        """The earliest due time of the timers (re)planned since the last time this was asked, if any."""
        soonest, self.soonest = self.soonest, None
        return soonest

    def cancel(self, kind: str, subject: str) -> None:
        self.db.execute("DELETE FROM timers WHERE kind = ? AND subject = ?", (kind, subject))

    def get(self, kind: str, subject: str) -> Timer | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM timers WHERE kind = ? AND subject = ?", (kind, subject))
        return _timer(row) if row else None

    def all(self) -> list[Timer]:
        return [_timer(r) for r in self.db.query(f"SELECT {_COLUMNS} FROM timers ORDER BY due_at, id")]

    def count(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM timers"))

    def next_due(self) -> float | None:
        """When the next timer falls due (one another sender holds: when its lease runs out)."""
        # Two minimums, each answered by an index (timers_by_due, timers_claimed), not one over every row:
        # this runs after each tick on the loop that answers Slack, with perhaps 100,000 timers pending.
        return self.db.scalar(
            "SELECT min(due) FROM ("
            "SELECT min(due_at) AS due FROM timers WHERE claimed_by IS NULL UNION ALL "
            "SELECT min(CASE WHEN lease_until > due_at THEN lease_until ELSE due_at END) FROM timers "
            "WHERE claimed_by IS NOT NULL) AS next")

    def claim_due(self, now: float, owner: str, lease_until: float, limit: int) -> list[Timer]:
        with self.db.transaction() as db:
            ids = [r[0] for r in db.query(
                "SELECT id FROM timers WHERE due_at <= ? AND (claimed_by IS NULL OR lease_until < ?) "
                f"ORDER BY due_at LIMIT ?{db.skip_locked}", (now, now, limit))]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            rows = db.query(f"UPDATE timers SET claimed_by = ?, lease_until = ? WHERE id IN ({marks}) "
                            f"RETURNING {_COLUMNS}", (owner, lease_until, *ids))
        return sorted((_timer(r) for r in rows), key=lambda t: (t.due_at, t.id))

    def fired(self, timer: Timer, owner: str) -> None:
        """The timer did its work: gone, unless its handler planned it again (set() cleared the claim)."""
        self.db.execute("DELETE FROM timers WHERE id = ? AND claimed_by = ? AND due_at = ?",
                        (timer.id, owner, timer.due_at))

    def retry_at(self, timer: Timer, owner: str, due_at: float) -> None:
        """Its handler failed: try again at ``due_at`` rather than lose the reminder."""
        self.db.execute("UPDATE timers SET due_at = ?, claimed_by = NULL, lease_until = NULL "
                        "WHERE id = ? AND claimed_by = ?", (due_at, timer.id, owner))

    def release_all(self) -> int:
        """Forget every claim (SQLite at start: the instance lock proves their holder is gone)."""
        return self.db.execute("UPDATE timers SET claimed_by = NULL, lease_until = NULL "
                               "WHERE claimed_by IS NOT NULL").rowcount
