"""Queries for follow-ups' tickets in the team's tracker."""

from __future__ import annotations

from kernel.tickets import Ticket, TicketRef, TicketState
from storage.database import Database

_COLUMNS = ("followup_id, tracker, state, marker, ref, remote_id, url, error, requested_by, requested_at, "
            "filed_at, checked_at, closed_at")


def _ticket(row: tuple) -> Ticket:
    values = list(row)
    values[2] = TicketState(values[2])
    return Ticket(*values)


class TicketStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def request(self, followup_id: int, *, tracker: str, marker: str, by: str | None, at: float) -> None:
        """Ask for the follow-up's ticket; a failed request is asked again under the same marker, keeping
        why it failed until it is filed (an attempt that gave up may have filed it after all: a ticket
        with an error behind it is looked for by its marker first)."""
        self.db.execute(
            "INSERT INTO tickets (followup_id, tracker, state, marker, requested_by, requested_at) "
            "VALUES (?, ?, 'filing', ?, ?, ?) ON CONFLICT (followup_id) DO UPDATE SET state = 'filing', "
            "tracker = excluded.tracker, requested_by = excluded.requested_by, requested_at = excluded.requested_at "
            "WHERE tickets.state = 'failed'",
            (followup_id, tracker, marker, by, at))

    def get(self, followup_id: int) -> Ticket | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM tickets WHERE followup_id = ?", (followup_id,))
        return _ticket(row) if row else None

    def of_incident(self, incident_id: int) -> dict[int, Ticket]:
        rows = self.db.query(f"SELECT {', '.join('t.' + c.strip() for c in _COLUMNS.split(','))} FROM tickets t "
                             "JOIN followups f ON f.id = t.followup_id WHERE f.incident_id = ?", (incident_id,))
        return {r[0]: _ticket(r) for r in rows}

    def filed(self, followup_id: int, ticket: TicketRef, *, at: float) -> bool:
        """True when this call recorded it (a second report of the same filing changes nothing)."""
        return self.db.execute(
            "UPDATE tickets SET state = 'open', ref = ?, remote_id = ?, url = ?, error = NULL, filed_at = ? "
            "WHERE followup_id = ? AND state = 'filing'",
            (ticket.ref, ticket.remote_id, ticket.url, at, followup_id)).rowcount == 1

    def failed(self, followup_id: int, error: str, *, at: float) -> bool:
        return self.db.execute(
            "UPDATE tickets SET state = 'failed', error = ?, checked_at = ? WHERE followup_id = ? AND state = 'filing'",
            (error[:500], at, followup_id)).rowcount == 1

    def to_poll(self, limit: int) -> list[Ticket]:
        """Open tickets of follow-ups not yet done, the longest unread first (a poll reads at most
        ``limit``; the rest come next time)."""
        columns = ", ".join("t." + c.strip() for c in _COLUMNS.split(","))
        rows = self.db.query(
            f"SELECT {columns} FROM tickets t JOIN followups f ON f.id = t.followup_id "
            "WHERE t.state = 'open' AND f.done_at IS NULL "
            "ORDER BY coalesce(t.checked_at, 0), t.followup_id LIMIT ?", (limit,))
        return [_ticket(r) for r in rows]

    def count_to_poll(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM tickets t JOIN followups f ON f.id = t.followup_id "
                                  "WHERE t.state = 'open' AND f.done_at IS NULL") or 0)

    def checked(self, followup_ids: list[int], *, at: float) -> None:
        if not followup_ids:
            return
        marks = ",".join("?" for _ in followup_ids)
        self.db.execute(f"UPDATE tickets SET checked_at = ? WHERE followup_id IN ({marks})", (at, *followup_ids))

    def set_state(self, followup_id: int, state: TicketState, *, at: float) -> bool:
        """open -> closed (with when) or gone; True when it changed."""
        closed = at if state == TicketState.CLOSED else None
        return self.db.execute(
            "UPDATE tickets SET state = ?, closed_at = coalesce(?, closed_at), checked_at = ? "
            "WHERE followup_id = ? AND state = 'open'", (str(state), closed, at, followup_id)).rowcount == 1
