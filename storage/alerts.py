"""Queries for alerts, their channel batches and their log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from kernel.alerts import Alert, AlertStatus
from storage.database import Database

_COLUMNS = ("id, source, dedup_key, summary, details, priority, status, policy, channel, created_by, created_at, "
            "updated_at, event_count, accepted_by, accepted_at, resolved_by, resolved_at, incident_id, labels, batch_id, silenced")


# a statement's key list is one of these lengths. 49 keys and the source are 50 parameters: psycopg keeps
# a query's parsed form only up to 50, and parsing one of more cost more than the read itself
_KEY_LIST_SIZES = (1, 4, 16, 49)


# rows of one repeat-counting statement: 9 rows of 5 and the time are 46 parameters (under psycopg's 50)
_REPEAT_ROWS = (1, 3, 9)
_NO_ALERT = (0, "", "", "{}", 0)     # fills a statement's spare rows: no alert has id 0


@dataclass(frozen=True)
class Repeat:
    """An open alert fired ``count`` more times; its texts and labels are the last firing's."""

    alert_id: int
    summary: str
    details: str
    labels: dict[str, Any]
    count: int


def _shaped(items: list, sizes: tuple[int, ...], filler: Callable[[list], Any]) -> list[list]:
    """``items`` in chunks of at most ``sizes[-1]``, each filled up to the next of ``sizes`` with
    ``filler(chunk)``: each size is a statement of its own that PostgreSQL prepares, and a length per
    count would keep preparing new ones."""
    chunks = []
    for start in range(0, len(items), sizes[-1]):
        chunk = items[start:start + sizes[-1]]
        size = next(n for n in sizes if n >= len(chunk))
        chunks.append(chunk + [filler(chunk)] * (size - len(chunk)))
    return chunks


def _alert(row: tuple) -> Alert:
    values = list(row)
    values[6] = AlertStatus(values[6])
    values[18] = json.loads(values[18] or "{}")
    return Alert(*values)


class AlertStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # told of every alert log entry (alert_id, kind, at, actor, data) as it is written, inside the
        # writer's transaction: the alert's state changes all pass here (outbound webhooks listen)
        self.observers: list[Callable[[int, str, float, "str | None", dict[str, Any]], None]] = []

    def insert(self, **fields: Any) -> Alert | None:
        """The new alert as stored; None when an open alert already has its dedup key (another replica
        recorded the same event a moment ago: the caller treats this one as a repeat)."""
        fields = dict(fields, labels=json.dumps(fields.get("labels") or {}), status=str(fields["status"]))
        row = self.db.insert_returning("alerts", fields, _COLUMNS, on_conflict_ignore=True)
        return _alert(row) if row else None

    def update(self, alert_id: int, **fields: Any) -> None:
        if "status" in fields:
            fields["status"] = str(fields["status"])
        if "labels" in fields:
            fields["labels"] = json.dumps(fields["labels"])
        self.db.update("alerts", alert_id, fields)

    def fired_again(self, source: str, dedup_key: str, *, summary: str, details: str, labels: dict[str, Any],
                    at: float) -> Alert | None:
        """The open alert under ``dedup_key`` fired again: counted and updated in one statement, the
        path a storm's repeats take. None when nothing is open under that key."""
        row = self.db.execute(
            "UPDATE alerts SET summary = ?, details = ?, labels = ?, event_count = event_count + 1, updated_at = ? "
            f"WHERE source = ? AND dedup_key = ? AND status != 'resolved' RETURNING {_COLUMNS}",
            (summary, details, json.dumps(labels), at, source, dedup_key)).fetchone()
        return _alert(row) if row else None

    def open_by_keys_later(self, source: str, dedup_keys: Sequence[str]) -> Callable[[], dict[str, Alert]]:
        """The open alerts of ``source`` under ``dedup_keys``, by key, read when called: a slice of webhook
        deliveries asks for its keys at once, with no wait of its own."""
        if not dedup_keys:
            return dict
        # a few list lengths only (the last key repeated to fill one); more keys than the longest list:
        # several statements, all sent before any is read
        reads = [self.db.all_later(
            f"SELECT {_COLUMNS} FROM alerts WHERE source = ? AND dedup_key IN ({', '.join('?' for _ in keys)}) "
            "AND status != 'resolved'", (source, *keys))
            for keys in _shaped(list(dedup_keys), _KEY_LIST_SIZES, lambda chunk: chunk[-1])]
        return lambda: {alert.dedup_key: alert for read in reads for alert in map(_alert, read())}

    def count_repeats(self, repeats: Sequence[Repeat], at: float) -> Callable[[], int]:
        """:meth:`fired_again` for alerts the caller knows are open (each alert once in ``repeats``),
        without waiting for the answer: a statement for up to 9 of them, not one each (a statement costs
        more than its rows). The callable says how many were still open: ``len(repeats)`` when all were."""
        rows = [(r.alert_id, r.summary, r.details, json.dumps(r.labels), r.count) for r in repeats]
        # VALUES names its columns column1, column2…: on SQLite and on PostgreSQL alike
        counted = [self.db.rowcount_later(
            "UPDATE alerts SET summary = v.column2, details = v.column3, labels = v.column4, "
            "event_count = alerts.event_count + v.column5, updated_at = ? "
            f"FROM (VALUES {', '.join('(?, ?, ?, ?, ?)' for _ in chunk)}) AS v "
            "WHERE alerts.id = v.column1 AND alerts.status != 'resolved'",
            (at, *(value for row in chunk for value in row)))
            for chunk in _shaped(rows, _REPEAT_ROWS, lambda _: _NO_ALERT)]
        return lambda: sum(changed() for changed in counted)

    def get(self, alert_id: int) -> Alert | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return _alert(row) if row else None

    def get_many(self, alert_ids: list[int]) -> list[Alert]:
        """The alerts in the order asked (those that exist), in one round trip."""
        if not alert_ids:
            return []
        marks = ", ".join("?" for _ in alert_ids)
        found = {row[0]: _alert(row) for row in self.db.execute(
            f"SELECT {_COLUMNS} FROM alerts WHERE id IN ({marks})", tuple(alert_ids)).fetchall()}
        return [found[i] for i in alert_ids if i in found]

    def open_by_key(self, source: str, dedup_key: str) -> Alert | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM alerts WHERE source = ? AND dedup_key = ? AND status != 'resolved'",
            (source, dedup_key)).fetchone()
        return _alert(row) if row else None

    def open_alerts(self, limit: int = 50) -> list[Alert]:
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM alerts WHERE status != 'resolved' ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [_alert(r) for r in rows]

    def find(self, *, state: str = "open", before: int | None = None, limit: int = 50) -> list[Alert]:
        """Newest first: ``state`` open (pending or acknowledged), resolved or all; ``before``: only alerts
        numbered below it (the next page)."""
        where, params = [], []
        if state in ("open", "resolved"):
            where.append("status != 'resolved'" if state == "open" else "status = 'resolved'")
        if before is not None:
            where.append("id < ?")
            params.append(before)
        rows = self.db.query(f"SELECT {_COLUMNS} FROM alerts {'WHERE ' if where else ''}{' AND '.join(where)} "
                             "ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_alert(r) for r in rows]

    def count_open(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM alerts WHERE status != 'resolved'").fetchone()[0])

    def count_open_keyed(self, source: str) -> int:
        """Open alerts of ``source`` that have a dedup key (every webhook alert has one), as the
        triggers on alerts keep it."""
        return int(self.db.scalar('SELECT "open" FROM alert_source_open WHERE source = ?', (source,)) or 0)

    def for_incident(self, incident_id: int) -> list[Alert]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE incident_id = ? ORDER BY id",
                                    (incident_id,)).fetchall()
        return [_alert(r) for r in rows]

    def log(self, alert_id: int, kind: str, *, at: float, actor: str | None = None,
            data: dict[str, Any] | None = None) -> None:
        self.db.execute("INSERT INTO alert_log (alert_id, at, kind, actor, data) VALUES (?, ?, ?, ?, ?)",
                             (alert_id, at, kind, actor, json.dumps(data or {})))
        for observer in self.observers:
            observer(alert_id, kind, at, actor, data or {})

    # channel batches -------------------------------------------------------------------------
    def open_batch(self, channel: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM alert_batches WHERE channel = ? AND posted_at IS NULL ORDER BY id DESC LIMIT 1",
            (channel,)).fetchone()
        return int(row[0]) if row else None

    def last_post_at(self, channel: str) -> float | None:
        row = self.db.execute("SELECT max(posted_at) FROM alert_batches WHERE channel = ?", (channel,)).fetchone()
        return row[0]

    def new_batch(self, channel: str, at: float) -> int:
        return int(self.db.insert("alert_batches", {"channel": channel, "opened_at": at}))

    def close_batch(self, batch_id: int, at: float) -> None:
        self.db.execute("UPDATE alert_batches SET posted_at = ? WHERE id = ? AND posted_at IS NULL",
                             (at, batch_id))

    def batch_channel(self, batch_id: int) -> str | None:
        row = self.db.execute("SELECT channel FROM alert_batches WHERE id = ?", (batch_id,)).fetchone()
        return row[0] if row else None

    def in_batch(self, batch_id: int) -> list[Alert]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE batch_id = ? ORDER BY id",
                                    (batch_id,)).fetchall()
        return [_alert(r) for r in rows]

    def batch_of(self, alert_id: int) -> int | None:
        row = self.db.execute("SELECT batch_id FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return row[0] if row else None
