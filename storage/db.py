"""Open the one SQLite file warroom keeps its state in, and bring its schema up to date."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

import sqlite_utils

from storage.migrations import MIGRATIONS, apply_migrations


class StorageError(Exception):
    """A database that cannot be used; the message is one line a person can act on."""


def open_database(path: str | os.PathLike[str], *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path``, set it up for safe concurrent use and
    apply pending migrations. Raises :class:`StorageError` with a plain-language reason."""
    target = Path(path)
    if str(path) != ":memory:":
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.exists():
            raise StorageError(f"cannot open database {target}: folder {parent} does not exist (check WARROOM_DB)")
        if target.exists() and target.is_dir():
            raise StorageError(f"cannot open database {target}: it is a folder, not a file (check WARROOM_DB)")
        if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
            raise StorageError(f"cannot open database {target}: no permission to write there (check WARROOM_DB)")
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (see transaction()), so no statement
        # ever commits as a side effect of Python's implicit transaction handling.
        conn = sqlite3.connect(str(target), isolation_level=None, timeout=5.0, check_same_thread=False)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        conn.execute("PRAGMA busy_timeout = 5000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(path) != ":memory:" and mode.lower() != "wal":
            raise StorageError(f"cannot open database {target}: could not switch it to WAL mode (got {mode})")
        # NORMAL keeps every committed transaction across a process crash (kill -9); only a power
        # loss can lose the last few, which is the trade SQLite recommends for WAL.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if migrate:
            apply_migrations(db)
        else:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except StorageError:
        raise
    except sqlite3.DatabaseError as exc:
        raise StorageError(_explain(target, exc)) from None
    return db


def _explain(target: Path, exc: sqlite3.DatabaseError) -> str:
    message = str(exc)
    if "not a database" in message or "malformed" in message:
        return f"cannot open database {target}: the file is corrupt or not a SQLite database ({message}); restore it from a backup or point WARROOM_DB elsewhere"
    if "locked" in message or "busy" in message:
        return f"cannot open database {target}: it is locked by another process ({message}); stop the other warroom or wait"
    if "readonly" in message or "unable to open" in message:
        return f"cannot open database {target}: {message} (check WARROOM_DB and its folder's permissions)"
    return f"cannot open database {target}: {message}"


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic unit of work: state, timeline and outbox rows commit together or not at all.

    BEGIN IMMEDIATE takes the write lock up front so two writers never deadlock half way through.
    Nested use joins the outer transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextlib.contextmanager
def savepoint(db: sqlite_utils.Database, name: str = "item") -> Iterator[None]:
    """Part of a larger transaction that can fail alone (one request in a group commit)."""
    conn = db.conn
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


def schema_version(db: sqlite_utils.Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


__all__ = ["MIGRATIONS", "StorageError", "open_database", "schema_version", "transaction"]
