"""Open the database warroom keeps its state in, and bring its schema up to date.

``WARROOM_DB`` is a SQLite file (the embedded default: one process, one file) or a ``postgresql://``
URL (several replicas on one database). Both give a :class:`storage.database.Database`.
"""

from __future__ import annotations

import os

from storage.database import Database
from storage.errors import StorageError, StorageUnavailable
from storage.migrations import LATEST_VERSION, apply_migrations
from storage.postgres import PostgresDatabase, is_postgres_url
from storage.sqlite import SQLiteDatabase, open_sqlite


def open_database(target: str | os.PathLike[str], *, migrate: bool = True, exclusive: bool = False,
                  create: bool = True) -> Database:
    """Open ``target`` (a file path or a PostgreSQL URL), check it and apply pending migrations.

    ``exclusive`` takes SQLite's one-warroom-per-database lock first (``warroom run``; PostgreSQL takes
    any number of replicas); ``create=False`` opens only an existing SQLite file, read-only
    (``warroom doctor`` changes nothing). Raises :class:`StorageError` with a plain-language reason.
    """
    text = str(target)
    if is_postgres_url(text):
        try:
            db: Database = PostgresDatabase(text)
        except StorageUnavailable as exc:
            raise StorageError(f"cannot open database: {exc} (check WARROOM_DB and that PostgreSQL is up)") from None
    else:
        db = open_sqlite(text, exclusive=exclusive, create=create)
    if migrate:
        try:
            apply_migrations(db)
        except BaseException:
            db.close()
            raise
    return db


__all__ = ["Database", "LATEST_VERSION", "PostgresDatabase", "SQLiteDatabase", "StorageError",
           "StorageUnavailable", "open_database"]
