"""Shift swaps asked with /il-oncall swap: pending until the other person accepts or declines."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database

_COLUMNS = "id, schedule, requester, target, give_start, give_end, take_start, take_end, state, created_at, decided_at"


@dataclass(frozen=True)
class Swap:
    id: int
    schedule: str
    requester: str
    target: str
    give_start: float            # the requester's shift the target takes
    give_end: float
    take_start: float | None     # the target's shift the requester takes in return (None: a cover)
    take_end: float | None
    state: str                   # pending | accepted | declined
    created_at: float
    decided_at: float | None


class SwapStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *, schedule: str, requester: str, target: str, give: tuple[float, float],
            take: tuple[float, float] | None, at: float) -> Swap:
        row = self.db.insert_returning("swaps", {
            "schedule": schedule, "requester": requester, "target": target, "give_start": give[0],
            "give_end": give[1], "take_start": take[0] if take else None, "take_end": take[1] if take else None,
            "state": "pending", "created_at": at}, _COLUMNS)
        assert row is not None
        return Swap(*row)

    def get(self, swap_id: int) -> Swap | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM swaps WHERE id = ?", (swap_id,))
        return Swap(*row) if row else None

    def decide(self, swap_id: int, state: str, at: float) -> bool:
        """Pending -> ``state``; False when someone (or a second click) decided it first."""
        return self.db.execute("UPDATE swaps SET state = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
                               (state, at, swap_id)).rowcount == 1
