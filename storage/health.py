"""The write /healthz makes to learn whether the database still takes writes."""

from __future__ import annotations

import sqlite_utils

from storage.db import transaction


def probe_write(db: sqlite_utils.Database, at: float) -> None:
    """Commit one small write (the same row each time); raises what a real write would raise."""
    with transaction(db):
        db.conn.execute("INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                        (at,))
