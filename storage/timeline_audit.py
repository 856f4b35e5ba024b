"""The audit trail of people's changes to incident timelines: who, when, and the values before and after."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class TimelineChange:
    id: int
    incident_id: int
    event_id: int
    action: str              # added | edited | deleted | keyed | unkeyed
    actor: str
    at: float
    old_at: float | None
    old_text: str | None
    old_key: bool | None
    new_at: float | None
    new_text: str | None
    new_key: bool | None


_COLUMNS = ("id, incident_id, event_id, action, actor, at, old_at, old_text, old_key, "
            "new_at, new_text, new_key")


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


class TimelineAuditStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, incident_id: int, event_id: int, action: str, *, by: str, at: float,
               old_at: float | None = None, old_text: str | None = None, old_key: bool | None = None,
               new_at: float | None = None, new_text: str | None = None, new_key: bool | None = None) -> int:
        return int(self.db.insert("timeline_audit", {
            "incident_id": incident_id, "event_id": event_id, "action": action, "actor": by, "at": at,
            "old_at": old_at, "old_text": old_text, "old_key": None if old_key is None else int(old_key),
            "new_at": new_at, "new_text": new_text, "new_key": None if new_key is None else int(new_key)}))

    def changes(self, incident_id: int) -> list[TimelineChange]:
        """Every change to the incident's timeline, oldest first."""
        rows = self.db.query(f"SELECT {_COLUMNS} FROM timeline_audit WHERE incident_id = ? ORDER BY id",
                             (incident_id,))
        return [TimelineChange(*r[:8], _flag(r[8]), r[9], r[10], _flag(r[11])) for r in rows]
