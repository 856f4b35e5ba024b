"""What warroom last wrote to each living Slack surface, so a surface is written only when it changed."""

from __future__ import annotations

from kernel.outbox import Surface
from storage.database import Database


class SurfaceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> Surface | None:
        row = self.db.execute("SELECT key, channel, ts, digest FROM surfaces WHERE key = ?", (key,)).fetchone()
        return Surface(*row) if row else None

    def save(self, key: str, *, channel: str | None, ts: str | None, digest: str | None, at: float) -> None:
        self.db.execute(
            "INSERT INTO surfaces (key, channel, ts, digest, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts, "
            "digest = excluded.digest, updated_at = excluded.updated_at",
            (key, channel, ts, digest, at),
        )

    def by_message(self, channel: str, ts: str) -> Surface | None:
        row = self.db.execute(
            "SELECT key, channel, ts, digest FROM surfaces WHERE channel = ? AND ts = ?", (channel, ts)
        ).fetchone()
        return Surface(*row) if row else None
