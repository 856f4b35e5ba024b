"""What the insights page reads: a date range of incidents, alerts and pages, in SQL both engines
understand. Dates are bucketed (months, weeks) in Python from the timestamps, in the viewer's zone:
SQLite and PostgreSQL bucket differently, and neither knows the viewer.

``viewer``: None for someone who sees every incident (an incident manager); otherwise a user ID, and a
private incident counts only when that person is in it (as in Slack).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database
from storage.incidents import involves_params, involves_sql


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
    pages: int
    acknowledged: int    # of those pages, how many this person acknowledged themselves


class InsightsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def incidents(self, start: float, end: float, viewer: str | None) -> list[IncidentTimes]:
        """Incidents declared in [start, end), with when each was first answered (timeline_responses)."""
        visible, params = _visible("i", viewer)
        rows = self.db.query(
            "SELECT i.id, i.severity, i.declared_at, i.resolved_at, "
            "  (SELECT min(t.at) FROM timeline t WHERE t.incident_id = i.id "
            "   AND t.kind IN ('acknowledged', 'update')) "
            f"FROM incidents i WHERE i.declared_at >= ? AND i.declared_at < ? AND {visible} ORDER BY i.declared_at",
            (start, end, *params))
        return [IncidentTimes(int(r[0]), str(r[1]), float(r[2]), _float(r[3]), _float(r[4])) for r in rows]

    def alerts_per_source(self, start: float, end: float) -> list[SourceCount]:
        """Alerts created in [start, end) by source (alerts are seen by everyone who answers them)."""
        rows = self.db.query("SELECT source, count(*), coalesce(sum(event_count), 0) FROM alerts "
                             "WHERE created_at >= ? AND created_at < ? GROUP BY source ORDER BY count(*) DESC, source",
                             (start, end))
        return [SourceCount(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    def pages_per_person(self, start: float, end: float, viewer: str | None) -> list[PersonPages]:
        """Pages sent in [start, end) by person; pages about an incident the viewer may not see are left out."""
        visible, params = _visible("i", viewer)
        rows = self.db.query(
            "SELECT p.user_id, count(*), coalesce(sum(CASE WHEN e.acked_by = p.user_id THEN 1 ELSE 0 END), 0) "
            "FROM pages p JOIN escalations e ON e.id = p.escalation_id "
            "LEFT JOIN incidents i ON e.subject_kind = 'incident' AND i.id = e.subject_id "
            f"WHERE p.sent_at >= ? AND p.sent_at < ? AND (i.id IS NULL OR {visible}) "
            "GROUP BY p.user_id ORDER BY count(*) DESC, p.user_id",
            (start, end, *params))
        return [PersonPages(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def _visible(alias: str, viewer: str | None) -> tuple[str, tuple]:
    if viewer is None:
        return "1 = 1", ()
    return f"({alias}.is_private = 0 OR {involves_sql(alias)})", involves_params(viewer)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
