"""Queries for escalations and the pages they sent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from kernel.paging import Escalation, EscalationState, Level, Page, PageGroup
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
               created_by: str | None, at: float) -> Escalation:
        """The new escalation as stored."""
        kind, _, ref = subject.partition(":")
        row = self.db.insert_returning("escalations", {
            "subject": subject, "subject_kind": kind, "subject_id": int(ref), "policy": policy,
            "levels": _levels_to_json(levels), "repeat": repeat, "reason": reason, "created_by": created_by,
            "created_at": at}, _COLUMNS)
        assert row is not None
        return _escalation(row)

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

    def group(self, group: str) -> PageGroup | None:
        """The DM's first and last page and whether it is about one escalation: three index lookups,
        not a read of every page a storm put in it."""
        first = self.db.one(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE dm_group = ? ORDER BY id LIMIT 1", (group,))
        if first is None:
            return None
        last = self.db.one(f"SELECT {_PAGE_COLUMNS} FROM pages WHERE dm_group = ? ORDER BY id DESC LIMIT 1", (group,))
        other = self.db.one("SELECT 1 FROM pages WHERE dm_group = ? AND escalation_id != ? LIMIT 1",
                            (group, first[1]))
        return PageGroup(Page(*first), Page(*last), one_escalation=other is None)

    def group_subjects(self, group: str) -> list[int]:
        """The alerts whose pages the DM shows, in the order they were paged."""
        return [int(r[0]) for r in self.db.execute(
            "SELECT e.subject_id FROM pages p JOIN escalations e ON e.id = p.escalation_id "
            "WHERE p.dm_group = ? AND e.subject_kind = 'alert' GROUP BY e.subject_id ORDER BY min(p.id)",
            (group,)).fetchall()]

    def group_alerts(self, group: str, limit: int) -> tuple[list[int], int, int]:
        """The alerts a grouped DM shows: up to ``limit`` ids (newest page first), how many in all, how
        many pending. The newest come from the group's newest pages (an index range, whatever a storm
        put in the DM); only the counts read the whole group."""
        newest: list[int] = []
        for (alert_id,) in self.db.execute(
                "SELECT e.subject_id FROM pages p JOIN escalations e ON e.id = p.escalation_id "
                "WHERE p.dm_group = ? AND e.subject_kind = 'alert' ORDER BY p.id DESC LIMIT ?",
                (group, limit * 4)).fetchall():   # an alert paged again has several pages in its DM
            if alert_id not in newest:
                newest.append(alert_id)
        total, pending = self.db.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) FROM alerts "
            "WHERE id IN (SELECT e.subject_id FROM pages p JOIN escalations e ON e.id = p.escalation_id "
            "             WHERE p.dm_group = ? AND e.subject_kind = 'alert')", (group,)).fetchone()
        return newest[:limit], int(total), int(pending)

    def set_group(self, page_id: int, group: str) -> None:
        self.db.execute("UPDATE pages SET dm_group = ? WHERE id = ?", (group, page_id))

    def open_alert_group(self, user: str, alert_id: int) -> tuple[str, str | None]:
        """The alert's source, and the DM that already shows this person's unanswered pages about
        alerts from that source (the last one made for them, while it still waits for an answer), in
        one round trip. Primary-key and index lookups whatever the storm: a search through the
        person's pages would be planned badly on a table that grew faster than PostgreSQL's statistics."""
        row = self.db.one(
            "SELECT a.source, g.dm_group, EXISTS (SELECT 1 FROM pages p JOIN escalations e ON e.id = p.escalation_id "
            "  WHERE p.dm_group = g.dm_group AND e.state IN ('active', 'exhausted')) "
            "FROM alerts a LEFT JOIN alert_dm_groups g ON g.source = a.source AND g.user_id = ? WHERE a.id = ?",
            (user, alert_id))
        if row is None:
            return "", None
        source, group, is_open = row
        return source, (group if group and is_open else None)

    def remember_alert_group(self, user: str, source: str, group: str) -> None:
        self.db.execute("INSERT INTO alert_dm_groups (user_id, source, dm_group) VALUES (?, ?, ?) "
                        "ON CONFLICT (user_id, source) DO UPDATE SET dm_group = excluded.dm_group",
                        (user, source, group))

    def active_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM escalations WHERE state = 'active'").fetchone()[0])
