"""Queries for incidents, their roles, timeline, follow-ups and links."""

from __future__ import annotations

import json
from typing import Any, Callable

from kernel.incidents import FollowUp, Incident, IncidentQuery, Link, Status, TimelineEvent
from storage.database import Database, RowId

_INCIDENT_COLUMNS = (
    "id, title, description, severity, status, commander, declared_by, declared_at, declared_in, "
    "is_private, channel_name, channel_id, resolved_at, summary, root_cause, mitigation, "
    "last_update_at, snoozed_until, source, updated_at, incident_type"
)


def involves_sql(alias: str) -> str:
    """SQL that is true when the person in :func:`involves_params` is in the incident row ``alias``:
    declared it, commands it, holds a role, or joined its channel. One definition for one incident and
    for queries over many (insights), so "who is in it" cannot drift between them."""
    return (f"({alias}.declared_by = ? OR {alias}.commander = ? "
            f"OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = {alias}.id AND r.user_id = ?) "
            f"OR EXISTS (SELECT 1 FROM timeline t WHERE t.incident_id = {alias}.id AND t.kind = 'joined' "
            f"AND t.actor = ?))")


def involves_params(user: str) -> tuple[str, str, str, str]:
    return (user, user, user, user)



_EVENT_COLUMNS = "id, incident_id, at, actor, kind, text, data, is_key, message_ts, edited_at, deleted_at"


def _event(r: tuple) -> TimelineEvent:
    return TimelineEvent(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), bool(r[7]), r[8], r[9], r[10])


def _event_changes(**values: Any) -> dict[str, Any]:
    """The columns to set: the values given (not None), is_key as the 0/1 both engines store."""
    fields = {k: v for k, v in values.items() if v is not None}
    if "is_key" in fields:
        fields["is_key"] = int(fields["is_key"])
    return fields


def _kinds(messages: bool, leaving_out: frozenset[str]) -> tuple[str, list[str]]:
    if messages:
        return "kind = 'message'", []
    left = sorted(leaving_out | {"message"})
    return f"kind NOT IN ({', '.join('?' for _ in left)})", left


def _incident(row: tuple) -> Incident:
    values = list(row)
    values[4] = Status(values[4])
    values[9] = bool(values[9])
    values[18] = json.loads(values[18] or "{}")
    return Incident(*values)


class IncidentStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # told of every timeline entry as it is written, inside the writer's transaction (outbound
        # webhooks record their deliveries here: one place sees every change to every incident)
        self.observers: list[Callable[[TimelineEvent], None]] = []

    # incidents -------------------------------------------------------------------------------
    def insert(self, **fields: Any) -> int:
        fields = dict(fields)
        fields["source"] = json.dumps(fields.get("source") or {})
        fields["status"] = str(fields["status"])
        fields["is_private"] = int(bool(fields.get("is_private")))
        return self.db.insert("incidents", fields)

    def update(self, incident_id: int, **fields: Any) -> None:
        if "status" in fields:
            fields["status"] = str(fields["status"])
        if "source" in fields:
            fields["source"] = json.dumps(fields["source"])
        self.db.update("incidents", incident_id, fields)

    def get(self, incident_id: int) -> Incident | None:
        row = self.db.execute(f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return _incident(row) if row else None

    def get_later(self, incident_id: int) -> Callable[[], Incident]:
        """The incident as the transaction under way leaves it, for the caller to read once it is
        committed: PostgreSQL answers this read with the COMMIT, so it costs no round trip of its own."""
        row = self.db.one_later(f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,))
        return lambda: _incident(row())

    def by_channel(self, channel_id: str) -> Incident | None:
        row = self.db.execute(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE channel_id = ?", (channel_id,)
        ).fetchone()
        return _incident(row) if row else None

    def open_incidents(self, limit: int = 1000) -> list[Incident]:
        rows = self.db.execute(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE status != 'resolved' ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_incident(r) for r in rows]

    def find(self, *, state: str = "open", severity: str | None = None, before: int | None = None,
              limit: int = 50) -> list[Incident]:
        """Newest first: ``state`` open, resolved or all; ``severity`` by its name (SEV2); ``before``: only
        incidents numbered below it (the next page)."""
        where, params = [], []
        if state in ("open", "resolved"):
            where.append("status != 'resolved'" if state == "open" else "status = 'resolved'")
        if severity is not None:
            where += ["severity = ?"]
            params.append(severity)
        if before is not None:
            where += ["id < ?"]
            params.append(before)
        rows = self.db.query(f"SELECT {_INCIDENT_COLUMNS} FROM incidents {'WHERE ' if where else ''}"
                             f"{' AND '.join(where)} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_incident(r) for r in rows]

    def declared_by_since(self, user: str, since: float) -> list[Incident]:
        rows = self.db.query(f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE declared_by = ? AND declared_at >= ? "
                             "ORDER BY id", (user, since))
        return [_incident(r) for r in rows]

    def involves(self, incident_id: int, user: str) -> bool:
        """The person is in the incident: declared it, holds a role, or joined its channel."""
        row = self.db.execute(f"SELECT 1 FROM incidents i WHERE i.id = ? AND {involves_sql('i')}",
                              (incident_id, *involves_params(user))).fetchone()
        return row is not None

    def search(self, query: IncidentQuery, *, visible_to: str | None) -> tuple[list[Incident], int]:
        """One page of the incidents matching ``query``, newest first, and how many match in all.
        ``visible_to``: only public incidents and the private ones this person is in (None: all)."""
        where, params = _conditions(query)
        if visible_to is not None:
            where.append(f"(i.is_private = 0 OR {involves_sql('i')})")
            params += involves_params(visible_to)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        total = int(self.db.scalar(f"SELECT count(*) FROM incidents i{clause}", params) or 0)
        columns = ", ".join("i." + c.strip() for c in _INCIDENT_COLUMNS.split(","))
        rows = self.db.query(f"SELECT {columns} FROM incidents i{clause} ORDER BY i.id DESC LIMIT ? OFFSET ?",
                             (*params, query.limit, query.offset))
        return [_incident(r) for r in rows], total

    def record_mark(self, incident_id: int) -> tuple:
        """Changes whenever anything shown of the incident's record changes (its row, timeline, alerts):
        a live page asks this, and only renders again when it moved."""
        return tuple(self.db.one(
            "SELECT i.updated_at, i.status, i.severity, i.commander, i.channel_id, "
            "(SELECT count(*) FROM timeline t WHERE t.incident_id = i.id), "
            "(SELECT max(id) FROM timeline t WHERE t.incident_id = i.id), "
            "(SELECT max(coalesce(edited_at, 0) + coalesce(deleted_at, 0)) FROM timeline t WHERE t.incident_id = i.id), "
            "(SELECT count(*) FROM timeline_audit a WHERE a.incident_id = i.id), "
            "(SELECT max(updated_at) FROM alerts a WHERE a.incident_id = i.id) "
            "FROM incidents i WHERE i.id = ?", (incident_id,)) or ())

    def channel_names_starting(self, prefix: str) -> set[str]:
        """Every channel name warroom has given (or is about to give) that starts with ``prefix``."""
        # not LIKE: channel names are full of its wildcard "_"
        rows = self.db.query("SELECT channel_name FROM incidents WHERE substr(channel_name, 1, ?) = ?",
                             (len(prefix), prefix))
        return {r[0] for r in rows}

    def channel_taken_by_other(self, channel_id: str, incident_id: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM incidents WHERE channel_id = ? AND id != ?", (channel_id, incident_id)
        ).fetchone()
        return row is not None

    # roles -----------------------------------------------------------------------------------
    def roles(self, incident_id: int) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT role, user_id FROM incident_roles WHERE incident_id = ? ORDER BY assigned_at", (incident_id,)
        ).fetchall()
        return {role: user for role, user in rows}

    def people(self, incident_id: int) -> list[str]:
        """Everyone the record names: who declared it, commands it, holds a role, joined or spoke."""
        rows = self.db.query(
            "SELECT declared_by FROM incidents WHERE id = ? UNION SELECT commander FROM incidents WHERE id = ? "
            "UNION SELECT user_id FROM incident_roles WHERE incident_id = ? "
            "UNION SELECT actor FROM timeline WHERE incident_id = ? AND actor IS NOT NULL",
            (incident_id, incident_id, incident_id, incident_id))
        return sorted({r[0] for r in rows if r[0]})

    def set_role(self, incident_id: int, role: str, user_id: str, *, by: str | None, at: float) -> None:
        self.db.execute(
            "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (incident_id, role) DO UPDATE SET user_id = excluded.user_id, "
            "assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by",
            (incident_id, role, user_id, at, by),
        )

    # timeline --------------------------------------------------------------------------------
    def add_event(
        self, incident_id: int, *, at: float, actor: str | None, kind: str, text: str = "",
        data: dict[str, Any] | None = None, is_key: bool = False, message_ts: str | None = None,
    ) -> int | RowId:
        event_id = self.db.insert_for_id("timeline", {
            "incident_id": incident_id, "at": at, "actor": actor, "kind": kind, "text": text,
            "data": json.dumps(data or {}), "is_key": int(is_key), "message_ts": message_ts})
        if self.observers:   # outbound webhooks: they are handed the event with its id, so it is read now
            event = TimelineEvent(int(event_id), incident_id, at, actor, kind, text, data or {}, is_key, message_ts)
            for observer in self.observers:
                observer(event)
        return event_id

    def timeline(self, incident_id: int, *, key_only: bool = False, include_deleted: bool = False) -> list[TimelineEvent]:
        """The record as people left it: edited texts and times, deleted events left out (unless asked)."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM timeline WHERE incident_id = ?"
        if key_only:
            sql += " AND is_key = 1"
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        return [_event(r) for r in self.db.execute(sql + " ORDER BY at, id", (incident_id,)).fetchall()]

    def event(self, event_id: int) -> TimelineEvent | None:
        """One event by its id, deleted or not (the caller says what a deleted one means)."""
        row = self.db.execute(f"SELECT {_EVENT_COLUMNS} FROM timeline WHERE id = ?", (event_id,)).fetchone()
        return _event(row) if row else None

    def latest_events(self, incident_id: int, *, messages: bool, limit: int,
                      leaving_out: frozenset[str] = frozenset()) -> list[TimelineEvent]:
        """The newest ``limit`` events not deleted, newest first: channel messages (``messages``) or the
        other events but those of the kinds ``leaving_out``. A prompt or a digest takes the end of a long
        record without reading all of it."""
        where, params = _kinds(messages, leaving_out)
        rows = self.db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM timeline WHERE incident_id = ? AND {where} AND deleted_at IS NULL "
            "ORDER BY at DESC, id DESC LIMIT ?", (incident_id, *params, limit)).fetchall()
        return [_event(r) for r in rows]

    def count_events(self, incident_id: int, *, messages: bool, leaving_out: frozenset[str] = frozenset()) -> int:
        """How many events :meth:`latest_events` would give without its limit."""
        where, params = _kinds(messages, leaving_out)
        return int(self.db.scalar(f"SELECT count(*) FROM timeline WHERE incident_id = ? AND {where} "
                                  "AND deleted_at IS NULL", (incident_id, *params)) or 0)

    def timeline_counts(self, incident_id: int) -> dict[str, int]:
        """How many entries of each kind the record shows (what :meth:`timeline` returns, counted in SQL):
        a postmortem says "20,000 messages" without reading them."""
        rows = self.db.query("SELECT kind, count(*) FROM timeline WHERE incident_id = ? AND deleted_at IS NULL "
                             "GROUP BY kind", (incident_id,))
        return {kind: int(n) for kind, n in rows}

    def message_event(self, incident_id: int, message_ts: str) -> TimelineEvent | None:
        row = self.db.execute(f"SELECT {_EVENT_COLUMNS} FROM timeline WHERE incident_id = ? AND message_ts = ?",
                              (incident_id, message_ts)).fetchone()
        return _event(row) if row else None

    def update_message(self, incident_id: int, message_ts: str, *, text: str | None = None,
                       edited_at: float | None = None, deleted_at: float | None = None,
                       is_key: bool | None = None) -> bool:
        fields = _event_changes(text=text, edited_at=edited_at, deleted_at=deleted_at, is_key=is_key)
        return self._change_events(fields, "incident_id = ? AND message_ts = ?", (incident_id, message_ts))

    def change_event(self, event_id: int, *, text: str | None = None, at: float | None = None,
                     edited_at: float | None = None, deleted_at: float | None = None,
                     is_key: bool | None = None) -> bool:
        """Change an event in place (the audit trail keeps what it was); None leaves a value as it is."""
        fields = _event_changes(text=text, at=at, edited_at=edited_at, deleted_at=deleted_at, is_key=is_key)
        return self._change_events(fields, "id = ?", (event_id,))

    def _change_events(self, fields: dict[str, Any], where: str, params: tuple) -> bool:
        if not fields:
            return False
        assignments = ", ".join(f"{k} = ?" for k in fields)
        cursor = self.db.execute(f"UPDATE timeline SET {assignments} WHERE {where}", (*fields.values(), *params))
        return cursor.rowcount > 0

    # follow-ups and links --------------------------------------------------------------------
    def add_followup(self, incident_id: int, *, text: str, owner: str | None, by: str, at: float) -> int:
        return int(self.db.insert("followups", {"incident_id": incident_id, "text": text, "owner": owner,
                                                "created_by": by, "created_at": at}))

    def followups(self, incident_id: int, *, open_only: bool = False) -> list[FollowUp]:
        sql = "SELECT id, incident_id, text, owner, created_by, created_at, done_at FROM followups WHERE incident_id = ?"
        if open_only:
            sql += " AND done_at IS NULL"
        return [FollowUp(*r) for r in self.db.execute(sql + " ORDER BY id", (incident_id,)).fetchall()]

    def followup(self, followup_id: int) -> FollowUp | None:
        row = self.db.one("SELECT id, incident_id, text, owner, created_by, created_at, done_at FROM followups "
                          "WHERE id = ?", (followup_id,))
        return FollowUp(*row) if row else None

    def complete_followup(self, followup_id: int, *, at: float) -> None:
        self.db.execute("UPDATE followups SET done_at = ? WHERE id = ?", (at, followup_id))

    def add_link(self, incident_id: int, *, url: str, title: str, by: str, at: float) -> int:
        return int(self.db.insert("links", {"incident_id": incident_id, "url": url, "title": title,
                                            "added_by": by, "added_at": at}))

    def links(self, incident_id: int) -> list[Link]:
        rows = self.db.execute(
            "SELECT id, incident_id, url, title, added_by, added_at, bookmark_id FROM links WHERE incident_id = ? ORDER BY id",
            (incident_id,),
        ).fetchall()
        return [Link(*r) for r in rows]

    def link(self, link_id: int) -> Link | None:
        row = self.db.execute(
            "SELECT id, incident_id, url, title, added_by, added_at, bookmark_id FROM links WHERE id = ?", (link_id,)
        ).fetchone()
        return Link(*row) if row else None

    def set_bookmark(self, link_id: int, bookmark_id: str) -> None:
        self.db.execute("UPDATE links SET bookmark_id = ? WHERE id = ?", (bookmark_id, link_id))

    def count_open(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM incidents WHERE status != 'resolved'").fetchone()[0])


def _conditions(query: IncidentQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if query.state == "open":
        where.append("i.status != 'resolved'")
    elif query.state == "resolved":
        where.append("i.status = 'resolved'")
    if query.severity:
        where.append("i.severity = ?")
        params.append(query.severity)
    if query.declared_from is not None:
        where.append("i.declared_at >= ?")
        params.append(query.declared_from)
    if query.declared_before is not None:
        where.append("i.declared_at < ?")
        params.append(query.declared_before)
    if query.title:
        # LIKE's wildcards typed in a search are meant literally
        escaped = query.title.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("lower(i.title) LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    return where, params
