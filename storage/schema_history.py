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

# in ascending order, each once: a database past a version never runs one listed after it with a lower number
assert [m.version for m in MIGRATIONS] == sorted({m.version for m in MIGRATIONS}), "migrations out of order"
LATEST_VERSION = MIGRATIONS[-1].version

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration"]
