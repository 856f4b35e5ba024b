"""What the insights page reads: a date range of incidents, alerts and pages, in SQL both engines
understand. Dates are bucketed (months, weeks) in Python from the timestamps, in the viewer's zone:
SQLite and PostgreSQL bucket differently, and neither knows the viewer.

``viewer``: None for someone who sees every incident (an incident manager); otherwise a user ID, and a
private incident counts only when that person is in it (as in Slack). The private incidents hidden
from a viewer are few: counts are taken over everything from the indexes, and what concerns the
hidden ones is subtracted (a visibility test on every page row cost 100 ms at 25,000 pages).

``change_keys`` is what a kept report's parts are kept by (bot/insights.py): each moves with every change
to what its part counts, and all cost a few index lookups.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from storage.database import Database
from storage.incidents import involves_params, involves_sql

_HIDDEN = f"i.is_private = 1 AND NOT {involves_sql('i')}"
# the timeline events that change what a report counts: its own first response, and the incident's
# severity, resolution and existence (each domain change to those appends one); as index timeline_counted
COUNTED_EVENTS = "('declared', 'acknowledged', 'update', 'severity', 'resolved', 'reopened')"
ACK_SKEW_SECONDS = 60     # replicas' clocks agree better than this (lease expiry times are compared across them too)


class ChangeKeys(NamedTuple):
    """One value per part of a report, each moving whenever what that part counts may have changed."""
    incidents: tuple     # MTTA, MTTR, incidents per week
    alerts: tuple        # alerts per source
    pages: tuple         # pages per person


class IncidentTimes(NamedTuple):    # a tuple: thousands are made per report, a frozen dataclass costs 4x
    id: int
    severity: str
    declared_at: float
    resolved_at: float | None
    first_response_at: float | None     # first acknowledged page about it, or first status update


@dataclass(frozen=True)
class SourceCount:
    source: str
    alerts: int
    events: int          # repeats of an open alert count here, not as alerts


@dataclass(frozen=True)
class PersonPages:
    user: str
    pages: int           # pages sent to them
    acknowledged: int    # pages (escalations) they acknowledged, whoever had been paged


class InsightsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def change_keys(self) -> ChangeKeys:
        """Values that move whenever anything a report's part counts may have changed. Each is made of
        index lookups or a count over a small index:
        - incidents: a new one (max id); a change to one (``updated_at``, and the timeline event every
          domain change appends, of the kinds in COUNTED_EVENTS, so the channel's chatter does not count);
          a first response (such an event too) or a moved one (an edit leaves a ``timeline_audit`` row);
        - alerts: a new one (max id); a repeat adds 1 to an open alert's ``event_count``; a resolved one
          leaves the open ones and never changes again (a repeat after it starts a new alert);
        - pages: a new one (max id); an acknowledgement: the latest one's time, and how many there are from
          a minute before it on (a second one at the same instant, or from a replica whose clock is a
          little behind, adds to that count; counting every acknowledgement ever would grow without end).
        Who may see a private incident is in none of them: parts are kept per set of hidden incidents,
        read on every view."""
        row = self.db.one(
            "SELECT (SELECT max(id) FROM incidents), (SELECT max(updated_at) FROM incidents), "
            f"(SELECT max(id) FROM timeline WHERE kind IN {COUNTED_EVENTS}), (SELECT max(id) FROM timeline_audit), "
            "(SELECT max(id) FROM alerts), "
            "(SELECT count(*) FROM alerts WHERE status != 'resolved'), "
            "(SELECT sum(event_count) FROM alerts WHERE status != 'resolved'), "
            "(SELECT max(id) FROM pages), (SELECT max(acked_at) FROM escalations WHERE acked_by IS NOT NULL)")
        values = tuple(row) if row else (None,) * 9
        acked = None
        if values[8] is not None:
            # a statement of its own: with the bound as a value PostgreSQL plans an index range, with a
            # subquery it guessed a third of the table and read all of it
            acked = self.db.scalar("SELECT count(*) FROM escalations WHERE acked_by IS NOT NULL AND acked_at >= ?",
                                   (float(values[8]) - ACK_SKEW_SECONDS,))
        return ChangeKeys(values[0:4], values[4:7], (*values[7:9], acked))

    def hidden_incidents(self, viewer: str | None) -> set[int]:
        """The private incidents ``viewer`` is not in (none for someone who sees everything)."""
        if viewer is None:
            return set()
        return {int(r[0]) for r in self.db.query(f"SELECT i.id FROM incidents i WHERE {_HIDDEN}",
                                                 involves_params(viewer))}

    def incidents(self, start: float, end: float, viewer: str | None, *,
                  hidden: Collection[int] | None = None) -> list[IncidentTimes]:
        """Incidents declared in [start, end), with when each was first answered (timeline_responses).
        ``hidden``: the viewer's hidden incidents when the caller has them already."""
        hidden = self.hidden_incidents(viewer) if hidden is None else hidden
        rows = self.db.query(
            "SELECT i.id, i.severity, i.declared_at, i.resolved_at, "
            "  (SELECT min(t.at) FROM timeline t WHERE t.incident_id = i.id "
            "   AND t.kind IN ('acknowledged', 'update')) "
            "FROM incidents i WHERE i.declared_at >= ? AND i.declared_at < ? ORDER BY i.declared_at", (start, end))
        return [IncidentTimes(r[0], r[1], float(r[2]), _float(r[3]), _float(r[4]))
                for r in rows if r[0] not in hidden]

    def alerts_per_source(self, start: float, end: float) -> list[SourceCount]:
        """Alerts created in [start, end) by source (alerts are seen by everyone who answers them)."""
        rows = self.db.query("SELECT source, count(*), coalesce(sum(event_count), 0) FROM alerts "
                             "WHERE created_at >= ? AND created_at < ? GROUP BY source", (start, end))
        found = [SourceCount(str(r[0]), int(r[1]), int(r[2])) for r in rows]
        return sorted(found, key=lambda s: (-s.alerts, s.source))

    def pages_per_person(self, start: float, end: float, viewer: str | None, *,
                         hidden: Collection[int] | None = None) -> list[PersonPages]:
        """Pages sent and acknowledged in [start, end) by person, leaving out those about an incident
        the viewer may not see (``hidden``, when the caller has them already)."""
        pages = self._counts("SELECT user_id, count(*) FROM pages WHERE sent_at >= ? AND sent_at < ? GROUP BY user_id",
                             (start, end))
        acks = self._counts("SELECT acked_by, count(*) FROM escalations WHERE acked_by IS NOT NULL "
                            "AND acked_at >= ? AND acked_at < ? GROUP BY acked_by", (start, end))
        hidden = self.hidden_incidents(viewer) if hidden is None else hidden
        # what concerns the hidden incidents is subtracted: their escalations by subject, then those
        # escalations' pages, an index lookup each (the hidden ones are few). Named by id, never joined:
        # a join against the hidden ones took PostgreSQL seconds on freshly loaded tables, and a join
        # with the range had SQLite read every page in it.
        for ids in _chunks(sorted(hidden)):
            marks = ", ".join("?" for _ in ids)
            escalations = self.db.query("SELECT id, acked_by, acked_at FROM escalations WHERE subject_kind = 'incident' "
                                        f"AND subject_id IN ({marks})", tuple(ids))
            for _, user, at in escalations:
                if user is not None and start <= at < end:
                    acks[str(user)] = acks.get(str(user), 0) - 1
            for some in _chunks([int(e[0]) for e in escalations]):
                marks = ", ".join("?" for _ in some)
                for user, at in self.db.query(f"SELECT user_id, sent_at FROM pages WHERE escalation_id IN ({marks})",
                                              tuple(some)):
                    if start <= at < end:
                        pages[str(user)] = pages.get(str(user), 0) - 1
        people = [PersonPages(user, n, acks.get(user, 0)) for user, n in pages.items() if n > 0]
        return sorted(people, key=lambda p: (-p.pages, p.user))

    def _counts(self, sql: str, params: tuple) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.db.query(sql, params)}


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """Ids a few hundred at a time: one statement's parameters are limited (SQLite: 32,766)."""
    for first in range(0, len(ids), size):
        yield ids[first:first + size]


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
