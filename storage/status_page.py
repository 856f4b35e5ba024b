"""Queries for the public status page: which incidents are public, what was written for the public.

Reads join only the columns that may be public (status, severity, times): an incident's title,
people and channel are never selected here, so nothing this module returns can leak them.
"""

from __future__ import annotations

import json
from typing import Sequence

from kernel.status_page import PublicIncident, PublicUpdate
from storage.database import Database

_PUBLIC = ("SELECT s.id, s.incident_id, s.components, s.marked_at, i.status, i.severity, i.declared_at, i.resolved_at "
           "FROM status_incidents s JOIN incidents i ON i.id = s.incident_id")


def _public(row: tuple) -> PublicIncident:
    return PublicIncident(id=int(row[0]), incident_id=int(row[1]), components=tuple(json.loads(row[2])),
                          marked_at=float(row[3]), status=str(row[4]), severity=str(row[5]),
                          started_at=float(row[6]), resolved_at=None if row[7] is None else float(row[7]))


class StatusPageStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # writing ----------------------------------------------------------------------------------
    def mark(self, incident_id: int, components: Sequence[str], *, by: str, at: float) -> None:
        """Put the incident on the page (again) with these components."""
        listed = json.dumps(list(components))
        self.db.execute(
            "INSERT INTO status_incidents (incident_id, components, marked_by, marked_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (incident_id) DO UPDATE SET components = excluded.components, hidden_at = NULL, "
            "revision = status_incidents.revision + 1", (incident_id, listed, by, at))

    def hide(self, incident_id: int, *, at: float) -> None:
        self.db.execute("UPDATE status_incidents SET hidden_at = ?, revision = revision + 1 "
                        "WHERE incident_id = ? AND hidden_at IS NULL", (at, incident_id))

    def add_update(self, public_id: int, *, at: float, status: str, text: str, by: str) -> int:
        found = self.db.insert("status_updates", {"status_incident_id": public_id, "at": at, "status": status,
                                                  "text": text, "posted_by": by})
        assert found is not None
        return found

    # reading ----------------------------------------------------------------------------------
    def for_incident(self, incident_id: int) -> PublicIncident | None:
        """The incident as the page shows it, while it is on the page."""
        row = self.db.one(f"{_PUBLIC} WHERE s.incident_id = ? AND s.hidden_at IS NULL", (incident_id,))
        return _public(row) if row else None

    def shown_since(self, since: float) -> list[PublicIncident]:
        """Every incident on the page that is open or ended after ``since``, oldest first."""
        rows = self.db.query(f"{_PUBLIC} WHERE s.hidden_at IS NULL AND (i.resolved_at IS NULL OR i.resolved_at >= ?) "
                             "ORDER BY i.declared_at, s.id", (since,))
        return [_public(r) for r in rows]

    def updates(self, public_ids: Sequence[int]) -> list[PublicUpdate]:
        """The public updates of these incidents, oldest first."""
        if not public_ids:
            return []
        marks = ", ".join("?" for _ in public_ids)
        rows = self.db.query(f"SELECT id, status_incident_id, at, status, text FROM status_updates "
                             f"WHERE status_incident_id IN ({marks}) ORDER BY at, id", tuple(public_ids))
        return [PublicUpdate(int(r[0]), int(r[1]), float(r[2]), str(r[3]), str(r[4])) for r in rows]

    def change_key(self) -> tuple:
        """A value that changes whenever anything the page shows may have: a new public update, an
        incident put on or taken off the page, and any change to a public incident (its status,
        severity, resolution all touch ``incidents.updated_at``). One query over small tables."""
        row = self.db.one(
            "SELECT (SELECT MAX(id) FROM status_updates), "
            "(SELECT COUNT(*) FROM status_incidents), (SELECT SUM(revision) FROM status_incidents), "
            "(SELECT MAX(i.updated_at) FROM status_incidents s JOIN incidents i ON i.id = s.incident_id "
            "WHERE s.hidden_at IS NULL)")
        return tuple(row) if row else ()
