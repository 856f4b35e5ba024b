"""warroom's schema, as the history of its changes: one list for both engines, only ever appended to
(the newest in ``storage.schema_loop``).

Each migration is written in the SQL both engines understand, with SQLite's type names
(``storage.migrations`` translates them for PostgreSQL); one that needs what only one engine has
(SQLite's trigger syntax) carries its PostgreSQL statements itself.
"""

from __future__ import annotations

from storage import schema_core, schema_grown, schema_loop
from storage.schema_migration import Migration

MIGRATIONS: list[Migration] = [*schema_core.MIGRATIONS, *schema_grown.MIGRATIONS, *schema_loop.MIGRATIONS]

MIGRATIONS.append(Migration(27, "indexes for the insights report's change key", """
-- InsightsStore.change_keys reads these on every view of /insights: a lookup each, not a table scan
CREATE INDEX incidents_by_updated ON incidents(updated_at);
-- the timeline rows a report counts (not the channel's messages, notes, joins...: they come all day)
CREATE INDEX timeline_counted ON timeline(id)
    WHERE kind IN ('declared', 'acknowledged', 'update', 'severity', 'resolved', 'reopened');
CREATE INDEX alerts_open_events ON alerts(event_count) WHERE status != 'resolved';
"""))

# in ascending order, each once: a database past a version never runs one listed after it with a lower number
assert [m.version for m in MIGRATIONS] == sorted({m.version for m in MIGRATIONS}), "migrations out of order"
LATEST_VERSION = MIGRATIONS[-1].version

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration"]
