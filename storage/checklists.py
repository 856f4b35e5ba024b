"""Queries for incident checklists: the items a response plan posts on declare, and their ticks."""

from __future__ import annotations

from kernel.incidents import ChecklistItem
from storage.database import Database

_COLUMNS = "id, incident_id, position, text, done_at, done_by"


class ChecklistStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_items(self, incident_id: int, texts: tuple[str, ...]) -> None:
        for position, text in enumerate(texts, start=1):
            self.db.insert("checklist_items", {"incident_id": incident_id, "position": position, "text": text})

    def items(self, incident_id: int) -> list[ChecklistItem]:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM checklist_items WHERE incident_id = ? ORDER BY position",
                             (incident_id,))
        return [ChecklistItem(*r) for r in rows]

    def item(self, item_id: int) -> ChecklistItem | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM checklist_items WHERE id = ?", (item_id,))
        return ChecklistItem(*row) if row else None

    def set_done(self, item_id: int, *, done: bool, by: str, at: float) -> bool:
        """Tick (``done``) or untick; False when it already was (a second click, another person first)."""
        if done:
            cursor = self.db.execute("UPDATE checklist_items SET done_at = ?, done_by = ? "
                                     "WHERE id = ? AND done_at IS NULL", (at, by, item_id))
        else:
            cursor = self.db.execute("UPDATE checklist_items SET done_at = NULL, done_by = NULL "
                                     "WHERE id = ? AND done_at IS NOT NULL", (item_id,))
        return cursor.rowcount > 0
