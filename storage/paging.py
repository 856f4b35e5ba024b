"""Queries for escalations and the pages they sent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from kernel.paging import Escalation, EscalationState, Level, Page
from storage.database import Database

_PAGE_COLUMNS = "id, escalation_id, user_id, level, round, via, sent_at, dm_group, paged_by"
_COLUMNS = ("id, subject, policy, levels, repeat, level, round, state, reason, created_by, created_at, "
            "acked_by, acked_at, ack_note, ended_by, ended_at")


def _levels_to_json(levels: tuple[Level, ...]) -> str:
    return json.dumps([{"targets": list(l.targets),
                        "timeout": l.timeout.total_seconds() if l.timeout else None} for l in levels])


def _levels_from_json(text: str) -> tuple[Level, ...]:
    return tuple(Level(tuple(l["targets"]), timedelta(seconds=l["timeout"]) if l["timeout"] else None)
                 for l in json.loads(text))


def _escalation(row: tuple) -> Escalation:
    values = list(row)
    values[3] = _levels_from_json(values[3])
    values[7] = EscalationState(values[7])
    return Escalation(*values)


class PagingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(self, *, subject: str, policy: str | None, levels: tuple[Level, ...], repeat: int, reason: str,
               created_by: str | None, at: float) -> int:
        kind, _, ref = subject.partition(":")
        return int(self.db.insert("escalations", {
            "subject": subject, "subject_kind": kind, "subject_id": int(ref), "policy": policy,
            "levels": _levels_to_json(levels), "repeat": repeat, "reason": reason, "created_by": created_by,
            "created_at": at}))

    def get(self, escalation_id: int) -> Escalation | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM escalations WHERE id = ?", (escalation_id,)).fetchone()
        return _escalation(row) if row else None

    def for_subject(self, subject: str) -> list[Escalation]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM escalations WHERE subject = ? ORDER BY id",
                                    (subject,)).fetchall()
        return [_escalation(r) for r in rows]

    def update(self, escalation_id: int, **fields: Any) -> None:
        if "state" in fields:
            fields["state"] = str(fields["state"])
        self.db.update("escalations", escalation_id, fields)

    def add_page(self, escalation_id: int, *, user: str, level: int, round: int, via: str, at: float,
                 by: str | None = None) -> int | None:
        """None when this person was already paged at this level and round (a repeat or a group overlap)."""
        return self.db.insert("pages", {"escalation_id": escalation_id, "user_id": user, "level": level,
                                        "round": round, "via": via, "sent_at": at, "paged_by": by},
                              on_conflict_ignore=True)

    def page(self, page_id: int) -> Page | None:
        row = self.db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE id = ?", (page_id,)).fetchone()
        return Page(*row) if row else None

    def pages(self, escalation_id: int) -> list[Page]:
        rows = self.db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages WHERE escalation_id = ? ORDER BY id", (escalation_id,)).fetchall()
        return [Page(*r) for r in rows]

    def in_group(self, group: str) -> list[Page]:
        rows = self.db.execute(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE dm_group = ? ORDER BY id",
                                    (group,)).fetchall()
        return [Page(*r) for r in rows]

    def group_exists(self, group: str) -> bool:
        return self.db.execute("SELECT 1 FROM pages WHERE dm_group = ? LIMIT 1", (group,)).fetchone() is not None

    def group_alerts(self, group: str, limit: int) -> tuple[list[int], int, int]:
        """The alerts a grouped DM shows: up to ``limit`` ids (newest first), how many in all, how many pending."""
        subjects = ("SELECT DISTINCT e.subject_id FROM pages p "
                    "JOIN escalations e ON e.id = p.escalation_id WHERE p.dm_group = ? AND e.subject_kind = 'alert'")
        ids = [r[0] for r in self.db.execute(
            f"SELECT id FROM alerts WHERE id IN ({subjects}) ORDER BY id DESC LIMIT ?", (group, limit))]
        total, pending = self.db.execute(
            f"SELECT count(*), coalesce(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) FROM alerts WHERE id IN ({subjects})",
            (group,)).fetchone()
        return ids, int(total), int(pending)

    def group_is_open(self, group: str) -> bool:
        """Some page in the DM still waits for an answer (stops at the first one it finds)."""
        row = self.db.execute(
            "SELECT 1 FROM pages p JOIN escalations e ON e.id = p.escalation_id "
            "WHERE p.dm_group = ? AND e.state IN ('active', 'exhausted') LIMIT 1", (group,)).fetchone()
        return row is not None

    def set_group(self, page_id: int, group: str) -> None:
        self.db.execute("UPDATE pages SET dm_group = ? WHERE id = ?", (group, page_id))

    def open_alert_group(self, user: str, source: str) -> str | None:
        """The DM that already shows this person's unanswered pages about alerts from ``source``: the
        last one made for them, while it still waits for an answer. Two primary-key lookups, whatever
        the storm (a search through the person's pages would be planned badly on a table that grew
        faster than PostgreSQL's statistics)."""
        group = self.db.scalar("SELECT dm_group FROM alert_dm_groups WHERE user_id = ? AND source = ?",
                               (user, source))
        return group if group and self.group_is_open(group) else None

    def remember_alert_group(self, user: str, source: str, group: str) -> None:
        self.db.execute("INSERT INTO alert_dm_groups (user_id, source, dm_group) VALUES (?, ?, ?) "
                        "ON CONFLICT (user_id, source) DO UPDATE SET dm_group = excluded.dm_group",
                        (user, source, group))

    def active_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM escalations WHERE state = 'active'").fetchone()[0])
