"""The write /healthz makes to learn whether the database still takes writes."""

from __future__ import annotations

from storage.database import Database


def probe_write(db: Database, at: float) -> None:
    """Commit one small write (the same row each time); raises what a real write would raise."""
    with db.transaction():
        db.execute("INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                   (at,))
