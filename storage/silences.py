"""Silences of alert sources set from Slack (/il-alert silence): while one runs, the source's alerts
are recorded and shown but nobody is paged."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class Silence:
    id: int
    source: str
    start: float
    end: float
    created_by: str | None


class SilenceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, source: str, start: float, end: float, *, by: str | None, at: float) -> int:
        return int(self.db.insert("silences", {"source": source, "start": start, '"end"': end,
                                               "created_by": by, "created_at": at}))

    def active(self, source: str, at: float) -> Silence | None:
        """The silence of ``source`` running at ``at`` that lasts longest, if any."""
        row = self.db.one('SELECT id, source, start, "end", created_by FROM silences '
                          'WHERE source = ? AND start <= ? AND "end" > ? ORDER BY "end" DESC LIMIT 1',
                          (source, at, at))
        return Silence(*row) if row else None

    def all_active(self, at: float) -> list[Silence]:
        rows = self.db.query('SELECT id, source, start, "end", created_by FROM silences '
                             'WHERE start <= ? AND "end" > ? ORDER BY source, "end"', (at, at))
        return [Silence(*row) for row in rows]

    def end_now(self, source: str, at: float) -> int:
        """End every silence of ``source`` running at ``at``; how many there were."""
        return self.db.execute('UPDATE silences SET "end" = ? WHERE source = ? AND start <= ? AND "end" > ?',
                               (at, source, at, at)).rowcount
