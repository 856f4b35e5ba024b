"""What the insights page reads: a date range of incidents, alerts and pages, in SQL both engines
understand. Dates are bucketed (months, weeks) in Python from the timestamps, in the viewer's zone:
SQLite and PostgreSQL bucket differently, and neither knows the viewer.

``viewer``: None for someone who sees every incident (an incident manager); otherwise a user ID, and a
private incident counts only when that person is in it (as in Slack). The private incidents hidden
from a viewer are few: counts are taken over everything from the indexes, and what concerns the
hidden ones is subtracted (a visibility test on every page row cost 100 ms at 25,000 pages).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database
from storage.incidents import involves_params, involves_sql

_HIDDEN = f"i.is_private = 1 AND NOT {involves_sql('i')}"


@dataclass(frozen=True)
class IncidentTimes:
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

    def hidden_incidents(self, viewer: str | None) -> set[int]:
        """The private incidents ``viewer`` is not in (none for someone who sees everything)."""
        if viewer is None:
            return set()
        return {int(r[0]) for r in self.db.query(f"SELECT i.id FROM incidents i WHERE {_HIDDEN}",
                                                 involves_params(viewer))}

    def incidents(self, start: float, end: float, viewer: str | None) -> list[IncidentTimes]:
        """Incidents declared in [start, end), with when each was first answered (timeline_responses)."""
        hidden = self.hidden_incidents(viewer)
        rows = self.db.query(
            "SELECT i.id, i.severity, i.declared_at, i.resolved_at, "
            "  (SELECT min(t.at) FROM timeline t WHERE t.incident_id = i.id "
            "   AND t.kind IN ('acknowledged', 'update')) "
            "FROM incidents i WHERE i.declared_at >= ? AND i.declared_at < ? ORDER BY i.declared_at", (start, end))
        return [IncidentTimes(int(r[0]), str(r[1]), float(r[2]), _float(r[3]), _float(r[4]))
                for r in rows if int(r[0]) not in hidden]

    def alerts_per_source(self, start: float, end: float) -> list[SourceCount]:
        """Alerts created in [start, end) by source (alerts are seen by everyone who answers them)."""
        rows = self.db.query("SELECT source, count(*), coalesce(sum(event_count), 0) FROM alerts "
                             "WHERE created_at >= ? AND created_at < ? GROUP BY source", (start, end))
        found = [SourceCount(str(r[0]), int(r[1]), int(r[2])) for r in rows]
        return sorted(found, key=lambda s: (-s.alerts, s.source))

    def pages_per_person(self, start: float, end: float, viewer: str | None) -> list[PersonPages]:
        """Pages sent and acknowledged in [start, end) by person, leaving out those about an incident
        the viewer may not see."""
        pages = self._counts("SELECT user_id, count(*) FROM pages WHERE sent_at >= ? AND sent_at < ? GROUP BY user_id",
                             (start, end))
        acks = self._counts("SELECT acked_by, count(*) FROM escalations WHERE acked_by IS NOT NULL "
                            "AND acked_at >= ? AND acked_at < ? GROUP BY acked_by", (start, end))
        hidden = self.hidden_incidents(viewer)
        if hidden:
            # what concerns incidents, filtered here: simple index ranges whatever the planner's statistics
            # (a join against the hidden ones took PostgreSQL seconds on freshly loaded tables)
            for counts, sql in (
                    (pages, "SELECT p.user_id, e.subject_id FROM pages p JOIN escalations e ON e.id = p.escalation_id "
                            "WHERE p.sent_at >= ? AND p.sent_at < ? AND e.subject_kind = 'incident'"),
                    (acks, "SELECT acked_by, subject_id FROM escalations WHERE acked_by IS NOT NULL "
                           "AND acked_at >= ? AND acked_at < ? AND subject_kind = 'incident'")):
                for user, incident in self.db.query(sql, (start, end)):
                    if int(incident) in hidden:
                        counts[str(user)] = counts.get(str(user), 0) - 1
        people = [PersonPages(user, n, acks.get(user, 0)) for user, n in pages.items() if n > 0]
        return sorted(people, key=lambda p: (-p.pages, p.user))

    def _counts(self, sql: str, params: tuple) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in self.db.query(sql, params)}


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
